"""The ECA PlanDefinition's FHIRPath conditions encode the dose rule correctly (evaluated on synthetic facts).

This checks the authored knowledge itself: LDN (<= 5 mg/day) gets the LDN card, standard-dose naltrexone never
does, an unknown dose gets the 'dose not stated' card, and nothing fires without a new naltrexone or SSRI order.
"""

from __future__ import annotations

from typing import Any

import pytest

from fhir_ldn.constants import ATC, RXNORM
from fhir_ldn.fhirpath.compiler import compile_expression
from fhir_ldn.fhirpath.host import MembershipEnvironment, variables
from fhir_ldn.package.index import Package


def _expand(package: Package, url: str) -> set[tuple[str, str]]:
    vs = package.resolve_canonical(url)
    assert vs is not None, url
    out: set[tuple[str, str]] = set()
    for include in vs["compose"]["include"]:
        for nested in include.get("valueSet", []):
            out |= _expand(package, nested)
        out |= {(include["system"], c["code"]) for c in include.get("concept", [])}
    return out


def _evaluator(package: Package):
    env = MembershipEnvironment(lambda url: frozenset(_expand(package, url)))

    def evaluate(expression: str, medications: list[dict[str, Any]]) -> bool:
        result = compile_expression(expression).evaluate({}, variables=variables({"medications": medications}), env=env)
        return result == [True]

    return evaluate


def med(system: str, code: str, origin: str, dose: float | None = None, single: float | None = None) -> dict[str, Any]:
    """A fact; `single` defaults to the daily dose (one administration a day)."""
    fact: dict[str, Any] = {"origin": origin, "code": {"coding": [{"system": system, "code": code}]}}
    if dose is not None:
        fact["dailyDoseMg"] = dose
    if single is not None or dose is not None:
        fact["singleDoseMg"] = single if single is not None else dose
    return fact


SERTRALINE_50 = (RXNORM, "312941")
NALTREXONE = (RXNORM, "7243")


def _fired(package: Package, medications: list[dict[str, Any]]) -> list[str]:
    evaluate = _evaluator(package)
    top = package.require("PlanDefinition", "ldn-ssri-cds")["action"][0]
    if not all(evaluate(c["expression"]["expression"], medications) for c in top["condition"]):
        return []
    return [
        card["id"]
        for card in top["action"]
        if all(evaluate(c["expression"]["expression"], medications) for c in card["condition"])
    ]


@pytest.mark.parametrize(
    ("medications", "cards"),
    [
        ([med(*SERTRALINE_50, "new"), med(*NALTREXONE, "existing", 4.5)], ["ldn-ssri"]),
        ([med(*SERTRALINE_50, "existing"), med(*NALTREXONE, "new", 1)], ["ldn-ssri"]),
        ([med(*SERTRALINE_50, "new"), med(*NALTREXONE, "existing", 5)], ["ldn-ssri"]),
        ([med(*SERTRALINE_50, "new"), med(*NALTREXONE, "existing", 5.5)], ["standard-dose-naltrexone-ssri"]),
        (
            [med(*SERTRALINE_50, "new"), med(RXNORM, "1483744", "existing", 50)],
            ["standard-dose-naltrexone-ssri"],
        ),
        ([med(*SERTRALINE_50, "new"), med(*NALTREXONE, "existing", 13.5)], ["standard-dose-naltrexone-ssri"]),
        ([med(*SERTRALINE_50, "new"), med(*NALTREXONE, "existing")], ["ldn-ssri-dose-not-stated"]),
        ([med(ATC, "N06AB06", "new"), med(ATC, "N07BB04", "existing", 3)], ["ldn-ssri"]),
        ([med(RXNORM, "2556", "existing"), med(*NALTREXONE, "new", 4.5)], ["ldn-ssri"]),
        # a single dose above 5 mg with the timing unknown is not LDN
        ([med(*SERTRALINE_50, "new"), med(*NALTREXONE, "existing", None, 50)], ["standard-dose-naltrexone-ssri"]),
        ([med(*SERTRALINE_50, "new"), med(*NALTREXONE, "existing", None, 4.5)], ["ldn-ssri-dose-not-stated"]),
        # several naltrexone orders: their doses may add up, so the LDN card is never given
        (
            [med(*SERTRALINE_50, "new"), med(*NALTREXONE, "existing", 4.5), med(*NALTREXONE, "new", 4.5)],
            ["ldn-ssri-dose-not-stated"],
        ),
        (
            [med(*SERTRALINE_50, "new"), med(*NALTREXONE, "existing", 50), med(*NALTREXONE, "new", 4.5)],
            ["standard-dose-naltrexone-ssri"],
        ),
        (
            [med(*SERTRALINE_50, "new"), med(*NALTREXONE, "existing"), med(*NALTREXONE, "new", 4.5)],
            ["ldn-ssri-dose-not-stated"],
        ),
        # below the article's LDN range (1–5 mg daily, started at 0.5–1 mg): the LDN card's variant that says so
        ([med(*SERTRALINE_50, "new"), med(*NALTREXONE, "existing", 0.25)], ["ldn-ssri-below-range"]),
        ([med(*SERTRALINE_50, "new"), med(*NALTREXONE, "existing", 0.1)], ["ldn-ssri-below-range"]),
        ([med(*SERTRALINE_50, "existing"), med(*NALTREXONE, "new", 0.0045)], ["ldn-ssri-below-range"]),
        ([med(*SERTRALINE_50, "new"), med(*NALTREXONE, "existing", 0.49)], ["ldn-ssri-below-range"]),
        ([med(*SERTRALINE_50, "new"), med(*NALTREXONE, "existing", 0.5)], ["ldn-ssri"]),
        ([med(*SERTRALINE_50, "new")], []),
        ([med(*NALTREXONE, "new", 4.5)], []),
        ([med(*SERTRALINE_50, "existing"), med(*NALTREXONE, "existing", 4.5)], []),
        (
            [med(RXNORM, "1551468", "new", 16), med(*SERTRALINE_50, "existing")],
            [],
        ),  # combo product: not in the VS
    ],
)
def test_cards_for_medication_situations(package: Package, medications, cards) -> None:
    assert _fired(package, medications) == cards


