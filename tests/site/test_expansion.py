"""Value set members for the pages, from the terminology engine: what it lists and what it says it cannot."""

from __future__ import annotations

from typing import Any

from fhir_ldn.package.index import Package, PackageMeta
from fhir_ldn.site.expansion import enumerate_value_set, terminology_service

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


def _enumerate(package: Package, vs_id: str):
    return enumerate_value_set(terminology_service(package), f"{BASE}/ValueSet/{vs_id}")


def _codes(package: Package, vs_id: str) -> list[str]:
    return [m.code for m in _enumerate(package, vs_id).members]


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
    displays = {m.code: m.display for m in _enumerate(package, "all").members}
    assert displays["a2"] == "A2"


def test_enumerate_value_set_reports_what_it_cannot_enumerate() -> None:
    fragment = {**CS, "id": "frag", "url": f"{BASE}/CodeSystem/frag", "content": "fragment"}
    package = _package(
        CS,
        fragment,
        _vs("other", {"include": [{"system": "http://snomed.info/sct"}]}),
        _vs("part", {"include": [{"system": fragment["url"]}]}),
        _vs("broken", {"include": [{"valueSet": [f"{BASE}/ValueSet/missing"]}]}),
    )
    assert _enumerate(package, "other").not_enumerated == [
        "all codes of http://snomed.info/sct (a code system this package does not hold)"
    ]
    part = _enumerate(package, "part")
    assert [m.code for m in part.members] == ["a", "a1", "a2", "b"]
    assert part.not_enumerated == [f"codes of {fragment['url']} beyond those this package's fragment holds"]
    assert "missing" in _enumerate(package, "broken").not_enumerated[0]
    assert "not in this package" in _enumerate(package, "nothing").not_enumerated[0]


def test_enumerate_value_set_package_ssri_is_the_union_of_its_parts(package: Package) -> None:
    base = package.meta.canonical
    service = terminology_service(package)
    union = {(m.system, m.code) for m in enumerate_value_set(service, f"{base}/ValueSet/ssri").members}
    parts = {
        (m.system, m.code)
        for part in ("ssri-rxnorm", "ssri-atc")
        for m in enumerate_value_set(service, f"{base}/ValueSet/{part}").members
    }
    assert union == parts
    assert ("http://www.nlm.nih.gov/research/umls/rxnorm", "36437") in union
    assert not enumerate_value_set(service, f"{base}/ValueSet/ssri").not_enumerated
