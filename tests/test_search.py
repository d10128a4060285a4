"""FHIR search matching over resources (the subset the /fhir endpoint supports)."""

from __future__ import annotations

from typing import Any

import pytest

from fhir_ldn.search import SearchError, matches, parse_search

CUD: dict[str, Any] = {
    "resourceType": "ClinicalUseDefinition",
    "id": "x",
    "type": "interaction",
    "status": {"coding": [{"system": "http://hl7.org/fhir/publication-status", "code": "draft"}]},
    "subject": [{"reference": "MedicinalProductDefinition/low-dose-naltrexone"}],
}
MPD: dict[str, Any] = {
    "resourceType": "MedicinalProductDefinition",
    "id": "m",
    "name": [{"productName": "Low-dose naltrexone"}],
}
VS: dict[str, Any] = {
    "resourceType": "ValueSet",
    "id": "v",
    "url": "http://e/vs",
    "version": "1",
    "name": "Ssri",
    "status": "draft",
}
ALLOWED = {"_id", "url", "version", "name", "status", "subject", "type"}


def hit(resource: dict[str, Any], *pairs: tuple[str, str]) -> bool:
    return matches(resource, parse_search(pairs, ALLOWED))


def test_tokens_match_codes_and_codeable_concepts_with_or_without_system() -> None:
    assert hit(CUD, ("type", "interaction"))
    assert hit(CUD, ("type", "warning,interaction"))
    assert not hit(CUD, ("type", "warning"))
    assert hit(CUD, ("status", "draft"))
    assert hit(CUD, ("status", "http://hl7.org/fhir/publication-status|draft"))
    assert not hit(CUD, ("status", "http://other|draft"))
    assert hit(VS, ("status", "draft"), ("_id", "v"))


def test_references_match_relative_and_absolute_forms() -> None:
    assert hit(CUD, ("subject", "MedicinalProductDefinition/low-dose-naltrexone"))
    assert hit(CUD, ("subject", "https://fhir-ldn.github.io/fhir/MedicinalProductDefinition/low-dose-naltrexone"))
    assert not hit(CUD, ("subject", "MedicinalProductDefinition/naltrexone-50mg-oral-tablet"))


def test_strings_match_by_prefix_exactly_or_anywhere() -> None:
    assert hit(VS, ("name", "ss"))
    assert not hit(VS, ("name:exact", "ssri"))
    assert hit(VS, ("name:exact", "Ssri"))
    assert hit(MPD, ("name:contains", "naltrex"))
    assert hit(VS, ("url", "http://e/vs"), ("version", "1"))
    assert not hit(VS, ("url", "http://e/vs"), ("version", "2"))


@pytest.mark.parametrize(
    ("pairs", "parameter"),
    [([("colour", "red")], "colour"), ([("url:below", "x")], "url:below"), ([("name", ",")], "name")],
)
def test_unsupported_parameters_are_errors(pairs: list[tuple[str, str]], parameter: str) -> None:
    with pytest.raises(SearchError) as caught:
        parse_search(pairs, ALLOWED)
    assert caught.value.parameter == parameter