def test_standard_dose_never_gets_ldn_card(package: Package) -> None:
    for dose in (5.01, 6, 25, 50, 100, 380):
        for fact in (med(*NALTREXONE, "existing", dose), med(*NALTREXONE, "existing", None, dose)):
            fired = _fired(package, [med(*SERTRALINE_50, "new"), fact])
            assert fired == ["standard-dose-naltrexone-ssri"]


def test_exactly_one_card_whenever_naltrexone_and_an_ssri_meet(package: Package) -> None:
    doses = (None, 0.1, 0.5, 4.5, 5, 5.5, 50)
    for first in doses:
        for single in doses:
            if first is not None and single is not None and single > first:
                continue  # no order gives less on a day than in one of its doses
            for second in (None, *doses):
                facts = [med(*SERTRALINE_50, "new"), med(*NALTREXONE, "existing", first, single)]
                if second is not None:
                    facts.append(med(*NALTREXONE, "new", second))
                assert len(_fired(package, facts)) == 1, facts


@pytest.mark.parametrize(
    ("medications", "applies"),
    [
        ([med(*SERTRALINE_50, "existing")], True),
        ([med(*SERTRALINE_50, "existing"), med(*NALTREXONE, "existing", 4.5)], True),
        ([med(*SERTRALINE_50, "existing"), med(RXNORM, "1483744", "existing", 50)], False),
        ([med(*SERTRALINE_50, "existing"), med(*NALTREXONE, "existing")], False),  # dose unknown: may be 50 mg
        ([med(*SERTRALINE_50, "existing"), med(*NALTREXONE, "existing", None, 50)], False),
        ([med(*SERTRALINE_50, "existing"), med(*NALTREXONE, "existing", 4.5), med(*NALTREXONE, "new", 4.5)], False),
        ([med(*NALTREXONE, "existing", 4.5)], False),
    ],
)
def test_protocol_applicability(package: Package, medications, applies: bool) -> None:
    evaluate = _evaluator(package)
    action = package.require("PlanDefinition", "ldn-ssri-augmentation-protocol")["action"][0]
    assert evaluate(action["condition"][0]["expression"]["expression"], medications) is applies


def test_cards_have_short_titles_and_cite_evidence(package: Package) -> None:
    for card in package.require("PlanDefinition", "ldn-ssri-cds")["action"][0]["action"]:
        assert len(card["title"]) < 140
        assert card["priority"] in ("routine", "urgent", "asap", "stat")
        assert any(d["type"] == "citation" for d in card["documentation"])
