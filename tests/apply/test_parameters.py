"""The $apply input Parameters: read into ApplyInput; wrong inputs get a RequestError naming the parameter."""

from __future__ import annotations

from typing import Any

import pytest

from fhir_ldn.apply.parameters import parse_apply_parameters
from fhir_ldn.errors import BusinessRuleError, RequestError


def _params(*parameters: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Parameters", "parameter": list(parameters)}


def test_parse_apply_parameters_reads_every_input() -> None:
    data = {"resourceType": "Bundle", "type": "collection"}
    parsed = parse_apply_parameters(
        _params(
            {"name": "subject", "valueString": "Patient/123"},
            {"name": "encounter", "valueReference": {"reference": "Encounter/e"}},
            {"name": "practitioner", "valueString": "Practitioner/d"},
            {"name": "url", "valueCanonical": "https://x/PlanDefinition/p"},
            {"name": "version", "valueString": "1.0"},
            {"name": "data", "resource": data},
            {"name": "useServerData", "valueBoolean": False},
            {"name": "setting", "valueCodeableConcept": {"text": "outpatient"}},
        ),
        "planDefinition",
    )
    assert parsed.subject == "Patient/123"
    assert parsed.encounter == "Encounter/e"
    assert parsed.practitioner == "Practitioner/d"
    assert parsed.url == "https://x/PlanDefinition/p"
    assert parsed.version == "1.0"
    assert parsed.data == data
    assert parsed.use_server_data is False
    assert parsed.variables["setting"] == {"text": "outpatient"}
    assert parse_apply_parameters(_params({"name": "subject", "valueString": "Patient/1"}), "x").use_server_data


@pytest.mark.parametrize(
    ("body", "error", "expression"),
    [
        ({"resourceType": "Bundle"}, RequestError, None),
        (_params(), RequestError, "subject"),
        (_params({"name": "subject", "valueString": "Group/1"}), BusinessRuleError, "subject"),
        (
            _params({"name": "subject", "valueString": "Patient/1"}, {"name": "subject", "valueString": "Patient/2"}),
            BusinessRuleError,
            "subject",
        ),
        (
            _params(
                {"name": "subject", "valueString": "Patient/1"},
                {"name": "data", "resource": {"resourceType": "Patient"}},
            ),
            RequestError,
            "data",
        ),
        (
            _params({"name": "subject", "valueString": "Patient/1"}, {"name": "useServerData", "valueString": "no"}),
            RequestError,
            "useServerData",
        ),
        (_params({"name": "subject", "valueInteger": 1}), RequestError, "subject"),
        (_params({"name": "subject"}), RequestError, "Parameters.parameter"),
        (_params({"valueString": "Patient/1"}), RequestError, "Parameters.parameter.name"),
        (
            _params({"name": "subject", "valueString": "Patient/1"}, {"name": "planDefinition", "valueString": "x"}),
            RequestError,
            "planDefinition",
        ),
    ],
)
def test_parse_apply_parameters_rejects_bad_input(
    body: dict[str, Any], error: type[Exception], expression: str | None
) -> None:
    with pytest.raises(error) as caught:
        parse_apply_parameters(body, "planDefinition")
    assert getattr(caught.value, "expression", None) == expression
