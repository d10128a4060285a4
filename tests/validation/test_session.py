"""The session: primitive regexes (with HL7's fixes), profiles required by the spec, FHIRPath host services."""

from __future__ import annotations

from fhir_ldn.fhirpath.nodes import FNode
from fhir_ldn.validation.session import Session
from fhir_ldn.validation.structure import ResourceContext, Walker
from fhir_ldn.validation.validator import default_source


def test_primitive_regexes() -> None:
    session = Session(default_source())
    assert (
        session.primitive_regex("decimal") == r"-?(0|[1-9][0-9]{0,17})(\.[0-9]{1,17})?([eE](0|[+\-]?[1-9][0-9]{0,9}))?"
    )
    assert session.primitive_regex("id") == "[A-Za-z0-9\\-\\.]{1,64}"
    assert session.primitive_regex("Identifier") is None


def test_vital_signs_by_loinc_code() -> None:
    session = Session(default_source())
    obs = {"resourceType": "Observation", "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]}}
    assert session.required_profiles(obs) == ["http://hl7.org/fhir/StructureDefinition/bp"]
    assert session.required_profiles({**obs, "resourceType": "Patient"}) == []


def test_host_services_resolve_contained_and_bundled_resources() -> None:
    session = Session(default_source())
    walker = Walker(session)
    walker.bundle_resources["urn:uuid:1"] = {"resourceType": "Practitioner", "id": "a"}
    root = {"resourceType": "CareTeam", "contained": [{"resourceType": "Patient", "id": "c"}]}
    node = FNode(root, None, "CareTeam")
    rc = ResourceContext(node=node, root=node, resource=root, path="CareTeam")
    ctx = session.fhirpath_context(walker, rc, node)
    assert ctx.env.resolve("#c", ctx) == {"resourceType": "Patient", "id": "c"}
    assert ctx.env.resolve("#", ctx) is root
    assert ctx.env.resolve("urn:uuid:1", ctx) == {"resourceType": "Practitioner", "id": "a"}
    assert ctx.env.resolve("Organization/x", ctx) is None
    assert ctx.env.conforms_to(
        FNode({"resourceType": "Patient"}, None, "Patient"), "http://hl7.org/fhir/StructureDefinition/Patient", ctx
    )
