"""The pages: one per resource, their content read from the resources, claims and DOIs reachable, accessible."""

from __future__ import annotations

import itertools
import re
from typing import Any

from fhir_ldn.package.index import Package
from fhir_ldn.site.markup import markdown_html
from fhir_ldn.site.views import doi_of, page_name, title_of
from tests.site.conftest import text_of

FIXED_PAGES = {"index.html", "evidence.html", "traceability.html", "resources.html", "site.css"}


def test_render_site_every_resource_has_a_page(package: Package, pages: dict[str, str]) -> None:
    expected = {page_name(r) for r in package} | FIXED_PAGES
    assert set(pages) == expected
    assert len(package) >= 40


def test_every_page_title_names_the_page_then_the_site_once(package: Package, parsed: dict[str, Any]) -> None:
    site = package.meta.title
    titles = {name: doc.xpath("//title")[0].text_content().strip() for name, doc in parsed.items()}
    assert titles["index.html"] == site  # the overview's own title is the site's: said once
    for name, title in titles.items():
        assert title.count(site) == 1, (name, title)
        assert name == "index.html" or title.endswith(f" · {site}"), (name, title)


def test_render_site_pages_are_accessible_html(parsed: dict[str, Any]) -> None:
    for name, doc in parsed.items():
        assert doc.get("lang") == "en", name
        assert doc.xpath("//meta[@name='viewport']"), name
        assert len(doc.xpath("//main")) == 1, name
        assert doc.xpath("//nav[@aria-label]"), name
        assert len(doc.xpath("//h1")) == 1, name
        assert doc.xpath("//title")[0].text_content().strip(), name
        levels = [int(h.tag[1]) for h in doc.iter("h1", "h2", "h3", "h4", "h5", "h6")]
        for before, after in itertools.pairwise(levels):
            assert after <= before + 1, f"{name}: heading level jumps from h{before} to h{after}"
        ids = doc.xpath("//@id")
        assert len(ids) == len(set(ids)), f"{name}: duplicate ids {sorted({i for i in ids if ids.count(i) > 1})}"
        for img in doc.xpath("//img"):
            assert img.get("alt") is not None, name
        assert not doc.xpath("//script"), f"{name}: pages need no JavaScript"
        assert not doc.xpath("//*[@style]"), f"{name}: inline styles break the Content-Security-Policy"


def test_render_site_uses_no_external_resources(pages: dict[str, str], parsed: dict[str, Any]) -> None:
    for name, doc in parsed.items():
        for attr in doc.xpath("//link/@href | //img/@src | //source/@src | //iframe/@src"):
            assert not re.match(r"^(https?:)?//", attr), f"{name} loads {attr}"
    assert "@import" not in pages["site.css"]
    assert "url(" not in pages["site.css"]


def test_render_site_resource_pages_show_narrative_and_description(
    package: Package, pages: dict[str, str], parsed: dict[str, Any]
) -> None:
    for resource in package:
        doc = parsed[page_name(resource)]
        assert text_of(doc.xpath("//h1")[0]) == title_of(resource)
        narrative = doc.xpath("//details[contains(@class, 'narrative')]")
        assert narrative, page_name(resource)
        assert text_of(narrative[0]).count(resource["resourceType"]) >= 1
        description = resource.get("description")
        if isinstance(description, str):
            # the description's markdown, rendered, is on the page exactly
            rendered = "".join(markdown_html(description).split())
            assert rendered in "".join(pages[page_name(resource)].split()), page_name(resource)


def test_render_site_links_json_and_xml_of_each_resource(package: Package, parsed: dict[str, Any]) -> None:
    for resource in package:
        hrefs = parsed[page_name(resource)].xpath("//a/@href")
        base = f"{resource['resourceType']}-{resource['id']}"
        assert f"{base}.json" in hrefs, base
        assert f"{base}.xml" in hrefs, base
    for doc in parsed.values():
        assert "package.tgz" in doc.xpath("//a/@href")


def test_render_site_clinical_use_pages_show_key_fields(package: Package, parsed: dict[str, Any]) -> None:
    for cud in package.of_type("ClinicalUseDefinition"):
        text = text_of(parsed[page_name(cud)])
        interaction = cud.get("interaction", {})
        if interaction.get("effect", {}).get("concept", {}).get("text"):
            assert interaction["effect"]["concept"]["text"] in text
        for coding in interaction.get("incidence", {}).get("coding", []):
            assert coding["code"] in text
        for subject in cud.get("subject", []):
            assert subject["display"] in text
        if cud.get("warning", {}).get("description"):
            assert cud["warning"]["description"] in text
        for ext in cud.get("extension", []):
            target = package.resolve_canonical(ext["valueRelatedArtifact"]["resource"])
            assert target is not None
            assert page_name(target) in parsed[page_name(cud)].xpath("//a/@href")


def test_render_site_value_set_pages_list_their_expansion(package: Package, parsed: dict[str, Any]) -> None:
    ssri = parsed["ValueSet-ssri.html"]
    codes = {text_of(td) for td in ssri.xpath("//section//td/code | //table//td[2]/code")}
    for part in ("ssri-rxnorm", "ssri-atc"):  # the nested value sets' concepts are all listed
        for include in package.require("ValueSet", part)["compose"]["include"]:
            for concept in include["concept"]:
                assert concept["code"] in codes, (part, concept["code"])
    override = text_of(parsed["ValueSet-cds-override-reasons-monitoring.html"])  # a descendent-of filter
    system = package.require("CodeSystem", "ldn-ssri-concepts")
    parent = next(c for c in system["concept"] if c["code"] == "override-reason")
    for child in parent["concept"]:
        assert child["code"] in override


