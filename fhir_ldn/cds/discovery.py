"""CDS Hooks service ids and the discovery document: one listed id per (rule, hook), plus the rule's own id.

A service's `id` is the last segment of its URL, and real clients key what they discover by it (the cds-hooks
sandbox by `{discovery URL}/{id}`), so discovery lists each id once: `<PlanDefinition id>-<hook>`, answering
that hook only. The PlanDefinition's own id (`ldn-ssri-cds`, the one id of earlier versions) still answers
every hook of the rule, so clients configured with it keep working, but it is not listed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fhir_ldn.cds.engine import CdsRule
from fhir_ldn.cds.prefetch import PREFETCH_TEMPLATES
from fhir_ldn.errors import PackageError


@dataclass(frozen=True)
class CdsEndpoint:
    """One service id: the rule it evaluates, the hooks it answers, and whether discovery lists it."""

    id: str
    rule: CdsRule
    hooks: frozenset[str]
    listed: bool


def hook_service_id(rule_id: str, hook: str) -> str:
    """The listed service id of one hook of a rule: `<PlanDefinition id>-<hook>` (e.g. `ldn-ssri-cds-order-sign`)."""
    return f"{rule_id}-{hook}"


def service_endpoints(rules: Sequence[CdsRule]) -> dict[str, CdsEndpoint]:
    """Every service id the rules answer, by id; a PackageError if two would share an id."""
    out: dict[str, CdsEndpoint] = {}
    for rule in sorted(rules, key=lambda r: r.id):
        endpoints = [CdsEndpoint(hook_service_id(rule.id, h), rule, frozenset({h}), True) for h in sorted(rule.hooks)]
        endpoints.append(CdsEndpoint(rule.id, rule, rule.hooks, False))
        for endpoint in endpoints:
            if endpoint.id in out:
                raise PackageError(
                    f"CDS service id '{endpoint.id}' of PlanDefinition/{rule.id} is already taken by "
                    f"PlanDefinition/{out[endpoint.id].rule.id}"
                )
            out[endpoint.id] = endpoint
    return out


def discovery_document(endpoints: dict[str, CdsEndpoint]) -> dict[str, Any]:
    """`{"services": [...]}`: one entry per listed id (each id once), sorted by id."""
    services = [
        {
            "hook": next(iter(endpoint.hooks)),
            "title": f"{endpoint.rule.title} ({', '.join(sorted(endpoint.hooks))})",
            "description": endpoint.rule.description,
            "id": endpoint.id,
            "prefetch": dict(PREFETCH_TEMPLATES),
        }
        for endpoint in sorted(endpoints.values(), key=lambda e: e.id)
        if endpoint.listed
    ]
    return {"services": services}
