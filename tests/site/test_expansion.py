"""Value set enumeration for the pages: listed concepts, held code systems, hierarchy filters, nesting, exclusions."""

from __future__ import annotations

from typing import Any

from fhir_ldn.package.index import Package, PackageMeta
from fhir_ldn.site.expansion import enumerate_value_set

BASE = "https://example.org/fhir"


def _package(*resources: dict[str, Any]) -> Package:
    meta = PackageMeta("t", "0", BASE, "t", "CC0", "t", "2026-01-01")
    return Package(meta, [(f"{r['resourceType']}-{r['id']}.json", r) for r in resources])


CS = {
    "resourceType": "CodeSystem",
    "id": "cs",
    "url": f"{BASE}/CodeSystem/cs",
    "concept": [
        {"code": "a", "display": "A", "concept": [{"code": "a1", "display": "A1"}, {"code": "a2", "display": "A2"}]},
        {"code": "b", "display": "B"},
    ],
}


def _vs(vs_id: str, compose: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "ValueSet", "id": vs_id, "url": f"{BASE}/ValueSet/{vs_id}", "compose": compose}


def _codes(package: Package, vs_id: str) -> list[str]:
    return [m.code for m in enumerate_value_set(package, f"{BASE}/ValueSet/{vs_id}").members]


def test_enumerate_value_set_whole_system_filters_and_exclusion() -> None:
    system = CS["url"]
    package = _package(
        CS,
        _vs("all", {"include": [{"system": system}]}),
        _vs(
            "below",
            {"include": [{"system": system, "filter": [{"property": "concept", "op": "descendent-of", "value": "a"}]}]},
        ),
        _vs("isa", {"include": [{"system": system, "filter": [{"property": "concept", "op": "is-a", "value": "a"}]}]}),
        _vs(
            "nested",
            {
                "include": [{"valueSet": [f"{BASE}/ValueSet/all"]}],
                "exclude": [{"system": system, "concept": [{"code": "b"}]}],
            },
        ),
    )
    assert _codes(package, "all") == ["a", "a1", "a2", "b"]
    assert _codes(package, "below") == ["a1", "a2"]
    assert _codes(package, "isa") == ["a", "a1", "a2"]
    assert _codes(package, "nested") == ["a", "a1", "a2"]
    displays = {m.code: m.display for m in enumerate_value_set(package, f"{BASE}/ValueSet/all").members}
    assert displays["a2"] == "A2"


def test_enumerate_value_set_reports_what_it_cannot_enumerate() -> None:
    package = _package(
        CS,
        _vs("other", {"include": [{"system": "http://snomed.info/sct"}]}),
        _vs(
            "regex",
            {"include": [{"system": CS["url"], "filter": [{"property": "code", "op": "regex", "value": "a.*"}]}]},
        ),
        _vs("loop", {"include": [{"valueSet": [f"{BASE}/ValueSet/loop"]}]}),
    )
    assert enumerate_value_set(package, f"{BASE}/ValueSet/other").not_enumerated == [
        "all of http://snomed.info/sct (a code system this package does not hold)"
    ]
    assert "regex" in enumerate_value_set(package, f"{BASE}/ValueSet/regex").not_enumerated[0]
    assert "includes itself" in enumerate_value_set(package, f"{BASE}/ValueSet/loop").not_enumerated[0]
    assert "not in this package" in enumerate_value_set(package, f"{BASE}/ValueSet/missing").not_enumerated[0]


def test_enumerate_value_set_package_ssri_is_the_union_of_its_parts(package: Package) -> None:
    base = package.meta.canonical
    union = {(m.system, m.code) for m in enumerate_value_set(package, f"{base}/ValueSet/ssri").members}
    parts = {
        (m.system, m.code)
        for part in ("ssri-rxnorm", "ssri-atc")
        for m in enumerate_value_set(package, f"{base}/ValueSet/{part}").members
    }
    assert union == parts
    assert ("http://www.nlm.nih.gov/research/umls/rxnorm", "36437") in union
    assert not enumerate_value_set(package, f"{base}/ValueSet/ssri").not_enumerated