def test_render_site_code_system_and_concept_map_pages_list_every_code(
    package: Package, parsed: dict[str, Any]
) -> None:
    def walk(concepts: list[dict[str, Any]]) -> list[str]:
        return [c["code"] for c in concepts] + [x for c in concepts for x in walk(c.get("concept", []))]

    for cs in package.of_type("CodeSystem"):
        codes = set(parsed[page_name(cs)].xpath("//code/text()"))
        assert set(walk(cs["concept"])) <= codes, cs["id"]
    for cm in package.of_type("ConceptMap"):
        codes = set(parsed[page_name(cm)].xpath("//td/code/text()"))
        for group in cm["group"]:
            for element in group["element"]:
                assert element["code"] in codes
                assert {t["code"] for t in element.get("target", [])} <= codes


def test_render_site_citation_pages_and_evidence_list_link_every_doi(package: Package, parsed: dict[str, Any]) -> None:
    evidence = parsed["evidence.html"].xpath("//a/@href")
    with_doi = [c for c in package.of_type("Citation") if doi_of(c)]
    assert len(with_doi) == 7
    for citation in package.of_type("Citation"):
        doi = doi_of(citation)
        assert page_name(citation) in evidence
        if doi:
            url = f"https://doi.org/{doi}"
            assert url in evidence
            assert url in parsed[page_name(citation)].xpath("//a/@href")
            assert url in parsed["traceability.html"].xpath("//a/@href")
        for note in citation.get("note", []):
            assert note["text"] in text_of(parsed[page_name(citation)])


def test_render_site_evidence_links_every_doi_the_article_lists(article: str, parsed: dict[str, Any]) -> None:
    dois = re.findall(r"https://doi\.org/(\S+?)\.?(?=\s|$)", article)
    assert len(dois) == 7
    evidence = parsed["evidence.html"].xpath("//a/@href")
    for doi in dois:
        assert f"https://doi.org/{doi}" in evidence


def test_render_site_traceability_reaches_every_claim(
    package: Package, trace_data: dict[str, Any], parsed: dict[str, Any]
) -> None:
    page = parsed["traceability.html"]
    hrefs = set(page.xpath("//a/@href"))
    claim_ids = [c["id"] for c in trace_data["claims"]]
    assert claim_ids == [f"C{i}" for i in range(1, 17)]
    for entry in trace_data["claims"] + trace_data["references"]:
        anchor = page.xpath(f"//*[@id='trace-{entry['id']}']")
        assert anchor, entry["id"]
        for mapping in entry["encodedIn"]:
            resource = package.resolve_reference(mapping["resource"])
            assert resource is not None
            target = f"{page_name(resource)}#trace-{entry['id']}"
            assert target in hrefs, target
            resource_page = parsed[page_name(resource)]
            item = resource_page.xpath(f"//*[@id='trace-{entry['id']}']")
            assert item, target
            # the resource page shows the claim and the encoding element's text
            assert mapping.get("contains", "") in text_of(
                resource_page.xpath("//*[@id='claims']/following-sibling::ul[1]")[0]
            )
    for claim in trace_data["claims"]:
        text = text_of(page)
        assert claim["claim"] in text
        for quote in claim["quotes"]:
            assert quote in text


def test_render_site_overview_is_as_cautious_as_the_article(
    package: Package, pages: dict[str, str], parsed: dict[str, Any]
) -> None:
    overview = parsed["index.html"]
    text = text_of(overview)
    rule = package.require("PlanDefinition", "ldn-ssri-cds")
    cards = rule["action"][0]["action"]
    # the LDN card's whole text, including "the evidence is early" and "larger randomized trials are still needed"
    assert "".join(markdown_html(cards[0]["description"]).split()) in "".join(pages["index.html"].split())
    assert "Larger randomized trials are still needed" in text
    for card in cards:  # every situation, the standard-dose one included
        assert card["title"] in text
    warning = package.require("ClinicalUseDefinition", "warning-standard-dose-naltrexone-not-ldn")
    assert warning["warning"]["description"] in text
    protocol = package.require("PlanDefinition", "ldn-ssri-augmentation-protocol")
    assert protocol["description"] in text
    serotonin = package.require("ClinicalUseDefinition", "interaction-ldn-ssri-serotonin-syndrome")
    row = overview.xpath(f"//tr[td/a/@href='{page_name(serotonin)}']")[0]
    assert "Theoretical" in text_of(row)


def test_render_site_is_never_more_reassuring_than_the_resources(package: Package, pages: dict[str, str]) -> None:
    source = " ".join(str(v) for r in package for v in _strings(r)).lower()
    for phrase in ("no risk", "safe to combine", "completely safe", "proven safe", "no interaction", "guaranteed"):
        for name, text in pages.items():
            if phrase in text.lower():
                assert phrase in source, f"{name} says '{phrase}', which no resource says"


def _strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return [node] if isinstance(node, str) else []


def test_render_site_resources_index_lists_every_resource(package: Package, parsed: dict[str, Any]) -> None:
    hrefs = parsed["resources.html"].xpath("//a/@href")
    for resource in package:
        assert page_name(resource) in hrefs


def test_render_site_resources_link_their_profiles_and_back(package: Package, parsed: dict[str, Any]) -> None:
    profiled = [r for r in package if r.get("meta", {}).get("profile")]
    assert profiled
    for resource in profiled:
        for url in resource["meta"]["profile"]:
            profile = package.resolve_canonical(url)
            assert profile is not None, url
            assert page_name(profile) in parsed[page_name(resource)].xpath("//dl[@class='fields']//a/@href")
            assert page_name(resource) in parsed[page_name(profile)].xpath(
                "//*[@id='used-by']/following-sibling::ul[1]//a/@href"
            )
