"""Builders for CDS Hooks requests (R4 and R5 shapes), schema validation, and a loopback mock FHIR server."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jsonschema

from fhir_ldn.constants import ATC, RXNORM, UCUM

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "data" / "cds-hooks-2.0"
SERVICE = "ldn-ssri-cds"
SERTRALINE_50_TAB = "312941"
NALTREXONE = "7243"
NALTREXONE_50_TAB = "1483744"
LDN_CARD = "LDN with an SSRI"
DOSE_NOT_STATED = "The daily dose is not stated or unclear"
BELOW_RANGE = "Naltrexone below the article's LDN range"
STANDARD_DOSE = "Naltrexone above 5 mg/day"


@cache
def schema(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))
    return loaded


def validate(name: str, body: Any) -> None:
    """Raise jsonschema.ValidationError unless `body` matches tests/data/cds-hooks-2.0/<name>.schema.json."""
    jsonschema.Draft202012Validator(schema(name)).validate(body)


def sandbox_request() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMA_DIR / "sandbox-order-select.json").read_text(encoding="utf-8"))
    return loaded


def dosage(
    value: float | None = None,
    unit: str = "mg",
    frequency: float | None = 1,
    period: float = 1,
    period_unit: str = "d",
    timing_code: str | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if value is not None:
        out["doseAndRate"] = [{"doseQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit}}]
    if timing_code:
        out["timing"] = {"code": {"coding": [{"code": timing_code}]}}
    elif frequency is not None:
        out["timing"] = {"repeat": {"frequency": frequency, "period": period, "periodUnit": period_unit}}
    return out


def times_of_day(dosage_: dict[str, Any], *times: str) -> dict[str, Any]:
    """The dosage with `timing.repeat.timeOfDay` set (its frequency and period kept)."""
    return {**dosage_, "timing": {"repeat": {**dosage_["timing"]["repeat"], "timeOfDay": list(times)}}}


def med_request(
    rid: str,
    code: str,
    *,
    system: str = RXNORM,
    status: str = "active",
    dosages: list[dict[str, Any]] | None = None,
    r5: bool = False,
    medication_reference: str | None = None,
    contained: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A MedicationRequest in R4 (`medicationCodeableConcept`) or R5 (`medication.concept`) shape."""
    resource: dict[str, Any] = {"resourceType": "MedicationRequest", "id": rid, "status": status, "intent": "order"}
    resource["subject"] = {"reference": "Patient/p1"}
    concept = {"coding": [{"system": system, "code": code}]}
    if medication_reference:
        if r5:
            resource["medication"] = {"reference": {"reference": medication_reference}}
        else:
            resource["medicationReference"] = {"reference": medication_reference}
    elif r5:
        resource["medication"] = {"concept": concept}
    else:
        resource["medicationCodeableConcept"] = concept
    if contained:
        resource["contained"] = contained
    if dosages is not None:
        resource["dosageInstruction"] = dosages
    return resource


def ldn(rid: str = "ldn", mg: float = 4.5, **kwargs: Any) -> dict[str, Any]:
    return med_request(rid, NALTREXONE, dosages=[dosage(mg)], **kwargs)


def ssri(rid: str = "ssri", code: str = SERTRALINE_50_TAB, **kwargs: Any) -> dict[str, Any]:
    return med_request(rid, code, dosages=[dosage(1, "{pill}")], **kwargs)


def atc_ssri(rid: str = "ssri-atc") -> dict[str, Any]:
    return med_request(rid, "N06AB10", system=ATC, dosages=[dosage(10)])


def bundle(
    *resources: dict[str, Any], bundle_type: str | None = "searchset", link_next: str | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {"resourceType": "Bundle"}
    if bundle_type:
        out["type"] = bundle_type
    out["entry"] = [{"resource": r} for r in resources]
    if link_next:
        out["link"] = [{"relation": "next", "url": link_next}]
    return out


def hook_request(
    hook: str,
    drafts: list[dict[str, Any]],
    *,
    current: list[dict[str, Any]] | None = None,
    selections: list[str] | None = None,
    prefetch: dict[str, Any] | None = None,
    fhir_server: str | None = None,
    token: str | None = None,
) -> dict[str, Any]:
    """A CDS Hooks request; `current` fills the `medicationRequests` prefetch (unless `prefetch` is given)."""
    context: dict[str, Any] = {
        "userId": "Practitioner/doc1",
        "patientId": "p1",
        "draftOrders": bundle(*drafts, bundle_type="collection"),
    }
    if hook == "order-select":
        context["selections"] = selections if selections is not None else [f"MedicationRequest/{drafts[0]['id']}"]
    body: dict[str, Any] = {"hook": hook, "hookInstance": str(uuid.uuid4()), "context": context}
    if prefetch is None:
        prefetch = {"medicationRequests": bundle(*(current or [])), "medicationStatements": None}
    body["prefetch"] = prefetch
    if fhir_server:
        body["fhirServer"] = fhir_server
    if token:
        body["fhirAuthorization"] = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": "patient/MedicationRequest.read",
            "subject": "cds-service",
        }
    return body


def summaries(response_body: dict[str, Any]) -> list[str]:
    return [card["summary"] for card in response_body["cards"]]


class MockFhirServer:
    """A loopback FHIR server: `routes` maps a path (with query) to (status, JSON body); records every request.

    `raw` maps a path to a function that writes the whole answer itself (slow, trickling, compressed...).
    """

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, Any]] = {}
        self.raw: dict[str, Callable[[BaseHTTPRequestHandler], None]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.default: Callable[[str], tuple[int, Any]] = lambda path: (404, {"resourceType": "OperationOutcome"})
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests.append((self.path, dict(self.headers.items())))
                if self.path in outer.raw:
                    outer.raw[self.path](self)
                    return
                status, body = outer.routes.get(self.path) or outer.default(self.path)
                raw = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/fhir+json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, fmt: str, *args: Any) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}/fhir"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def __enter__(self) -> MockFhirServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def capsule_medication_r4(mid: str, mg: float) -> dict[str, Any]:
    """A compounded naltrexone capsule (R4 Medication): coded by its ingredient, `mg` per capsule."""
    return {
        "resourceType": "Medication",
        "id": mid,
        "code": {"text": "naltrexone capsule (compounded)"},
        "ingredient": [
            {
                "itemCodeableConcept": {"coding": [{"system": RXNORM, "code": NALTREXONE}]},
                "strength": {
                    "numerator": {"value": mg, "unit": "mg", "system": UCUM, "code": "mg"},
                    "denominator": {"value": 1, "unit": "capsule", "system": UCUM, "code": "{capsule}"},
                },
            }
        ],
    }
