"""ValueSet/$validate-code over HTTP: the package's value sets, GET and POST, instance level, languages, XML."""

from __future__ import annotations

from fastapi.testclient import TestClient

from fhir_ldn.constants import ATC, RXNORM
from tests.server.conftest import FHIR_JSON, from_xml, parameters, values

SSRI = "https://fhir-ldn.github.io/fhir/ValueSet/ssri"


def test_get_by_url_answers_membership(fhir_client: TestClient) -> None:
    sertraline = fhir_client.get(
        "/fhir/ValueSet/$validate-code", params={"url": SSRI, "system": RXNORM, "code": "36437"}
    )
    assert sertraline.status_code == 200
    assert values(sertraline.json()) == {"result": True, "code": "36437", "system": RXNORM, "display": "sertraline"}
    naltrexone = values(
        fhir_client.get("/fhir/ValueSet/ssri/$validate-code", params={"system": RXNORM, "code": "7243"}).json()
    )
    assert naltrexone["result"] is False
    assert "was not found in the value set" in naltrexone["message"]


def test_get_with_a_coding_token_and_post_with_a_codeable_concept(fhir_client: TestClient) -> None:
    token = fhir_client.get("/fhir/ValueSet/ssri/$validate-code", params={"coding": f"{ATC}|N06AB06"}).json()
    assert values(token)["result"] is True
    cc = {"coding": [{"system": RXNORM, "code": "7243"}, {"system": ATC, "code": "N06AB03"}]}
    body = parameters(("url", {"valueUri": SSRI}), ("codeableConcept", {"valueCodeableConcept": cc}))
    answer = values(
        fhir_client.post("/fhir/ValueSet/$validate-code", json=body, headers={"Content-Type": FHIR_JSON}).json()
    )
    assert answer["result"] is True
    assert answer["code"] == "N06AB03"


def test_accept_language_chooses_the_display_language(fhir_client: TestClient) -> None:
    vs = {
        "resourceType": "ValueSet",
        "url": "http://example.org/vs",
        "status": "active",
        "compose": {"include": [{"system": "http://example.org/cs"}]},
    }
    cs = {
        "resourceType": "CodeSystem",
        "url": "http://example.org/cs",
        "status": "active",
        "content": "complete",
        "language": "en",
        "concept": [{"code": "c", "display": "Colour", "designation": [{"language": "fr", "value": "Couleur"}]}],
    }
    body = parameters(
        ("url", {"valueUri": vs["url"]}),
        ("tx-resource", {"resource": vs}),
        ("tx-resource", {"resource": cs}),
        ("coding", {"valueCoding": {"system": cs["url"], "code": "c", "display": "Colour"}}),
    )
    headers = {"Content-Type": FHIR_JSON, "Accept-Language": "fr-CA, fr;q=0.9"}
    answer = values(fhir_client.post("/fhir/ValueSet/$validate-code", json=body, headers=headers).json())
    assert answer["result"] is False
    assert answer["display"] == "Couleur"


def test_xml_answer_and_errors(fhir_client: TestClient) -> None:
    xml = fhir_client.get(
        "/fhir/ValueSet/ssri/$validate-code", params={"system": RXNORM, "code": "1", "_format": "xml"}
    )
    answer = from_xml(xml.content)
    assert answer["resourceType"] == "Parameters"
    assert values(answer)["result"] is False  # the value set lists its codes: "1" is not among them
    ids = {i["extension"][0]["valueString"] for i in values(answer)["issues"]["issue"]}
    assert ids == {"None_of_the_provided_codes_are_in_the_value_set_one", "UNKNOWN_CODE_IN_FRAGMENT"}
    assert fhir_client.get("/fhir/ValueSet/$validate-code", params={"url": SSRI}).status_code == 400
    unknown = fhir_client.get("/fhir/ValueSet/$validate-code", params={"url": SSRI + "x", "code": "1"})
    assert unknown.status_code == 404
    assert fhir_client.get("/fhir/ValueSet/none/$validate-code", params={"code": "1"}).status_code == 404
