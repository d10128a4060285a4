"""The CDS rule in words and card previews: the previews are the CDS service's own cards, not a second copy."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from fhir_ldn.package.index import Package
from fhir_ldn.site.cards import FRESH_UUID, explain_rule
from fhir_ldn.site.markup import markdown_html
from fhir_ldn.site.views import Linker, doi_of, doi_url, page_name
from server.app import create_app
from tests.site.conftest import text_of

RULE = ("PlanDefinition", "ldn-ssri-cds")


def test_explain_rule_words_follow_the_plan_definition(package: Package) -> None:
    rule = package.require(*RULE)
    groups = explain_rule(rule, package, Linker(package))
    assert len(groups) == len(rule["action"])
    group, action = groups[0], rule["action"][0]
    assert group.triggers == [t["name"] for t in action["trigger"]]
    assert [c.expression for c in group.conditions] == [c["expression"]["expression"] for c in action["condition"]]
    assert [c.action_id for c in group.cards] == [child["id"] for child in action["action"]]
    for card, child in zip(group.cards, action["action"], strict=True):
        assert card.summary == child["title"]
        assert card.detail == child["description"]
        assert card.indicator == {"routine": "info", "urgent": "warning"}[child["priority"]]
        assert [c.description for c in card.conditions] == [c["expression"]["description"] for c in child["condition"]]
        assert [s.label for s in card.suggestions] == [a["title"] for a in child.get("action", [])]
        cited = [d for d in child["documentation"] if d["type"] == "citation"]
        dois = [doi_of(t) for d in cited if (t := package.resolve_canonical(d["resource"]))]
        assert [link.url for link in card.links] == [doi_url(d) for d in dois if d]
        assert card.source is not None
        own = [d for d in child["documentation"] if d["type"] == "documentation"]
        source = own[0]["resource"] if own else rule["relatedArtifact"][0]["resource"]
        target = package.resolve_canonical(source)
        assert target is not None
        assert card.source.url == page_name(target)
        reasons = ["Already discussed with the patient", "Not applicable to this patient"]
        if child.get("action"):  # cards that give monitoring advice (as suggestions) offer "will monitor"
            reasons.insert(1, "Will monitor as advised")
        assert card.override_reasons == reasons
        assert card.card["uuid"] == FRESH_UUID


def _hook_request(naltrexone_mg: float) -> dict[str, Any]:
    def order(rid: str, code: str, display: str, mg: float) -> dict[str, Any]:
        concept = {
            "coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": code, "display": display}]
        }
        dose = {"value": mg, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}
        timing = {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}}
        return {
            "resourceType": "MedicationRequest",
            "id": rid,
            "status": "draft" if rid == "ssri" else "active",
            "intent": "order",
            "subject": {"reference": "Patient/example"},
            "medicationCodeableConcept": concept,
            "dosageInstruction": [{"timing": timing, "doseAndRate": [{"doseQuantity": dose}]}],
        }

    ssri, ldn = order("ssri", "36437", "sertraline", 50), order("ldn", "7243", "naltrexone", naltrexone_mg)
    return {
        "hook": "order-select",
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "context": {
            "userId": "Practitioner/example",
            "patientId": "example",
            "selections": ["MedicationRequest/ssri"],
            "draftOrders": {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": ssri}]},
        },
        "prefetch": {
            "patient": {"resourceType": "Patient", "id": "example"},
            "medicationRequests": {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": ldn}]},
            "medicationStatements": {"resourceType": "Bundle", "type": "searchset", "entry": []},
        },
    }


def _comparable(card: dict[str, Any]) -> dict[str, Any]:
    """The card without its uuids, and each suggested resource as its type only (the service writes them in the
    client's FHIR version, for the client's patient and user; the preview in R5 for an example patient)."""
    card = json.loads(json.dumps(card))
    card.pop("uuid")
    for suggestion in card.get("suggestions", []):
        suggestion.pop("uuid")
        for action in suggestion["actions"]:
            action["resource"] = action["resource"]["resourceType"]
    return card


def test_preview_cards_equal_what_the_cds_service_answers(package: Package) -> None:
    previews = {
        c.action_id: c.card for g in explain_rule(package.require(*RULE), package, Linker(package)) for c in g.cards
    }
    with TestClient(create_app()) as client:
        for mg, action_id in ((4.5, "ldn-ssri"), (50, "standard-dose-naltrexone-ssri")):
            response = client.post("/cds-services/ldn-ssri-cds", json=_hook_request(mg))
            assert response.status_code == 200, response.text
            [card] = response.json()["cards"]
            served, preview = _comparable(card), _comparable(previews[action_id])
            # the service adds per-patient sentences (the card's dynamicValue) around the authored detail
            assert preview.pop("detail") in served.pop("detail")
            assert served == preview


def test_render_site_rule_page_previews_every_card(
    package: Package, pages: dict[str, str], parsed: dict[str, Any]
) -> None:
    rule = package.require(*RULE)
    doc = parsed[page_name(rule)]
    previews = doc.xpath("//article[contains(@class, 'card')]")
    children = rule["action"][0]["action"]
    assert len(previews) == len(children)
    flat = "".join(pages[page_name(rule)].split())
    for preview, child in zip(previews, children, strict=True):
        indicator = {"routine": "info", "urgent": "warning"}[child["priority"]]
        assert text_of(preview.xpath(".//p[@class='card-summary']")[0]) == indicator + child["title"]
        assert "".join(markdown_html(child["description"]).split()) in flat
        labels = [text_of(s) for s in preview.xpath(".//span[@class='suggestion']")]
        assert labels == [a["title"] for a in child.get("action", [])]
        hrefs = preview.xpath(".//a/@href")
        for doc_ref in child["documentation"]:
            target = package.resolve_canonical(doc_ref["resource"])
            assert target is not None
            doi = doi_of(target)
            if doi:
                assert doi_url(doi) in hrefs
    text = text_of(doc)
    for trigger in rule["action"][0]["trigger"]:
        assert trigger["name"] in text
    assert rule["action"][0]["condition"][0]["expression"]["description"] in text
    assert text.count(FRESH_UUID) >= len(children)  # the JSON of each card is shown too
