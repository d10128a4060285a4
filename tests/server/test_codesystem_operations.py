"""CodeSystem/$validate-code, $lookup and $subsumes over HTTP: the package's fragments and local code system."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from fhir_ldn.constants import ATC, RXNORM
from tests.server.conftest import FHIR_JSON, from_xml, parameters, values

LOCAL = "https://fhir-ldn.github.io/fhir/CodeSystem/ldn-ssri-concepts"


def get(client: TestClient, path: str, **query: Any) -> dict[str, Any]:
    response = client.get(path, params=query)
    assert response.status_code == 200, response.text
    return values(response.json())


def test_validate_code_in_a_fragment_is_honest_about_unknown_codes(fhir_client: TestClient) -> None:
    known = get(fhir_client, "/fhir/CodeSystem/$validate-code", url=RXNORM, code="1483744")
    assert known["result"] is True
    assert known["display"] == "naltrexone hydrochloride 50 MG Oral Tablet"
    unknown = get(fhir_client, "/fhir/CodeSystem/rxnorm-fragment/$validate-code", code="999999")
    assert unknown["result"] is True  # not shown to be invalid: RxNorm is held only as a fragment
    assert "message" not in unknown  # accepted: the fragment's caveat is an issue, not the message
    assert "labeled as a fragment" in unknown["issues"]["issue"][0]["details"]["text"]
    body = parameters(
        ("url", {"valueUri": ATC}),
        ("coding", {"valueCoding": {"system": ATC, "code": "N06AB06", "display": "sertraline"}}),
    )
    posted = fhir_client.post("/fhir/CodeSystem/$validate-code", json=body, headers={"Content-Type": FHIR_JSON})
    assert values(posted.json())["result"] is True


def test_validate_code_in_a_complete_code_system_rejects_unknown_codes(fhir_client: TestClient) -> None:
    answer = get(fhir_client, "/fhir/CodeSystem/ldn-ssri-concepts/$validate-code", code="no-such-concept")
    assert answer["result"] is False
    assert answer["message"] == f"Unknown code 'no-such-concept' in the CodeSystem '{LOCAL}' version '0.1.0'"


def test_lookup_get_post_and_instance(fhir_client: TestClient) -> None:
    atc = get(fhir_client, "/fhir/CodeSystem/$lookup", system=ATC, code="N06AB", property="child")
    assert atc["display"] == "Selective serotonin reuptake inhibitors"
    assert atc["name"] == "AtcFragment"
    children = [
        p
        for p in fhir_client.get(
            "/fhir/CodeSystem/atc-fragment/$lookup", params={"code": "N06AB", "property": "child"}
        ).json()["parameter"]
        if p["name"] == "property"
    ]
    assert len(children) == 6
    body = parameters(("coding", {"valueCoding": {"system": RXNORM, "code": "7243"}}))
    posted = fhir_client.post("/fhir/CodeSystem/$lookup", json=body, headers={"Content-Type": FHIR_JSON})
    assert values(posted.json())["display"] == "naltrexone"
    xml = fhir_client.get("/fhir/CodeSystem/$lookup", params={"system": ATC, "code": "N07BB04", "_format": "xml"})
    assert values(from_xml(xml.content))["display"] == "naltrexone"
    missing = fhir_client.get("/fhir/CodeSystem/$lookup", params={"system": ATC, "code": "N99"})
    assert missing.status_code == 404
    assert fhir_client.get("/fhir/CodeSystem/$lookup", params={"code": "x"}).status_code == 400


def test_subsumes(fhir_client: TestClient) -> None:
    assert get(fhir_client, "/fhir/CodeSystem/$subsumes", system=ATC, codeA="N06AB", codeB="N06AB06") == {
        "outcome": "subsumes"
    }
    assert get(fhir_client, "/fhir/CodeSystem/atc-fragment/$subsumes", codeA="N07BB04", codeB="N06AB") == {
        "outcome": "not-subsumed"
    }
    body = parameters(
        ("codingA", {"valueCoding": {"system": ATC, "code": "N06AB03"}}),
        ("codingB", {"valueCoding": {"system": ATC, "code": "N06AB"}}),
    )
    posted = fhir_client.post("/fhir/CodeSystem/$subsumes", json=body, headers={"Content-Type": FHIR_JSON})
    assert values(posted.json()) == {"outcome": "subsumed-by"}
    bad = fhir_client.get("/fhir/CodeSystem/$subsumes", params={"system": ATC, "codeA": "N06AB", "codeB": "X1"})
    assert bad.status_code == 404
