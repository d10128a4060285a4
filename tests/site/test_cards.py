"""The CDS rule in words: triggers, conditions and card previews follow the CDS-on-FHIR mapping."""

from __future__ import annotations

from typing import Any

from fhir_ldn.package.index import Package
from fhir_ldn.site.cards import explain_rule
from fhir_ldn.site.markup import markdown_html
from fhir_ldn.site.views import Linker, doi_of, doi_url, page_name
from tests.site.conftest import text_of


def test_explain_rule_one_card_per_child_action(package: Package) -> None:
    rule = package.require("PlanDefinition", "ldn-ssri-cds")
    groups = explain_rule(rule, package, Linker(package))
    assert len(groups) == len(rule["action"])
    group, action = groups[0], rule["action"][0]
    assert group.triggers == [t["name"] for t in action["trigger"]]
    assert [c.expression for c in group.conditions] == [c["expression"]["expression"] for c in action["condition"]]
    for card, child in zip(group.cards, action["action"], strict=True):
        assert card.summary == child["title"]
        assert card.detail == child["description"]
        assert card.indicator == "info"  # priority routine
        assert [s.label for s in card.suggestions] == [a["title"] for a in child.get("action", [])]
        assert (card.selection_behavior is not None) == bool(child.get("action"))
        for link, doc in zip(card.links, child["documentation"], strict=True):
            target = package.resolve_canonical(doc["resource"])
            assert target is not None
            doi = doi_of(target)
            assert link.url == (doi_url(doi) if doi else page_name(target))
        assert card.source is not None
        assert card.source.label
        assert {m.code for m in card.override_reasons} == {"discussed-with-patient", "will-monitor", "not-applicable"}


def test_render_site_rule_page_previews_every_card(
    package: Package, pages: dict[str, str], parsed: dict[str, Any]
) -> None:
    rule = package.require("PlanDefinition", "ldn-ssri-cds")
    doc = parsed[page_name(rule)]
    previews = doc.xpath("//article[contains(@class, 'card')]")
    children = rule["action"][0]["action"]
    assert len(previews) == len(children)
    flat = "".join(pages[page_name(rule)].split())
    for preview, child in zip(previews, children, strict=True):
        assert text_of(preview.xpath(".//p[@class='card-summary']")[0]).endswith(child["title"])
        assert "".join(markdown_html(child["description"]).split()) in flat
        labels = [text_of(s) for s in preview.xpath(".//span[@class='suggestion']")]
        assert labels == [a["title"] for a in child.get("action", [])]
        hrefs = preview.xpath(".//a/@href")
        for doc_ref in child["documentation"]:
            target = package.resolve_canonical(doc_ref["resource"])
            assert target is not None
            doi = doi_of(target)
            assert (doi_url(doi) if doi else page_name(target)) in hrefs
    text = text_of(doc)
    for trigger in rule["action"][0]["trigger"]:
        assert trigger["name"] in text
    assert rule["action"][0]["condition"][0]["expression"]["description"] in text
