"""PlanDefinition/$apply of the protocol: eligible, standard-dose and SSRI-free patients, R4 and R5 data."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from fhir_ldn.apply.parameters import ApplyInput
from fhir_ldn.apply.plandefinition import PlanApplier
from fhir_ldn.errors import ApplyError
from fhir_ldn.package.index import Package
from tests.apply import patients
from tests.apply.validate import assert_valid_r5

SHAPES = ["R4", "R5"]
PROTOCOL = ("PlanDefinition", "ldn-ssri-augmentation-protocol")


@pytest.fixture(scope="module")
def applier(package: Package) -> PlanApplier:
    return PlanApplier(package)


def _apply(applier: PlanApplier, package: Package, data: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    request = ApplyInput(subject=patients.PATIENT, data=data, variables={"subject": patients.PATIENT}, **extra)
    counter = itertools.count(1)
    return applier.apply_plan(package.require(*PROTOCOL), request, new_id=lambda: f"id-{next(counter)}")


def _of_type(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _codes(resource: dict[str, Any]) -> set[str]:
    code = resource.get("code", {})
    return {c["code"] for c in code.get("concept", code).get("coding", [])}


@pytest.mark.parametrize("shape", SHAPES)
def test_apply_plan_eligible_patient_gets_the_protocol(applier: PlanApplier, package: Package, shape: str) -> None:
    bundle = _apply(applier, package, patients.on_ssri(shape))
    assert_valid_r5(bundle)
    assert "issues" not in bundle
    orchestration = bundle["entry"][0]["resource"]
    assert orchestration["resourceType"] == "RequestOrchestration"
    assert orchestration["intent"] == "proposal"
    assert orchestration["subject"] == {"reference": patients.PATIENT}
    protocol = package.require(*PROTOCOL)
    assert orchestration["instantiatesCanonical"] == [f"{protocol['url']}|{protocol['version']}"]

    titration = package.require("ActivityDefinition", "ldn-titration")
    requests = _of_type(bundle, "MedicationRequest")
    assert len(requests) == len(titration["dosage"])  # one proposal per titration step
    for step, request in zip(sorted(titration["dosage"], key=lambda d: d["sequence"]), requests, strict=True):
        assert request["intent"] == "proposal"
        assert request["status"] == "draft"
        assert request["subject"] == {"reference": patients.PATIENT}
        assert request["medication"] == {"concept": titration["productCodeableConcept"]}
        assert request["dosageInstruction"] == [step]
        assert "instantiatesCanonical" not in request  # not an R5 MedicationRequest element
    services = _of_type(bundle, "ServiceRequest")
    assert sorted(c for s in services for c in _codes(s)) == ["monitor-gi", "monitor-mood"]
    communications = _of_type(bundle, "CommunicationRequest")
    assert len(communications) == 1
    assert communications[0]["payload"][0]["contentCodeableConcept"]["coding"][0]["code"] == "educate-titration"
    assert all(r["intent"] == "proposal" for r in services + communications)


@pytest.mark.parametrize("shape", SHAPES)
def test_apply_plan_orchestration_references_every_request_in_order(
    applier: PlanApplier, package: Package, shape: str
) -> None:
    bundle = _apply(applier, package, patients.on_ssri(shape))
    orchestration = bundle["entry"][0]["resource"]
    full_urls = [e["fullUrl"] for e in bundle["entry"][1:]]

    def references(actions: list[dict[str, Any]]) -> list[str]:
        out = []
        for action in actions:
            if "resource" in action:
                out.append(action["resource"]["reference"])
            out += references(action.get("action", []))
        return out

    assert references(orchestration["action"]) == full_urls
    group = orchestration["action"][0]
    protocol_action = package.require(*PROTOCOL)["action"][0]
    assert group["linkId"] == protocol_action["id"]
    assert group["title"] == protocol_action["title"]
    titration = next(a for a in group["action"] if a["linkId"] == "titration")
    first, second = titration["action"]
    assert second["relatedAction"] == [{"targetId": first["id"], "relationship": "after-end"}]
    # every action that made a request names its ActivityDefinition (R5's link for a MedicationRequest)
    for action, child in zip(group["action"], protocol_action["action"], strict=True):
        definition = package.resolve_canonical(child["definitionCanonical"])
        assert definition is not None
        assert action["definitionCanonical"] == f"{definition['url']}|{definition['version']}"


@pytest.mark.parametrize("shape", SHAPES)
def test_apply_plan_never_proposes_more_than_the_titration_maximum(
    applier: PlanApplier, package: Package, shape: str
) -> None:
    bundle = _apply(applier, package, patients.on_ssri(shape))
    assert _of_type(bundle, "MedicationRequest")
    for request in _of_type(bundle, "MedicationRequest"):
        for dosage in request["dosageInstruction"]:
            for ratio in dosage.get("maxDosePerPeriod", []):
                assert ratio["numerator"]["value"] <= 4.5
                assert ratio["numerator"]["code"] == "mg"
            for dose in dosage.get("doseAndRate", []):
                assert dose["doseRange"]["high"]["value"] <= 4.5


ALREADY_ON_LDN: list[Callable[[str], dict[str, Any]]] = [patients.on_ssri_and_ldn, patients.on_ssri_and_ldn_order]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("patient", ALREADY_ON_LDN, ids=lambda f: f.__name__)
def test_apply_plan_patient_already_on_ldn_gets_no_new_naltrexone(
    applier: PlanApplier, package: Package, patient: Callable[[str], dict[str, Any]], shape: str
) -> None:
    """Safety: new naltrexone orders on top of a current one could add up past 5 mg/day (4.5 + 4.5 = 9)."""
    bundle = _apply(applier, package, patient(shape))
    assert_valid_r5(bundle)
    assert _of_type(bundle, "MedicationRequest") == []
    services = _of_type(bundle, "ServiceRequest")
    assert sorted(c for s in services for c in _codes(s)) == ["monitor-gi", "monitor-mood"]
    assert len(_of_type(bundle, "CommunicationRequest")) == 1
    orchestration = bundle["entry"][0]["resource"]
    linked = [a["linkId"] for a in orchestration["action"][0]["action"]]
    assert linked == ["monitor-mood", "monitor-gi", "education"]
    # the RequestOrchestration and the Bundle's issues say why the titration was left out
    (note,) = orchestration["note"]
    titration = package.require(*PROTOCOL)["action"][0]["action"][0]
    assert titration["id"] == "titration"
    assert titration["title"] in note["text"]
    assert "already on naltrexone" in note["text"]
    (issue,) = bundle["issues"]["issue"]
    assert issue["severity"] == "warning"
    assert issue["details"]["text"] == note["text"]
    assert issue["expression"] == ["PlanDefinition/ldn-ssri-augmentation-protocol.action[0].action[0].condition"]


STANDARD_DOSE: list[Callable[[str], dict[str, Any]]] = [
    patients.on_ssri_and_standard_dose,
    patients.on_ssri_and_naltrexone_50mg,
]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("patient", STANDARD_DOSE, ids=lambda f: f.__name__)
def test_apply_plan_standard_dose_naltrexone_gets_no_plan_and_an_explanation(
    applier: PlanApplier, package: Package, patient: Callable[[str], dict[str, Any]], shape: str
) -> None:
    bundle = _apply(applier, package, patient(shape))
    assert_valid_r5(bundle)
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["RequestOrchestration"]
    assert "action" not in bundle["entry"][0]["resource"]
    outcome = bundle["issues"]
    assert outcome["resourceType"] == "OperationOutcome"
    [issue] = outcome["issue"]
    assert issue["severity"] == "warning"
    assert issue["code"] == "business-rule"
    condition = package.require(*PROTOCOL)["action"][0]["condition"][0]["expression"]["description"]
    assert condition in issue["details"]["text"]
    assert "50 mg/day" in issue["details"]["text"]  # the computed daily dose that made it standard-dose


@pytest.mark.parametrize("shape", SHAPES)
def test_apply_plan_ssri_free_patient_gets_no_plan(applier: PlanApplier, package: Package, shape: str) -> None:
    bundle = _apply(applier, package, patients.ssri_free(shape))
    assert_valid_r5(bundle)
    assert len(bundle["entry"]) == 1
    text = bundle["issues"]["issue"][0]["details"]["text"]
    assert "naltrexone" in text
    assert "1 mg/day" in text


def test_apply_plan_without_data_explains_what_to_send(applier: PlanApplier, package: Package) -> None:
    bundle = _apply(applier, package, None)
    assert len(bundle["entry"]) == 1
    issues = bundle["issues"]["issue"]
    assert "no current medication" in issues[0]["details"]["text"]
    assert issues[1]["severity"] == "information"
    assert issues[1]["expression"] == ["data"]


def test_apply_plan_ignores_another_patients_medications(applier: PlanApplier, package: Package) -> None:
    other = patients.order("other-ntx", patients.NALTREXONE_50_TABLET, patients.tablets(1), "R5", subject="Patient/p2")
    data = patients.on_ssri("R5")
    data["entry"].append({"fullUrl": "urn:uuid:other", "resource": other})
    assert "issues" not in _apply(applier, package, data)
    own = patients.order("own-ntx", patients.NALTREXONE_50_TABLET, patients.tablets(1), "R5")
    data["entry"].append({"fullUrl": "urn:uuid:own", "resource": own})
    assert "issues" in _apply(applier, package, data)


def test_apply_plan_action_dynamic_value_is_evaluated(applier: PlanApplier, package: Package) -> None:
    protocol = package.require(*PROTOCOL)
    group = protocol["action"][0]
    mood = next(a for a in group["action"] if a["id"] == "monitor-mood")
    dynamic = {"path": "priority", "expression": {"language": "text/fhirpath", "expression": "'urgent'"}}
    plan = {**protocol, "action": [{**group, "action": [{**mood, "dynamicValue": [dynamic]}]}]}
    request = ApplyInput(subject=patients.PATIENT, data=patients.on_ssri("R5"), variables={})
    bundle = applier.apply_plan(plan, request)
    [service] = _of_type(bundle, "ServiceRequest")
    assert service["priority"] == "urgent"
    broken = {**dynamic, "expression": {"language": "text/cql", "expression": "1"}}
    plan = {**protocol, "action": [{**group, "action": [{**mood, "dynamicValue": [broken]}]}]}
    with pytest.raises(ApplyError, match="text/fhirpath"):
        applier.apply_plan(plan, request)


def test_apply_plan_fresh_ids_each_call(applier: PlanApplier, package: Package) -> None:
    request = ApplyInput(subject=patients.PATIENT, data=patients.on_ssri("R5"), variables={})
    first = applier.apply_plan(package.require(*PROTOCOL), request)
    second = applier.apply_plan(package.require(*PROTOCOL), request)
    assert {e["fullUrl"] for e in first["entry"]}.isdisjoint(e["fullUrl"] for e in second["entry"])
    assert all(e["fullUrl"] == f"urn:uuid:{e['resource']['id']}" for e in first["entry"])


def test_apply_plan_definition_canonical_must_be_an_activity_definition(applier: PlanApplier, package: Package) -> None:
    protocol = package.require(*PROTOCOL)
    group = protocol["action"][0]
    wrong = {"id": "x", "definitionCanonical": package.require("ValueSet", "ssri")["url"]}
    plan = {**protocol, "action": [{**group, "action": [wrong]}]}
    request = ApplyInput(subject=patients.PATIENT, data=patients.on_ssri("R5"), variables={})
    with pytest.raises(ApplyError, match="not an ActivityDefinition"):
        applier.apply_plan(plan, request)
