"""The knowledge says what the article says, no more firmly: the clinical review's findings on the resources."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fhir_ldn.package.index import Package

ROOT = Path(__file__).resolve().parents[2]
LDN_RANGE = "1–5 mg daily, started at 0.5–1 mg"  # the article: "1–5 mg daily"; "start at lower doses (e.g., 0.5–1 mg)"
INDICATIONS = [
    "indication-ldn-ssri-treatment-resistant-depression",
    "indication-ldn-ssri-inflammatory-depression",
    "indication-ldn-ssri-chronic-pain-comorbidity",
    "indication-ldn-ssri-autoimmune-comorbidity",
]
SOURCE_ARTICLE = "https://fhir-ldn.github.io/fhir/Citation/kim-ldn-ssri-article"


def _codes(concepts: list[dict[str, Any]]) -> set[str]:
    return {c["code"] for concept in concepts for c in concept["coding"]}


def test_serotonin_syndrome_management_is_only_the_reassurance(package: Package) -> None:
    """The article ties starting low to tolerability and lists monitoring generally: not as its management."""
    interaction = package.require("ClinicalUseDefinition", "interaction-ldn-ssri-serotonin-syndrome")["interaction"]
    assert _codes(interaction["management"]) == {"reassure-serotonin-syndrome"}
    assert _codes([interaction["incidence"]]) == {"Theoretical"}  # the article: "Serotonin syndrome (theoretical)"


def test_endorphin_blunting_is_a_may_not_a_theory(package: Package) -> None:
    interaction = package.require("ClinicalUseDefinition", "interaction-ldn-ssri-endorphin-blunting")["interaction"]
    assert "incidence" not in interaction
    assert "may blunt endorphin production" in interaction["effect"]["concept"]["text"]


@pytest.mark.parametrize("resource_id", INDICATIONS)
def test_indications_carry_the_articles_hedge(package: Package, resource_id: str) -> None:
    indication = package.require("ClinicalUseDefinition", resource_id)
    assert _codes(indication["category"]) == {"to-consider", "off-label", "early-evidence"}
    (evidence,) = indication["extension"]
    display = evidence["valueRelatedArtifact"]["display"]
    for words in ("when to consider", "not an established indication", "off-label", "may provide", "cautious optimism"):
        assert words in display
    assert "not an established indication" in indication["text"]["div"]  # the generated narrative shows it


@pytest.mark.parametrize("resource_id", INDICATIONS)
def test_indications_cite_only_what_the_article_links(package: Package, resource_id: str) -> None:
    """The article lists its studies under 'Empirical Evidence' without tying them to an indication."""
    indication = package.require("ClinicalUseDefinition", resource_id)
    assert [e["valueRelatedArtifact"]["resource"] for e in indication["extension"]] == [SOURCE_ARTICLE]


def test_one_wording_of_the_ldn_range_everywhere(package: Package) -> None:
    places = {
        "README": (ROOT / "README.md").read_text(encoding="utf-8"),
        "product": package.require("MedicinalProductDefinition", "low-dose-naltrexone")["description"],
        "warning": package.require("ClinicalUseDefinition", "warning-standard-dose-naltrexone-not-ldn")["warning"][
            "description"
        ],
    }
    for card in package.require("PlanDefinition", "ldn-ssri-cds")["action"][0]["action"]:
        places[card["id"]] = card["description"]
    assert [name for name, text in places.items() if LDN_RANGE not in text] == []
