"""Generated narratives: XHTML with xmlns, deterministic, showing the resource's own content."""

from __future__ import annotations

from typing import Any

from lxml import etree

from fhir_ldn.package.index import Package
from fhir_ldn.package.narrative import render_div, with_narrative

XHTML = "{http://www.w3.org/1999/xhtml}"
ALLOWED = {"div", "p", "b", "table", "tr", "th", "td", "ul", "li"}


def test_every_resource_has_generated_xhtml_narrative(package: Package) -> None:
    for resource in package:
        text = resource["text"]
        assert text["status"] == "generated", resource["id"]
        root = etree.fromstring(text["div"])
        assert root.tag == f"{XHTML}div"
        assert {str(el.tag).removeprefix(XHTML) for el in root.iter()} <= ALLOWED
        assert "".join(root.itertext()).strip()


def test_narrative_shows_title_description_and_codes(package: Package) -> None:
    div = package.require("ClinicalUseDefinition", "interaction-ldn-ssri-serotonin-syndrome")["text"]["div"]
    assert "interaction (Low-dose naltrexone (LDN))" in div
    assert "Theoretical (http://hl7.org/fhir/interaction-incidence#Theoretical)" in div
    vs = package.require("ValueSet", "ssri")["text"]["div"]
    assert "first-line treatments" in vs


def test_narrative_escapes_markup() -> None:
    div = render_div({"resourceType": "Basic", "id": "x", "title": "<script>alert(1)</script>", "note": "a & b"})
    assert "<script>" not in div
    assert "&lt;script&gt;" in div
    assert "a &amp; b" in div


def test_authored_narrative_is_kept() -> None:
    authored = {
        "resourceType": "Basic",
        "id": "x",
        "text": {"status": "additional", "div": "<div>hand</div>"},
    }
    assert with_narrative(authored) is authored


def test_narrative_is_deterministic(package: Package) -> None:
    pd = package.require("PlanDefinition", "ldn-ssri-cds")
    bare = {k: v for k, v in pd.items() if k != "text"}
    assert render_div(bare) == render_div(dict(bare)) == pd["text"]["div"]


def test_contained_resources_get_a_narrative_too(package: Package) -> None:
    """dom-6 applies to contained resources: the Citations' contained authors each have a narrative."""
    seen = 0
    for resource in package:
        for contained in resource.get("contained", ()):
            assert contained["text"]["status"] == "generated", (resource["id"], contained["id"])
            seen += 1
    assert seen >= 8
    citation = package.require("Citation", "girgenti-2022")
    assert "<b>Practitioner: A. Girgenti</b>" in citation["contained"][0]["text"]["div"]


def test_a_contained_narrative_is_added_without_touching_authored_ones() -> None:
    authored = {"status": "additional", "div": "<div>hand</div>"}
    resource: dict[str, Any] = {
        "resourceType": "Basic",
        "id": "x",
        "text": authored,
        "contained": [
            {"resourceType": "Practitioner", "id": "a", "name": [{"family": "Doe", "given": ["J."]}]},
            {"resourceType": "Practitioner", "id": "b", "text": authored},
        ],
    }
    out = with_narrative(resource)
    assert out["text"] is authored
    assert "Practitioner: J. Doe" in out["contained"][0]["text"]["div"]
    assert out["contained"][1]["text"] is authored
    assert "text" not in resource["contained"][0]  # the input is not changed
