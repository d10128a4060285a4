"""Small code systems and value sets written for these tests (not clinical content)."""

from __future__ import annotations

from typing import Any

import pytest

from fhir_ldn.terminology import OperationParams, TerminologyService

SHAPES = "http://example.org/fhir/CodeSystem/shapes"
LETTERS = "http://example.org/fhir/CodeSystem/letters"
VERSIONED = "http://example.org/fhir/CodeSystem/versioned"
PARTIAL = "http://example.org/fhir/CodeSystem/partial"
VS = "http://example.org/fhir/ValueSet/"
TS = "2026-01-01T00:00:00Z"
ID = "urn:uuid:00000000-0000-4000-8000-000000000000"


def concept(code: str, display: str, *children: dict[str, Any], **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"code": code, "display": display, **extra}
    if children:
        out["concept"] = list(children)
    return out


SHAPES_CS: dict[str, Any] = {
    "resourceType": "CodeSystem",
    "id": "shapes",
    "url": SHAPES,
    "version": "1.0.0",
    "name": "Shapes",
    "status": "active",
    "language": "en",
    "content": "complete",
    "caseSensitive": True,
    "hierarchyMeaning": "is-a",
    "property": [
        {"code": "sides", "uri": "http://example.org/fhir/properties#sides", "type": "integer"},
        {"code": "kind", "uri": "http://example.org/fhir/properties#kind", "type": "code"},
        {"code": "notSelectable", "uri": "http://hl7.org/fhir/concept-properties#notSelectable", "type": "boolean"},
        {"code": "status", "uri": "http://hl7.org/fhir/concept-properties#status", "type": "code"},
        {"code": "inactive", "uri": "http://hl7.org/fhir/concept-properties#inactive", "type": "boolean"},
    ],
    "concept": [
        concept(
            "polygon",
            "Polygon",
            concept(
                "triangle",
                "Triangle",
                concept("equilateral", "Equilateral triangle", property=[{"code": "kind", "valueCode": "regular"}]),
                concept("isosceles", "Isosceles triangle"),
                property=[{"code": "sides", "valueInteger": 3}],
            ),
            concept(
                "quadrilateral",
                "Quadrilateral",
                concept(
                    "square",
                    "Square",
                    property=[{"code": "kind", "valueCode": "regular"}, {"code": "status", "valueCode": "retired"}],
                ),
                concept("rectangle", "Rectangle"),
                property=[{"code": "sides", "valueInteger": 4}],
            ),
            property=[{"code": "notSelectable", "valueBoolean": True}],
        ),
        concept(
            "circle",
            "Circle",
            definition="All points at one distance from the centre",
            designation=[{"language": "de", "value": "Kreis"}, {"language": "fr", "value": "Cercle"}],
        ),
        concept("oval", "Oval", property=[{"code": "inactive", "valueBoolean": True}]),
    ],
}

LETTERS_CS: dict[str, Any] = {
    "resourceType": "CodeSystem",
    "url": LETTERS,
    "version": "2",
    "status": "active",
    "content": "complete",
    "caseSensitive": False,
    "concept": [concept("Alpha", "Alpha"), concept("BETA", "Beta")],
}


def versioned(version: str, *codes: str) -> dict[str, Any]:
    return {
        "resourceType": "CodeSystem",
        "url": VERSIONED,
        "version": version,
        "status": "active",
        "content": "complete",
        "concept": [concept(c, f"{c} ({version})") for c in codes],
    }


PARTIAL_CS: dict[str, Any] = {
    "resourceType": "CodeSystem",
    "url": PARTIAL,
    "status": "active",
    "content": "fragment",
    "concept": [concept("known", "Known code")],
}


def value_set(name: str, *include: dict[str, Any], **compose: Any) -> dict[str, Any]:
    return {
        "resourceType": "ValueSet",
        "id": name,
        "url": VS + name,
        "version": "1",
        "status": "active",
        "compose": {"include": list(include), **compose},
    }


VALUE_SETS = [
    value_set("all-shapes", {"system": SHAPES}),
    value_set("active-shapes", {"system": SHAPES}, inactive=False),
    value_set("triangles", {"system": SHAPES, "filter": [{"property": "concept", "op": "is-a", "value": "triangle"}]}),
    value_set("round", {"system": SHAPES, "concept": [{"code": "circle"}, {"code": "oval", "display": "Egg shape"}]}),
    value_set("letters", {"system": LETTERS}),
    value_set("versioned", {"system": VERSIONED}),
    value_set("versioned-1", {"system": VERSIONED, "version": "1.0.0"}),
    value_set("partial-all", {"system": PARTIAL}),
    value_set("partial-listed", {"system": PARTIAL, "concept": [{"code": "known"}, {"code": "listed"}]}),
]


def params(*items: tuple[str, Any], **named: Any) -> OperationParams:
    """OperationParams from (name, value) pairs and name=value keywords; a value is {valueX: ...} or a plain value."""
    out: list[dict[str, Any]] = []
    for name, value in [*items, *named.items()]:
        if isinstance(value, dict) and any(k.startswith("value") or k == "resource" for k in value):
            out.append({"name": name, **value})
        elif isinstance(value, bool):
            out.append({"name": name, "valueBoolean": value})
        elif isinstance(value, int):
            out.append({"name": name, "valueInteger": value})
        else:
            out.append({"name": name, "valueString": value})
    return OperationParams(out)


def out(parameters: dict[str, Any]) -> dict[str, Any]:
    """A Parameters resource as {name: value}; a name given more than once maps to the list of its values."""
    collected: dict[str, list[Any]] = {}
    for p in parameters["parameter"]:
        value = next((v for k, v in p.items() if k.startswith("value") or k in ("resource", "part")), None)
        collected.setdefault(p["name"], []).append(value)
    return {name: values[0] if len(values) == 1 else values for name, values in collected.items()}


@pytest.fixture
def service() -> TerminologyService:
    resources = [SHAPES_CS, LETTERS_CS, versioned("1.0.0", "a"), versioned("2.0.0", "a", "b"), PARTIAL_CS]
    return TerminologyService([*resources, *VALUE_SETS])
