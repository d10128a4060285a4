"""ConceptMap/$translate over HTTP with the package's RxNorm → ATC map."""

from __future__ import annotations

from fastapi.testclient import TestClient

from fhir_ldn.constants import ATC, RXNORM
from tests.server.conftest import FHIR_JSON, from_xml, parameters, values

MAP = "https://fhir-ldn.github.io/fhir/ConceptMap/rxnorm-ingredient-to-atc"


def concept(answer: dict[str, object]) -> dict[str, str]:
    parts = answer["match"]
    assert isinstance(parts, list)
    return next(p["valueCoding"] for p in parts if p["name"] == "concept")


def test_translate_sertraline_forward_and_back(fhir_client: TestClient) -> None:
    forward = values(
        fhir_client.get(
            "/fhir/ConceptMap/$translate", params={"sourceSystem": RXNORM, "sourceCode": "36437", "targetSystem": ATC}
        ).json()
    )
    assert forward["result"] is True
    assert concept(forward) == {"system": ATC, "code": "N06AB06", "display": "sertraline"}
    body = parameters(("url", {"valueUri": MAP}), ("targetCoding", {"valueCoding": {"system": ATC, "code": "N07BB04"}}))
    back = values(
        fhir_client.post("/fhir/ConceptMap/$translate", json=body, headers={"Content-Type": FHIR_JSON}).json()
    )
    source = next(p["valueCoding"] for p in back["match"] if p["name"] == "source")
    assert source == {"system": RXNORM, "code": "7243"}


def test_instance_level_xml_and_no_translation(fhir_client: TestClient) -> None:
    xml = fhir_client.get(
        "/fhir/ConceptMap/rxnorm-ingredient-to-atc/$translate",
        params={"sourceSystem": RXNORM, "sourceCode": "7243", "_format": "xml"},
    )
    assert concept(values(from_xml(xml.content)))["code"] == "N07BB04"
    none = values(
        fhir_client.get("/fhir/ConceptMap/$translate", params={"sourceSystem": RXNORM, "sourceCode": "1483744"}).json()
    )
    assert none["result"] is False
    assert (
        fhir_client.get("/fhir/ConceptMap/$translate", params={"url": MAP + "x", "sourceCode": "1"}).status_code == 404
    )
    assert fhir_client.get("/fhir/ConceptMap/none/$translate", params={"sourceCode": "1"}).status_code == 404
