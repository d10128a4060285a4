"""$batch-validate-code: several validations in one request, sharing its other parameters."""

from __future__ import annotations

from typing import Any

from fhir_ldn.terminology import TerminologyService
from tests.terminology.conftest import SHAPES, VS, out, params


def validation(*items: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return ("validation", {"resource": {"resourceType": "Parameters", "parameter": list(items)}})


def coding(code: str, **extra: str) -> dict[str, Any]:
    return {"name": "coding", "valueCoding": {"system": SHAPES, "code": code, **extra}}


def test_each_validation_is_answered_in_order(service: TerminologyService) -> None:
    request = params(
        validation(coding("isosceles")),
        validation(coding("circle")),
        validation({"name": "codingX", "valueCoding": {"system": SHAPES, "code": "circle"}}),
        url=VS + "triangles",
    )
    answers = [p["resource"] for p in service.batch_validate_code(request)["parameter"]]
    assert [a["resourceType"] for a in answers] == ["Parameters", "Parameters", "OperationOutcome"]
    assert out(answers[0])["result"] is True
    assert out(answers[1])["result"] is False
    assert answers[2]["issue"][0]["details"]["text"].startswith("Unable to find code to validate")


def test_a_validation_s_own_parameters_override_the_shared_ones(service: TerminologyService) -> None:
    request = params(
        validation(coding("circle", display="Round"), {"name": "lenient-display-validation", "valueBoolean": False}),
        validation(coding("circle", display="Round")),
        url=VS + "round",
        **{"lenient-display-validation": True},
    )
    strict, lenient = (out(p["resource"]) for p in service.batch_validate_code(request)["parameter"])
    assert strict["result"] is False
    assert lenient["result"] is True
