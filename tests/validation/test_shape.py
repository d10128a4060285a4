"""JSON shape: the JSON names of a definition's children, and values split into items with paths and pointers."""

from __future__ import annotations

from fhir_ldn.validation import shape
from fhir_ldn.validation.session import Session
from fhir_ldn.validation.structure import Walker
from fhir_ldn.validation.validator import default_source


def test_json_names_include_every_choice_type() -> None:
    session = Session(default_source())
    root = session.registry.type_root("Observation")
    assert root is not None
    names = shape.json_names(root)
    child, code, primitive = names["valueQuantity"]
    assert (child.name, code, primitive) == ("value", "Quantity", False)
    assert names["valueBoolean"][1:] == ("boolean", True)
    assert "value" not in names
    assert names["status"][1:] == ("code", True)


def test_items_align_values_with_their_extensions() -> None:
    session = Session(default_source())
    walker = Walker(session)
    root = session.registry.type_root("HumanName")
    assert root is not None
    given, _, _ = shape.json_names(root)["given"]
    found = shape.items(
        walker, given, "string", True, "given", ["A", None], [None, {"id": "x"}], "Patient.name[0]", ("name", 0)
    )
    assert [(i.value, i.ext, i.path, i.pointer) for i in found] == [
        ("A", None, "Patient.name[0].given[0]", ("name", 0, "given", 0)),
        (None, {"id": "x"}, "Patient.name[0].given[1]", ("name", 0, "_given", 1)),
    ]
    assert walker.issues == []
    assert shape.items(walker, given, "string", True, "given", "A", None, "Patient.name[0]", ()) != []
    assert [i.text[:40] for i in walker.issues] == ["The property given must be a JSON Array,"]
