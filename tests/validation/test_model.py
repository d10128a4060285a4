"""Compiled structures: the element tree (children, slices, re-slices), JSON names, types and arrays."""

from __future__ import annotations

from fhir_ldn.validation.definitions import DefinitionSource
from fhir_ldn.validation.model import _parent_ids
from fhir_ldn.validation.registry import StructureRegistry
from fhir_ldn.validation.validator import core_sources


def registry() -> StructureRegistry:
    return StructureRegistry(DefinitionSource(core_sources()))


def test_parent_ids() -> None:
    assert _parent_ids("Patient.name.given") == ("Patient.name", None)
    assert _parent_ids("Observation.component:sys") == ("Observation", "Observation.component")
    assert _parent_ids("A.ext:a/b") == ("A", "A.ext:a")
    assert _parent_ids("Observation.value[x]:valueQuantity.unit") == ("Observation.value[x]:valueQuantity", None)


def test_tree_of_a_core_profile() -> None:
    bp = registry().compiled("http://hl7.org/fhir/StructureDefinition/bp")
    assert bp is not None
    assert bp.root is not None
    component = bp.by_id["Observation.component"]
    assert [s.slice_name for s in component.slices] == ["SystolicBP", "DiastolicBP"]
    systolic = component.slices[0]
    assert systolic.min == 1
    assert systolic.is_array
    coding = systolic.children["code"].children["coding"]
    assert [s.slice_name for s in coding.slices] == ["SBPCode"]
    assert coding.slices[0].children["code"].fixed == ("Code", "8480-6")


def test_elements_know_their_json_names_and_types() -> None:
    observation = registry().compiled_type("Observation")
    assert observation is not None
    value = observation.by_id["Observation.value[x]"]
    assert value.is_choice
    assert value.name == "value"
    assert value.suffix_types["Quantity"] == "Quantity"
    assert value.suffix_types["DateTime"] == "dateTime"
    assert observation.by_id["Observation.id"].suffix_types == {"": "id"}
    status = observation.by_id["Observation.status"]
    assert (status.min, status.max, status.is_array) == (1, 1, False)
    assert status.binding is not None
    assert status.binding.strength == "required"


def test_child_maps_come_from_types_and_content_references() -> None:
    reg = registry()
    questionnaire = reg.compiled_type("Questionnaire")
    assert questionnaire is not None
    nested = questionnaire.by_id["Questionnaire.item.item"]
    assert nested.content_target() is questionnaire.by_id["Questionnaire.item"]
    assert "linkId" in nested.child_map()
    identifier = questionnaire.by_id["Questionnaire.identifier"]
    assert set(identifier.child_map()) >= {"system", "value", "period"}
    assert identifier.definition_for("Identifier") is reg.type_root("Identifier")
