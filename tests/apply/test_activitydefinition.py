"""ActivityDefinition → request resource, R5 and R4 shapes, dynamicValue, and what cannot be applied."""

from __future__ import annotations

import copy

import pytest

from fhir_ldn.apply.activitydefinition import R4, ApplyContext, apply_activity_definition
from fhir_ldn.errors import ApplyError
from fhir_ldn.package.index import Package
from tests.apply.validate import assert_valid_r5

CONTEXT = ApplyContext(subject="Patient/p1", encounter="Encounter/e1", practitioner="Practitioner/d1")


def test_titration_becomes_a_medication_request_proposal(package: Package) -> None:
    definition = package.require("ActivityDefinition", "ldn-titration")
    request = apply_activity_definition(definition, CONTEXT)
    assert request["resourceType"] == "MedicationRequest"
    assert (request["status"], request["intent"]) == ("draft", "proposal")
    assert request["medication"] == {"concept": definition["productCodeableConcept"]}
    assert request["dosageInstruction"] == definition["dosage"]
    assert request["dosageInstruction"] is not definition["dosage"]  # a copy: the package stays read-only
    assert request["subject"] == {"reference": "Patient/p1"}
    assert request["encounter"] == {"reference": "Encounter/e1"}
    assert request["requester"] == {"reference": "Practitioner/d1"}
    assert "instantiatesCanonical" not in request  # R5 MedicationRequest has no such element
    assert_valid_r5(request)


def test_r4_shape(package: Package) -> None:
    r4 = ApplyContext(subject="Patient/p1", fhir_version=R4)
    request = apply_activity_definition(package.require("ActivityDefinition", "ldn-titration"), r4)
    assert request["medicationCodeableConcept"]["coding"][0]["code"] == "7243"
    assert "medication" not in request
    assert request["instantiatesCanonical"][0].endswith("/ActivityDefinition/ldn-titration|0.1.0")
    service = apply_activity_definition(package.require("ActivityDefinition", "monitor-mood"), r4)
    assert service["code"]["coding"][0]["code"] == "monitor-mood"


def test_service_and_communication_requests(package: Package) -> None:
    service = apply_activity_definition(package.require("ActivityDefinition", "monitor-gi-side-effects"), CONTEXT)
    assert service["resourceType"] == "ServiceRequest"
    assert service["code"]["concept"]["coding"][0]["code"] == "monitor-gi"
    assert service["instantiatesCanonical"][0].endswith("/ActivityDefinition/monitor-gi-side-effects|0.1.0")
    assert_valid_r5(service)
    education = apply_activity_definition(package.require("ActivityDefinition", "patient-education-titration"), CONTEXT)
    assert education["resourceType"] == "CommunicationRequest"
    assert education["payload"][0]["contentCodeableConcept"]["coding"][0]["code"] == "educate-titration"
    assert "instantiatesCanonical" not in education  # CommunicationRequest has no such element
    assert_valid_r5(education)


def test_task_uses_for(package: Package) -> None:
    definition = copy.deepcopy(package.require("ActivityDefinition", "monitor-mood")) | {"kind": "Task"}
    task = apply_activity_definition(definition, CONTEXT)
    assert task["for"] == {"reference": "Patient/p1"}
    assert "subject" not in task
    assert isinstance(task["instantiatesCanonical"], str)
    assert_valid_r5(task)


def test_dynamic_values(package: Package) -> None:
    definition = copy.deepcopy(package.require("ActivityDefinition", "monitor-mood"))
    definition["dynamicValue"] = [
        {"path": "priority", "expression": {"language": "text/fhirpath", "expression": "'urgent'"}},
        {"path": "note.text", "expression": {"language": "text/fhirpath", "expression": "%context_note"}},
        {"path": "doNotPerform", "expression": {"language": "text/fhirpath", "expression": "{}"}},
    ]
    definition["doNotPerform"] = False
    context = ApplyContext(subject="Patient/p1", variables={"context_note": "from the caller"})
    request = apply_activity_definition(definition, context)
    assert request["priority"] == "urgent"
    assert request["note"] == {"text": "from the caller"}
    assert "doNotPerform" not in request


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "Appointment"}, "cannot be applied"),
        (
            {"dynamicValue": [{"path": "status", "expression": {"language": "text/cql", "expression": "'x'"}}]},
            "fhirpath",
        ),
        ({"dynamicValue": [{"path": "a[0]", "expression": {"language": "text/fhirpath", "expression": "1"}}]}, "path"),
    ],
)
def test_what_cannot_be_applied(package: Package, change: dict[str, object], message: str) -> None:
    definition = copy.deepcopy(package.require("ActivityDefinition", "monitor-mood")) | change
    with pytest.raises(ApplyError, match=message):
        apply_activity_definition(definition, CONTEXT)
