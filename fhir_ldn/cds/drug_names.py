"""Recognise a drug by name (an order's text, a coding's display) when the order carries no verified code.

The names are the package's own knowledge: designations of the ingredient concepts in its RxNorm and ATC
fragments, whose `drug-name-use` extension (a concept of the package's local code system) says how a name counts:
`drug-name` names the drug alone (ingredient, single-ingredient brand, abbreviation such as LDN);
`combination-brand-counted` / `-excluded` name a combination product that does / does not count as the drug;
`combination-partner-counted` / `-excluded` name the other ingredient of such a combination (alone they name
another drug, so they only qualify an order that also names this drug). An RxNorm display with " / " between
ingredients is a combination too; one with an unknown partner counts unless the drug has excluded combinations.

A text is recognised only when it names exactly one of the package's drugs; names are matched whole-word and
case-insensitively. The names come from the package, never from input, so the one pattern is built once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fhir_ldn.constants import LOCAL_CONCEPTS_ID, RXNORM

DRUG_NAME = "drug-name"
BRAND_COUNTED = "combination-brand-counted"
BRAND_EXCLUDED = "combination-brand-excluded"
PARTNER_COUNTED = "combination-partner-counted"
PARTNER_EXCLUDED = "combination-partner-excluded"
USES = frozenset({DRUG_NAME, BRAND_COUNTED, BRAND_EXCLUDED, PARTNER_COUNTED, PARTNER_EXCLUDED})
_NAMING = frozenset({DRUG_NAME, BRAND_COUNTED, BRAND_EXCLUDED})  # uses that name the drug on their own
_EXCLUDED = frozenset({BRAND_EXCLUDED, PARTNER_EXCLUDED})
DRUG_NAME_USE = "/StructureDefinition/drug-name-use"  # the extension that carries a designation's use here
_RXNORM_COMBINATION = " / "  # RxNorm's separator between the ingredients of a multi-ingredient drug
_QUOTE_LIMIT = 80
_BRACKETS = str.maketrans("[]", "()")
_UNSAFE = re.compile(r"[^0-9A-Za-z .,;:/()%+\-]")  # what a quoted order text may keep in a card's markdown


@dataclass(frozen=True)
class Drug:
    """An ingredient concept of the package that names can identify."""

    system: str
    code: str
    display: str
    has_excluded_combinations: bool

    def coding(self) -> dict[str, str]:
        return {"system": self.system, "code": self.code, "display": self.display}


@dataclass(frozen=True)
class Recognition:
    """What a set of texts names: one drug, whether the order counts as it, and the text that named it."""

    drug: Drug
    counts: bool
    text: str


def designation_use(designation: Mapping[str, Any], local_system: str) -> str | None:
    """The `drug-name-use` of a designation (its extension's code in the package's local code system), if any."""
    for extension in designation.get("extension") or ():
        coding = extension.get("valueCoding") if str(extension.get("url", "")).endswith(DRUG_NAME_USE) else None
        if isinstance(coding, dict) and coding.get("system") == local_system and coding.get("code") in USES:
            return str(coding["code"])
    return None


def _designations(concepts: Iterable[Any]) -> Iterable[tuple[Mapping[str, Any], Mapping[str, Any]]]:
    for concept in concepts:
        for designation in concept.get("designation") or ():
            yield concept, designation
        yield from _designations(concept.get("concept") or ())


def _concepts(concepts: Iterable[Any]) -> Iterable[Mapping[str, Any]]:
    for concept in concepts:
        yield concept
        yield from _concepts(concept.get("concept") or ())


class DrugNames:
    """The package's drug names, ready to match."""

    def __init__(self, code_systems: Iterable[Mapping[str, Any]], local_system: str):
        self._by_name: dict[str, list[tuple[Drug, str]]] = {}
        self.displays: dict[tuple[str, str], str] = {}  # the package's display of each verified code
        named: dict[tuple[str, str], list[tuple[str, str]]] = {}
        displays: dict[tuple[str, str], str] = {}
        known: set[tuple[str, str]] = set()
        for system in code_systems:
            url = str(system.get("url"))
            before = len(named)
            for concept, designation in _designations(system.get("concept") or ()):
                use = designation_use(designation, local_system)
                value = designation.get("value")
                if use is None or not isinstance(value, str):
                    continue
                key = (url, str(concept["code"]))
                displays[key] = str(concept.get("display") or concept["code"])
                named.setdefault(key, []).append((value, use))
            if len(named) > before:  # a code system of named drugs: its codes are the package's verified ones
                for c in _concepts(system.get("concept") or ()):
                    known.add((url, str(c["code"])))
                    self.displays[(url, str(c["code"]))] = str(c.get("display") or c["code"])
        for key, names in named.items():
            drug = Drug(key[0], key[1], displays[key], any(use in _EXCLUDED for _, use in names))
            for value, use in names:
                self._by_name.setdefault(value.casefold(), []).append((drug, use))
        self.known = frozenset(known)  # codes that recognise a drug without its name
        alternatives = sorted(self._by_name, key=len, reverse=True)  # longest first: "escitalopram" before its tail
        self._pattern = re.compile(r"\b(" + "|".join(map(re.escape, alternatives)) + r")\b", re.IGNORECASE)

    @classmethod
    def from_package(cls, package: Any) -> DrugNames:
        return cls(package.of_type("CodeSystem"), f"{package.meta.canonical}/CodeSystem/{LOCAL_CONCEPTS_ID}")

    def _read(self, text: str, rxnorm_display: bool) -> Recognition | None:
        """The one drug a single text names, or None (no drug, or several)."""
        naming: set[Drug] = set()
        qualifiers: list[tuple[Drug, str]] = []
        for match in self._pattern.finditer(text):
            for drug, use in self._by_name.get(match.group(1).casefold(), ()):
                if use in _NAMING:
                    naming.add(drug)
                qualifiers.append((drug, use))
        if len(naming) != 1:
            return None
        (drug,) = naming
        uses = {use for named, use in qualifiers if named == drug}
        if uses & _EXCLUDED:
            counts = False
        elif uses - {DRUG_NAME} or (rxnorm_display and _RXNORM_COMBINATION in text):
            counts = not drug.has_excluded_combinations or bool(uses & {BRAND_COUNTED, PARTNER_COUNTED})
        else:
            counts = True
        return Recognition(drug, counts, quote(text))

    def recognise(self, texts: Sequence[tuple[str, bool]]) -> Recognition | None:
        """The drug the texts name ((text, is an RxNorm display) pairs), if they name exactly one between them.

        A text naming several drugs, or two texts naming different ones, recognise nothing; a combination that
        does not count wins over a text that names the drug alone (the order is for the combination).
        """
        found = [r for text, rx in texts if text and (r := self._read(text, rx)) is not None]
        if not found or len({r.drug for r in found}) != 1:
            return None
        return next((r for r in found if not r.counts), found[0])


def quote(text: str) -> str:
    """The text as a card may quote it in markdown: brackets as parentheses (no links), nothing but plain marks."""
    clean = " ".join(_UNSAFE.sub(" ", text.translate(_BRACKETS)).split())
    return clean if len(clean) <= _QUOTE_LIMIT else clean[: _QUOTE_LIMIT - 1].rstrip() + "…"


def texts_of(concept: Any) -> list[tuple[str, bool]]:
    """The names a CodeableConcept gives: its text and every coding's display (flagged when RxNorm's)."""
    if type(concept) is not dict:
        return []
    out: list[tuple[str, bool]] = []
    if isinstance(concept.get("text"), str):
        out.append((concept["text"], False))
    codings = concept.get("coding")
    for coding in codings if type(codings) is list else ():
        if type(coding) is dict and isinstance(coding.get("display"), str):
            out.append((coding["display"], coding.get("system") == RXNORM))
    return out
