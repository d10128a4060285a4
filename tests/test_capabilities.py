"""The CapabilityStatement and TerminologyCapabilities builders."""

from __future__ import annotations

from fhir_ldn.capabilities import (
    OperationSpec,
    ResourceSpec,
    capability_statement,
    default_definition,
    terminology_capabilities,
)
from fhir_ldn.formats.xml import resource_to_xml
from fhir_ldn.package.index import Package


def test_statement_lists_resources_operations_and_features(package: Package) -> None:
    expand = OperationSpec("expand", "ValueSet", default_definition("expand", "ValueSet"))
    versions = OperationSpec("versions", None, "http://hl7.org/fhir/OperationDefinition/CapabilityStatement-versions")
    statement = capability_statement(
        package.meta,
        "9.9.9",
        "http://localhost/fhir",
        [ResourceSpec("ValueSet", search_params=(("url", "uri"),), operations=[expand, expand])],
        [versions],
    )
    resource = statement["rest"][0]["resource"][0]
    assert resource["operation"] == [
        {"name": "expand", "definition": "http://hl7.org/fhir/OperationDefinition/ValueSet-expand"}
    ]
    assert resource["searchParam"] == [{"name": "url", "type": "uri"}]
    assert statement["rest"][0]["operation"][0]["name"] == "versions"
    features = [e["extension"][0]["valueCanonical"] for e in statement["extension"]]
    assert features == [
        "http://hl7.org/fhir/uv/tx-tests/FeatureDefinition/test-version",
        "http://hl7.org/fhir/uv/tx-ecosystem/FeatureDefinition/CodeSystemAsParameter",
    ]
    assert statement["software"]["version"] == "9.9.9"
    assert resource_to_xml(statement).startswith(b"<")  # valid R5: the XML writer validates it


def test_terminology_capabilities_lists_code_systems_with_versions(package: Package) -> None:
    caps = terminology_capabilities(package.meta, "1", "http://localhost/fhir", package.of_type("CodeSystem"))
    local = next(c for c in caps["codeSystem"] if c["uri"].endswith("ldn-ssri-concepts"))
    assert local["version"] == [{"code": "0.1.0", "isDefault": True}]
    assert local["content"] == "complete"
    assert resource_to_xml(caps).startswith(b"<")
