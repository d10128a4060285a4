"""The registry: compiled structures cached per url, type roots, type ancestry, snapshot failures."""

from __future__ import annotations

from fhir_ldn.validation.definitions import DefinitionSource
from fhir_ldn.validation.registry import StructureRegistry
from fhir_ldn.validation.validator import core_sources
from tests.validation.conftest import profile


def test_compiled_once_and_by_type() -> None:
    registry = StructureRegistry(DefinitionSource(core_sources()))
    patient = registry.compiled("http://hl7.org/fhir/StructureDefinition/Patient")
    assert patient is not None
    assert registry.compiled("http://hl7.org/fhir/StructureDefinition/Patient") is patient
    assert registry.compiled_type("Patient") is patient
    assert registry.type_root("Patient") is patient.root
    assert registry.compiled("http://example.org/unknown") is None


def test_ancestry_and_kinds() -> None:
    registry = StructureRegistry(DefinitionSource(core_sources()))
    assert registry.ancestors("Patient")[:3] == ("Patient", "DomainResource", "Resource")
    assert "Quantity" in registry.ancestors("Age")
    assert registry.is_primitive("string")
    assert registry.is_primitive("System.String")
    assert not registry.is_primitive("Identifier")
    assert registry.is_resource_type("Bundle")
    assert not registry.is_resource_type("Identifier")


def test_differentials_get_snapshots_and_broken_ones_are_recorded() -> None:
    good = profile("Patient", "http://example.org/good", [{"id": "Patient.active", "path": "Patient.active", "min": 1}])
    bad = profile("Patient", "http://example.org/bad", [{"id": "Patient.colour", "path": "Patient.colour"}])
    registry = StructureRegistry(DefinitionSource(core_sources(), [good, bad]))
    compiled = registry.compiled("http://example.org/good")
    assert compiled is not None
    assert compiled.by_id["Patient.active"].min == 1
    assert registry.compiled("http://example.org/bad") is None
    assert "colour" in registry.snapshot_errors["http://example.org/bad"]
