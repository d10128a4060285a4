"""Drug names from the package's terminology: whole-word, one drug only, combinations as the designations say."""

from __future__ import annotations

import pytest

from fhir_ldn.cds.drug_names import DrugNames
from fhir_ldn.constants import ATC, RXNORM
from fhir_ldn.package.index import Package


@pytest.fixture(scope="module")
def names(package: Package) -> DrugNames:
    return DrugNames.from_package(package)


@pytest.mark.parametrize(
    ("text", "rxnorm", "drug", "counts"),
    [
        ("Zoloft 50 mg tablet", False, (RXNORM, "36437"), True),
        ("ZOLOFT", False, (RXNORM, "36437"), True),
        ("LDN 4.5 mg capsule (compounded)", False, (RXNORM, "7243"), True),
        ("escitalopram 10 mg", False, (RXNORM, "321988"), True),  # not citalopram: whole words only
        ("Luvox CR 100 mg", False, (ATC, "N06AB08"), True),  # fluvoxamine's RxNorm code is unverified
        ("Symbyax 6/25", False, (RXNORM, "4493"), True),
        ("olanzapine 6 MG / fluoxetine 25 MG Oral Capsule", True, (RXNORM, "4493"), True),
        ("Contrave 8/90", False, (RXNORM, "7243"), False),
        ("bupropion/naltrexone ER", False, (RXNORM, "7243"), False),
        (
            "12 HR bupropion hydrochloride 90 MG / naltrexone hydrochloride 8 MG Extended Release Oral Tablet",
            True,
            (RXNORM, "7243"),
            False,
        ),
        ("naltrexone hydrochloride 1 MG / zzz 5 MG Oral Tablet", True, (RXNORM, "7243"), False),  # unknown partner
        ("naltrexone 4.5 mg/day", False, (RXNORM, "7243"), True),
    ],
)
def test_recognised(names: DrugNames, text: str, rxnorm: bool, drug: tuple[str, str], counts: bool) -> None:
    found = names.recognise([(text, rxnorm)])
    assert found is not None
    assert (found.drug.system, found.drug.code) == drug
    assert found.counts is counts


@pytest.mark.parametrize(
    "text",
    [
        "amoxicillin 500 mg",
        "sertraline or fluoxetine",
        "olanzapine 5 mg",
        "morphine 10 mg",
        "bupropion XL",
        "naltrexoneX",
        "",
    ],
)
def test_not_recognised(names: DrugNames, text: str) -> None:
    assert names.recognise([(text, False)]) is None


def test_texts_must_agree_and_an_excluded_combination_wins(names: DrugNames) -> None:
    assert names.recognise([("sertraline", False), ("fluoxetine", False)]) is None
    found = names.recognise([("naltrexone", False), ("Contrave", False)])
    assert found is not None
    assert not found.counts


def test_verified_codes_are_known_and_need_no_name(names: DrugNames, package: Package) -> None:
    assert (RXNORM, "312941") in names.known
    assert (ATC, "N06AB08") in names.known
    assert (RXNORM, "208161") not in names.known  # a single-source brand code is never the package's


def test_quoted_text_cannot_carry_markdown(names: DrugNames) -> None:
    found = names.recognise([("Zoloft [x](http://evil) *bold* <b>" + "y" * 200, False)])
    assert found is not None
    assert "[" not in found.text
    assert "<" not in found.text
    assert "*" not in found.text
    assert len(found.text) <= 80
