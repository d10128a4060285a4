"""Instance paths spelt by JSON property and as the HL7 validator writes them."""

from __future__ import annotations

from fhir_ldn.formats.element_model import element_model
from fhir_ldn.formats.instance_paths import hl7_expression, json_path, location_of

PARAMETERS = {"resourceType": "Parameters", "parameter": [{"name": "a", "valueBoolean": True}]}
LIST = {
    "resourceType": "List",
    "status": "current",
    "mode": "working",
    "contained": [
        {"resourceType": "Basic", "id": "i1", "code": {"coding": [{"system": "urn:x"}]}},
        {"resourceType": "Basic"},
    ],
}


def test_hl7_expressions() -> None:
    model = element_model()
    assert hl7_expression("Parameters.parameter[0].valueBoolean", PARAMETERS, model) == (
        "Parameters.parameter[0].value.ofType(boolean)"
    )
    assert hl7_expression("List.contained[0].code.coding[0].system", LIST, model) == (
        "List.contained[0]/*Basic/i1*/.code.coding[0].system"
    )
    assert hl7_expression("List.contained[1].code", LIST, model) == "List.contained[1]/*Basic/null*/.code"
    assert hl7_expression("List.status", LIST, model) == "List.status"
    assert hl7_expression("List.nonsense[3].x", LIST, model) == "List.nonsense[3].x"


def test_json_paths() -> None:
    assert json_path("Parameters.parameter[0].value.ofType(boolean)") == "Parameters.parameter[0].valueBoolean"
    assert json_path("Observation.value.ofType(Quantity).value") == "Observation.valueQuantity.value"
    assert json_path("List.contained[0]/*Basic/i1*/.code") == "List.contained[0].code"


def test_location_of_falls_back_to_the_enclosing_element() -> None:
    locations = {"List": (1, 1), "List.entry[0]": (3, 5), "Parameters.parameter[0].valueBoolean": (4, 33)}
    assert location_of(locations, "Parameters.parameter[0].value.ofType(boolean)") == (4, 33)
    assert location_of(locations, "List.entry[0].item") == (3, 5)
    assert location_of(locations, "List.entry[7]") == (1, 1)
    assert location_of(locations, "Patient") is None
