"""$lookup, $translate and $subsumes."""

from __future__ import annotations

from typing import Any

import pytest

from fhir_ldn.errors import RequestError, TerminologyError
from fhir_ldn.terminology import TerminologyService
from tests.terminology.conftest import SHAPES, out, params

TARGET = "http://example.org/fhir/CodeSystem/target"
MAP: dict[str, Any] = {
    "resourceType": "ConceptMap",
    "url": "http://example.org/fhir/ConceptMap/shapes-to-target",
    "version": "1",
    "status": "active",
    "group": [
        {
            "source": SHAPES,
            "target": TARGET,
            "element": [
                {"code": "circle", "target": [{"code": "round", "relationship": "equivalent"}]},
                {"code": "square", "target": [{"code": "four", "relationship": "source-is-narrower-than-target"}]},
                {"code": "oval", "target": [{"code": "round", "relationship": "not-related-to"}]},
            ],
            "unmapped": {"mode": "fixed", "code": "other", "relationship": "related-to"},
        }
    ],
}


def properties(result: dict[str, Any]) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    given = result.get("property", [])
    for p in given if given and isinstance(given[0], list) else [given]:
        parts = {q["name"]: next(v for k, v in q.items() if k.startswith("value")) for q in p}
        found.setdefault(parts["code"], []).append(parts["value"])
    return found


def test_lookup_gives_display_definition_designations_and_hierarchy(service: TerminologyService) -> None:
    result = out(service.lookup(params(system=SHAPES, code="triangle", property="*")))
    assert result["name"] == "Shapes"
    assert result["version"] == "1.0.0"
    assert result["display"] == "Triangle"
    assert result["abstract"] is False
    props = properties(result)
    assert props["parent"] == ["polygon"]
    assert props["child"] == ["equilateral", "isosceles"]
    assert props["inactive"] == [False]
    assert props["sides"] == [3]
    circle = out(service.lookup(params(system=SHAPES, code="circle", displayLanguage="fr")))
    assert circle["display"] == "Cercle"
    assert circle["definition"].startswith("All points")
    languages = [next(p["valueCode"] for p in d if p["name"] == "language") for d in circle["designation"]]
    assert languages == ["en", "de", "fr"]


def test_lookup_of_unknown_codes_and_systems_is_not_found(service: TerminologyService) -> None:
    with pytest.raises(TerminologyError) as code:
        service.lookup(params(system=SHAPES, code="hexagon"))
    assert code.value.http_status == 404
    assert "Unknown code 'hexagon'" in code.value.message
    with pytest.raises(TerminologyError) as system:
        service.lookup(params(system="http://example.org/none", code="x"))
    assert system.value.http_status == 404
    with pytest.raises(RequestError):
        service.lookup(params(code="x"))


def test_translate_forward_reverse_and_unmapped(service: TerminologyService) -> None:
    mapped = service.with_resources([MAP])
    forward = out(mapped.translate(params(sourceSystem=SHAPES, sourceCode="circle", targetSystem=TARGET)))
    assert forward["result"] is True
    match = {p["name"]: p for p in forward["match"]}
    assert match["concept"]["valueCoding"] == {"system": TARGET, "code": "round"}
    assert match["relationship"]["valueCode"] == "equivalent"
    assert match["originMap"]["valueCanonical"] == MAP["url"] + "|1"
    reverse = out(mapped.translate(params(targetSystem=TARGET, targetCode="round")))
    sources = sorted(next(p["valueCoding"]["code"] for p in m if p["name"] == "source") for m in reverse["match"])
    assert sources == ["circle", "oval"]
    assert reverse["result"] is True
    unmapped = out(mapped.translate(params(sourceSystem=SHAPES, sourceCode="triangle")))
    assert {p["name"]: p for p in unmapped["match"]}["concept"]["valueCoding"]["code"] == "other"
    unrelated = out(mapped.translate(params(sourceSystem=SHAPES, sourceCode="oval")))
    assert unrelated["result"] is False
    assert unrelated["message"] == f"No translations found for {SHAPES}#oval"
    with pytest.raises(TerminologyError):
        mapped.translate(params(url="http://example.org/fhir/ConceptMap/none", sourceCode="x"))
    with pytest.raises(RequestError):
        mapped.translate(params(sourceSystem=SHAPES))


@pytest.mark.parametrize(
    ("a", "b", "outcome"),
    [
        ("polygon", "square", "subsumes"),
        ("isosceles", "triangle", "subsumed-by"),
        ("circle", "circle", "equivalent"),
        ("circle", "triangle", "not-subsumed"),
    ],
)
def test_subsumes(service: TerminologyService, a: str, b: str, outcome: str) -> None:
    assert out(service.subsumes(params(system=SHAPES, codeA=a, codeB=b))) == {"outcome": outcome}


def test_subsumes_errors(service: TerminologyService) -> None:
    with pytest.raises(TerminologyError):
        service.subsumes(params(system=SHAPES, codeA="circle", codeB="hexagon"))
    with pytest.raises(RequestError, match="one code system"):
        service.subsumes(
            params(
                ("codingA", {"valueCoding": {"system": SHAPES, "code": "circle"}}),
                ("codingB", {"valueCoding": {"system": TARGET, "code": "round"}}),
            )
        )


def test_translate_accepts_the_r4_parameter_names(service: TerminologyService) -> None:
    mapped = service.with_resources([MAP])
    r4 = out(mapped.translate(params(system=SHAPES, code="circle")))
    assert r4["result"] is True
    coding = out(mapped.translate(params(("coding", {"valueCoding": {"system": SHAPES, "code": "square"}}))))
    assert {p["name"]: p for p in coding["match"]}["relationship"]["valueCode"] == "source-is-narrower-than-target"
