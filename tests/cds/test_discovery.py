"""Service ids: one listed id per hook, each listed once; the PlanDefinition's own id answers every hook, unlisted."""

from __future__ import annotations

import dataclasses

import pytest

from fhir_ldn.cds.discovery import discovery_document, hook_service_id, service_endpoints
from fhir_ldn.cds.engine import load_rules
from fhir_ldn.errors import PackageError
from fhir_ldn.package.index import Package


def test_one_listed_id_per_hook_and_the_rule_id_unlisted(package: Package) -> None:
    endpoints = service_endpoints(load_rules(package))
    assert {e.id: (sorted(e.hooks), e.listed) for e in endpoints.values()} == {
        "ldn-ssri-cds-order-select": (["order-select"], True),
        "ldn-ssri-cds-order-sign": (["order-sign"], True),
        "ldn-ssri-cds": (["order-select", "order-sign"], False),
    }
    assert len({id(e.rule) for e in endpoints.values()}) == 1  # all driven by the one PlanDefinition


def test_discovery_lists_every_id_once(package: Package) -> None:
    services = discovery_document(service_endpoints(load_rules(package)))["services"]
    ids = [s["id"] for s in services]
    assert len(ids) == len(set(ids)) == 2
    assert {s["hook"]: s["id"] for s in services} == {
        "order-select": "ldn-ssri-cds-order-select",
        "order-sign": "ldn-ssri-cds-order-sign",
    }
    for service in services:
        assert service["hook"] in service["title"]  # a client listing services by title can tell them apart
        assert service["description"]


def test_an_id_taken_twice_fails_start_up(package: Package) -> None:
    rule = load_rules(package)[0]
    single = dataclasses.replace(rule, id="a", hooks=frozenset({"order-sign"}))
    clash = dataclasses.replace(rule, id=hook_service_id("a", "order-sign"))
    with pytest.raises(PackageError, match="already taken"):
        service_endpoints([single, clash])
