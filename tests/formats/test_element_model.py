"""The element model derived from the R5 snapshots: order, types, choices, attributes, content references."""

from __future__ import annotations

from fhir_ldn.core_defs import load_core_definitions
from fhir_ldn.formats.element_model import build_compact_model, element_model, model_from_compact


def test_resource_elements_in_snapshot_order() -> None:
    patient = element_model().node("Patient")
    names = [c.name for c in sorted(patient.children.values(), key=lambda c: c.order)]
    assert names[:8] == [
        "id",
        "meta",
        "implicitRules",
        "language",
        "text",
        "contained",
        "extension",
        "modifierExtension",
    ]
    assert names.index("gender") < names.index("birthDate") < names.index("deceasedBoolean") < names.index("address")
    assert patient.url == "http://hl7.org/fhir/StructureDefinition/Patient|5.0.0"
    assert patient.attributes == {}  # Resource.id is an element, not an attribute


def test_choice_variants_share_one_position() -> None:
    patient = element_model().node("Patient")
    boolean, date_time = patient.children["deceasedBoolean"], patient.children["deceasedDateTime"]
    assert boolean.order == date_time.order
    assert (boolean.element, boolean.choice_type, boolean.type, boolean.kind) == (
        "deceased",
        "boolean",
        "boolean",
        "primitive",
    )
    assert date_time.path == "Patient.deceased[x]"
    assert "valueQuantity" in element_model().node("Observation").children
    assert element_model().node("Extension").children["valueAge"].type == "Age"


def test_xml_attributes() -> None:
    model = element_model()
    assert set(model.node("Extension").attributes) == {"id", "url"}
    assert set(model.node("HumanName").attributes) == {"id"}
    assert set(model.node("Patient.contact").attributes) == {"id"}
    assert set(model.node("decimal").attributes) == {"id", "value"}
    assert model.node("decimal").json_type == "decimal"
    assert model.node("positiveInt").json_type == "integer"
    assert model.node("integer64").json_type == "string"  # a JSON string in R5


def test_backbones_content_references_and_resources() -> None:
    model = element_model()
    contact = model.node("Patient").children["contact"]
    assert (contact.type, contact.is_list) == ("Patient.contact", True)
    assert model.node("Questionnaire.item").children["item"].type == "Questionnaire.item"
    assert model.node("Timing").children["repeat"].type == "Timing.repeat"
    assert model.node("Bundle.entry").children["resource"].kind == "resource"
    assert model.node("Parameters.parameter").children["resource"].kind == "resource"
    assert model.node("Patient").children["contained"].kind == "resource"
    assert model.node("Narrative").children["div"].kind == "xhtml"
    assert model.node("Quantity").children["value"].type == "decimal"


def test_concrete_resource_types_only() -> None:
    model = element_model()
    assert model.resource("Patient") is not None
    assert model.resource("DomainResource") is None
    assert model.resource("HumanName") is None
    assert len(model.resource_types) == 158


def test_cached_model_equals_a_fresh_build() -> None:
    fresh = model_from_compact(build_compact_model(load_core_definitions()))
    assert fresh == element_model()
