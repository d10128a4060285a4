"""Every claim C1–C16 and reference R1–R7 of the article is mapped to an existing element that says it."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest

from fhir_ldn.package.index import Package
from fhir_ldn.package.loader import load_traceability
from fhir_ldn.traceability import check_traceability, render_markdown
from tests.conftest import REPO


@pytest.fixture(scope="module")
def trace() -> dict[str, Any]:
    return load_traceability()


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("’", "'"))


def test_traceability_complete(package: Package, trace: dict[str, Any]) -> None:
    assert check_traceability(package, trace) == []
    assert [c["id"] for c in trace["claims"]] == [f"C{i}" for i in range(1, len(trace["claims"]) + 1)]


def test_every_reference_of_the_article_is_traced(trace: dict[str, Any], article: str) -> None:
    """The references are read from docs/traceability.json; the article's own reference list says which it needs."""
    listed = article.split("\nReferences\n", 1)[1]
    dois = re.findall(r"https://doi\.org/(\S+)", listed)
    assert len(dois) >= 5
    traced = [r.get("doi") for r in trace["references"]]
    assert traced == [*dois, None]  # R1..Rn in the article's order, then A (the article itself)
    assert [r["id"] for r in trace["references"]] == [*(f"R{i}" for i in range(1, len(dois) + 1)), "A"]


def test_a_claim_listed_twice_or_without_an_id_is_a_problem(package: Package, trace: dict[str, Any]) -> None:
    broken = {**trace, "claims": [trace["claims"][0], trace["claims"][0], {"encodedIn": []}], "references": []}
    problems = check_traceability(package, broken)
    assert "C1: listed twice" in problems
    assert "claims[2]: no id" in problems
    assert "references: none listed in the traceability table" in problems


def test_quotes_are_verbatim_from_article(trace: dict[str, Any], article: str) -> None:
    for claim in trace["claims"]:
        for quote in claim["quotes"]:
            assert _norm(quote) in _norm(article), f"{claim['id']}: {quote!r} is not in the article"


def test_citations_reproduce_article_reference_list(package: Package, article: str) -> None:
    reference_lines = article.split("\nReferences\n", 1)[1].splitlines()
    for ref in package.of_type("Citation"):
        if ref["id"] == "kim-ldn-ssri-article":
            continue
        summary = ref["summary"][0]["text"]
        assert summary in reference_lines, f"{ref['id']}: summary differs from the article's reference"
        doi = ref["citedArtifact"]["identifier"][0]["value"]
        assert summary.endswith(f"https://doi.org/{doi}")
        authors = ref["citedArtifact"]["contributorship"]["summary"][0]["value"]
        assert summary.startswith(authors)


def test_article_citation_cites_every_reference(package: Package) -> None:
    article = package.require("Citation", "kim-ldn-ssri-article")
    cited = [r["resource"] for r in article["citedArtifact"]["relatesTo"]]
    others = sorted(c["url"] for c in package.of_type("Citation") if c["id"] != "kim-ldn-ssri-article")
    assert sorted(cited) == others
    assert len(others) == 7


def test_unmapped_claim_detected(package: Package, trace: dict[str, Any]) -> None:
    broken = copy.deepcopy(trace)
    broken["claims"][0]["encodedIn"] = []
    assert check_traceability(package, broken) == ["C1: not mapped to any resource"]


def test_mapping_to_missing_element_detected(package: Package, trace: dict[str, Any]) -> None:
    broken = copy.deepcopy(trace)
    broken["claims"][5]["encodedIn"][0]["element"] = "interaction.severity"
    broken["references"][0]["encodedIn"][0]["resource"] = "Citation/nobody-2000"
    broken["claims"][2]["encodedIn"][0]["contains"] = "second-line"
    problems = check_traceability(package, broken)
    assert any(p.startswith("C6:") and "element is missing or empty" in p for p in problems)
    assert any(p.startswith("R1:") and "resource not in the package" in p for p in problems)
    assert any(p.startswith("C3:") and "no value contains 'second-line'" in p for p in problems)


def test_docs_traceability_md_is_current(package: Package, trace: dict[str, Any]) -> None:
    committed = (REPO / "docs" / "traceability.md").read_text(encoding="utf-8")
    assert committed == render_markdown(package, trace), "run: fhir-ldn traceability --out docs/traceability.md"


def test_traceability_json_is_valid_json() -> None:
    data = json.loads((REPO / "docs" / "traceability.json").read_text(encoding="utf-8"))
    assert {"claims", "references"} <= set(data)
