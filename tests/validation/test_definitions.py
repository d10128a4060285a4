"""Definition lookup: extra resources over the core packages, versions, types."""

from __future__ import annotations

from fhir_ldn.validation.definitions import DefinitionSource
from fhir_ldn.validation.validator import core_sources


def test_extra_resources_shadow_the_core_and_versions_are_chosen() -> None:
    mine = {"resourceType": "ValueSet", "url": "http://hl7.org/fhir/ValueSet/administrative-gender", "version": "9"}
    older = {**mine, "version": "1"}
    source = DefinitionSource(core_sources(), [older, mine, {"resourceType": "Patient", "id": "not canonical"}])
    assert source.resource("http://hl7.org/fhir/ValueSet/administrative-gender") is mine
    assert source.resource("http://hl7.org/fhir/ValueSet/administrative-gender|1") is older
    assert source.resource("http://hl7.org/fhir/ValueSet/administrative-gender|5.0.0") is mine  # no such version held
    assert source.resource("http://hl7.org/fhir/ValueSet/marital-status") is not None  # from the core package
    assert source.structure("http://hl7.org/fhir/ValueSet/marital-status") is None  # not a StructureDefinition
    assert source.type_structure("Patient") is not None
    extensions_only = "http://hl7.org/fhir/StructureDefinition/patient-birthTime"
    assert source.structure(extensions_only) is not None  # from hl7.fhir.uv.extensions.r5


def test_adding_resources_bumps_the_generation() -> None:
    source = DefinitionSource()
    before = source.generation
    source.add([{"resourceType": "CodeSystem", "url": "http://example.org/cs"}])
    assert source.generation == before + 1
    assert [r["url"] for r in source.extra_resources()] == ["http://example.org/cs"]
