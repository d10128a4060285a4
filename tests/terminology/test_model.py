"""CodeSystem indexes: hierarchy from nesting or properties, status, case, lookups."""

from __future__ import annotations

from fhir_ldn.terminology.model import CodeSystemIndex
from tests.terminology.conftest import LETTERS_CS, SHAPES_CS


def test_nesting_gives_parents_children_descendants_and_ancestors() -> None:
    shapes = CodeSystemIndex(SHAPES_CS)
    assert shapes.roots == ["polygon", "circle", "oval"]
    assert shapes.concepts["triangle"].parents == ["polygon"]
    assert shapes.descendants("polygon") == (
        "triangle",
        "equilateral",
        "isosceles",
        "quadrilateral",
        "square",
        "rectangle",
    )
    assert shapes.ancestors("square") == ["quadrilateral", "polygon"]
    assert shapes.subsumes("polygon", "square")
    assert not shapes.subsumes("square", "polygon")
    assert shapes.canonical == SHAPES_CS["url"] + "|1.0.0"


def test_status_inactive_and_abstract_come_from_properties() -> None:
    shapes = CodeSystemIndex(SHAPES_CS)
    assert shapes.concepts["square"].inactive
    assert shapes.concepts["square"].status == "retired"
    assert shapes.concepts["oval"].inactive
    assert shapes.concepts["oval"].status == "inactive"
    assert shapes.concepts["polygon"].abstract
    assert not shapes.concepts["circle"].abstract


def test_parent_properties_build_the_hierarchy_too() -> None:
    flat = {
        "resourceType": "CodeSystem",
        "url": "http://example.org/flat",
        "content": "complete",
        "concept": [{"code": "a"}, {"code": "b", "property": [{"code": "parent", "valueCode": "a"}]}],
    }
    index = CodeSystemIndex(flat)
    assert index.roots == ["a"]
    assert index.descendants("a") == ("b",)


def test_case_insensitive_lookup_only_where_the_code_system_says_so() -> None:
    letters = CodeSystemIndex(LETTERS_CS)
    found = letters.find("beta")
    assert found is not None
    assert found.code == "BETA"
    assert CodeSystemIndex(SHAPES_CS).find("Circle") is None
