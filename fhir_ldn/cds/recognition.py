"""A clinician-readable account, generated from the package, of how the CDS service recognises drugs and doses.

Two markdown tables: per drug, the verified codes, the names and the combination products the service knows;
per card, when it is given (the ECA rule's own condition descriptions). The README embeds the output between
`<!-- recognition:start -->` and `<!-- recognition:end -->`; a test keeps the two equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fhir_ldn.cds.cards import INDICATOR_BY_PRIORITY
from fhir_ldn.cds.drug_names import (
    BRAND_COUNTED,
    BRAND_EXCLUDED,
    DRUG_NAME,
    PARTNER_COUNTED,
    PARTNER_EXCLUDED,
    Drug,
    DrugNames,
    designation_use,
)
from fhir_ldn.cds.engine import is_eca_rule
from fhir_ldn.package.index import Package

START, END = "<!-- recognition:start -->", "<!-- recognition:end -->"
_SYSTEM_NAMES = {"http://www.nlm.nih.gov/research/umls/rxnorm": "RxNorm", "http://www.whocc.no/atc": "ATC"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _designations(package: Package, local_system: str) -> dict[tuple[str, str], list[tuple[str, str]]]:
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}

    def walk(url: str, concepts: Any) -> None:
        for concept in concepts or ():
            for d in concept.get("designation") or ():
                use = designation_use(d, local_system)
                if use is not None:
                    out.setdefault((url, concept["code"]), []).append((use, str(d.get("value"))))
            walk(url, concept.get("concept"))

    for system in package.of_type("CodeSystem"):
        walk(str(system.get("url")), system.get("concept"))
    return out


def _codes_by_drug(package: Package, names: DrugNames) -> dict[Drug, list[str]]:
    """The package's verified codes of each drug, found by reading each code's own display as a name."""
    out: dict[Drug, list[str]] = {}
    for system in package.of_type("CodeSystem"):
        url = str(system.get("url"))
        stack = list(system.get("concept") or ())
        while stack:
            concept = stack.pop(0)
            stack[:0] = concept.get("concept") or ()
            if (url, concept["code"]) not in names.known:
                continue
            found = names.recognise([(str(concept.get("display", "")), url.endswith("rxnorm"))])
            if found is not None and found.counts:
                label = f"{_SYSTEM_NAMES.get(url, url)} {concept['code']}"
                out.setdefault(found.drug, []).append(label)
    return out


def drug_table(package: Package) -> str:
    local = f"{package.meta.canonical}/CodeSystem/ldn-ssri-concepts"
    names = DrugNames.from_package(package)
    designations = _designations(package, local)
    codes = _codes_by_drug(package, names)
    rows = [
        "| drug | verified codes (any of them on the order, its Medication or an ingredient) "
        "| names in text or display | combination products |",
        "|---|---|---|---|",
    ]
    for drug in sorted(codes, key=lambda d: (d.display != "naltrexone", d.display)):
        uses = designations.get((drug.system, drug.code), [])

        def of(*kinds: str, uses: list[tuple[str, str]] = uses) -> list[str]:
            return [value for kind, value in uses if kind in kinds]

        combos = []
        if of(BRAND_COUNTED, PARTNER_COUNTED):
            combos.append(f"{', '.join(of(BRAND_COUNTED, PARTNER_COUNTED))}: counts as {drug.display}")
        if of(BRAND_EXCLUDED, PARTNER_EXCLUDED):
            combos.append(f"{', '.join(of(BRAND_EXCLUDED, PARTNER_EXCLUDED))}: not {drug.display} for this rule")
        rows.append(
            f"| {_cell(drug.display)} | {_cell(', '.join(codes[drug]))} | {_cell(', '.join(of(DRUG_NAME)))} "
            f"| {_cell('; '.join(combos) or '—')} |"
        )
    return "\n".join(rows)


def _cards(plan: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [card for action in plan.get("action") or () for card in action.get("action") or ()]


def dose_table(package: Package) -> str:
    rows = ["| card | indicator | given when |", "|---|---|---|"]
    for plan in package.of_type("PlanDefinition"):
        if not is_eca_rule(plan):
            continue
        for card in _cards(plan):
            when = "; ".join(
                str((c.get("expression") or {}).get("description", "")) for c in card.get("condition") or ()
            )
            indicator = INDICATOR_BY_PRIORITY.get(str(card.get("priority") or "routine"), "info")
            rows.append(f"| {_cell(str(card.get('title')))} | {indicator} | {_cell(when)} |")
    return "\n".join(rows)


def recognition_markdown(package: Package) -> str:
    """The README block: how drugs are recognised, then which card each dose situation gets."""
    return "\n".join(
        [
            START,
            "An order's drug is recognised, in this order: by a verified code of the package on the order; by a "
            "verified code of its Medication (contained or referenced, R4 or R5) or of that Medication's "
            "ingredients; by name, when neither carries a verified code and the order's text, its Medication's "
            "text or a coding's display names exactly one of these drugs (whole words, any case). A card reached "
            "by name says so and quotes the text.",
            "",
            drug_table(package),
            "",
            "The daily dose decides the card (given when a new order and the patient's medications hold both "
            "naltrexone and an SSRI):",
            "",
            dose_table(package),
            END,
        ]
    )


def embedded(readme: str) -> str | None:
    """The block a README holds between the markers, markers included; None if it has none."""
    start, end = readme.find(START), readme.find(END)
    return readme[start : end + len(END)] if 0 <= start < end else None
