"""Navigation over FHIR JSON without definitions (choice suffixes and types guessed) and children()."""

from __future__ import annotations

from decimal import Decimal

from fhir_ldn.fhirpath.nodes import FNode, Model, primitive_value, quantity_of

OBS = {
    "resourceType": "Observation",
    "valueQuantity": {"value": 1.5, "code": "mg"},
    "component": [{"valueString": "a"}, {"_valueString": {"extension": [{"url": "u", "valueBoolean": True}]}}],
    "issued": "2020-01-01T00:00:00Z",
}


def test_choice_navigation_is_guessed_from_the_suffix() -> None:
    model = Model()
    root = model.resource_node(OBS)
    (value,) = model.navigate(root, "value")
    assert value.t == "Quantity"
    assert quantity_of(value) is not None
    components = model.navigate(root, "component")
    strings = [n for c in components for n in model.navigate(c, "value")]
    assert [n.v for n in strings] == ["a", None]  # the second has only an extension
    assert model.navigate(strings[1], "extension")[0].v["url"] == "u"


def test_children_merge_primitives_with_their_extensions() -> None:
    model = Model()
    node = FNode({"a": 1, "_a": {"id": "x"}, "_b": {"extension": []}, "resourceType": "X"}, None, "X")
    children = model.children(node)
    assert sorted((c.v, bool(c.x)) for c in children if c.v is not None) == [(1, True)]
    assert len(children) == 2
    assert [n.v for n in model.descendants(FNode({"a": {"b": [1, 2]}}, None, "X"))][-2:] == [1, 2]


def test_primitive_values_by_type() -> None:
    assert primitive_value(FNode("1.50", None, "decimal")) == Decimal("1.50")
    assert primitive_value(FNode(3, None, "positiveInt")) == 3
    assert primitive_value(FNode("2020-02", None, "date")).parts == (2020, 2)
    assert primitive_value(FNode("x", None, "code")) == "x"
    assert primitive_value(FNode(None, {"id": "a"}, "string")) is None


def test_type_tests_without_definitions() -> None:
    model = Model()
    assert model.is_type("Patient", "Resource")
    assert model.is_type("Age", "Quantity")
    assert not model.is_type("Identifier", "Resource")
