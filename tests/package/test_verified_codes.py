"""Clinical safety: every drug code in the package is VERIFIED in the research tables; LDN stays dose-defined."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from fhir_ldn.constants import ATC, RXNORM
from fhir_ldn.jsonwalk import walk
from fhir_ldn.package.index import Package
from fhir_ldn.package.integrity import code_tables


def _verified_terminology_codes(research: Path) -> set[str]:
    """Codes marked VERIFIED in research/terminology.md (`**code** [sources] VERIFIED`, class codes too)."""
    text = (research / "terminology.md").read_text(encoding="utf-8")
    plain = re.findall(r"\*\*([A-Z0-9]+)\*\*\s*\[[^\]]*\]\s*VERIFIED", text)
    classes = re.findall(r"\*\*([A-Z0-9]+)\*\*\s*\"[^\"]*\"\s*\[[^\]]*\]\s*VERIFIED", text)
    return set(plain) | set(classes)


def _products(research: Path) -> dict[str, dict[str, str]]:
    with (research / "rxnorm-products.csv").open(encoding="utf-8") as f:
        return {row["rxcui"]: row for row in csv.DictReader(f)}


def test_rxnorm_fragment_holds_only_verified_codes(package: Package, research_tables: Path) -> None:
    verified_ingredients = _verified_terminology_codes(research_tables)
    products = _products(research_tables)
    fragment = next(cs for cs in package.of_type("CodeSystem") if cs["url"] == RXNORM)
    for concept in fragment["concept"]:
        tty = concept["property"][0]["valueCode"]
        if tty == "IN":
            assert concept["code"] in verified_ingredients, concept
        else:
            row = products[concept["code"]]
            assert row["status"] == "VERIFIED", concept
            assert (row["display"], row["tty"]) == (concept["display"], tty)


def test_every_verified_product_of_an_ssri_or_oral_naltrexone_is_held(package: Package, research_tables: Path) -> None:
    held = code_tables(package)[RXNORM]
    verified = {code for code, row in _products(research_tables).items() if row["status"] == "VERIFIED"}
    assert verified <= set(held)


def test_atc_fragment_holds_only_verified_codes(package: Package, research_tables: Path) -> None:
    verified = _verified_terminology_codes(research_tables)
    assert set(code_tables(package)[ATC]) <= verified
    assert {"N06AB", "N06AB03", "N06AB04", "N06AB05", "N06AB06", "N06AB08", "N06AB10"} <= set(code_tables(package)[ATC])


def test_no_single_source_or_unverified_code_anywhere(package: Package, research_tables: Path) -> None:
    not_verified = {code for code, row in _products(research_tables).items() if row["status"] != "VERIFIED"}
    not_verified |= {"42355", "1455099", "637213", "373546002"}  # UNVERIFIED rows of terminology.md
    for resource in package:
        for path, key, value in walk(resource, resource["resourceType"]):
            if key == "code" and isinstance(value, str):
                assert value not in not_verified, f"{resource['id']} {path} uses {value}"


def test_drug_codes_only_from_held_fragments(package: Package) -> None:
    """The integrity check forbids any drug code outside the fragments; prove SNOMED/NDC never appear."""
    systems = set()
    for resource in package:
        for _, key, value in walk(resource, resource["resourceType"]):
            if key == "system" and isinstance(value, str):
                systems.add(value)
    assert not {s for s in systems if "snomed" in s or "ndc" in s}


def test_naltrexone_value_set_has_no_low_dose_product_and_no_depot_or_combo(package: Package) -> None:
    vs = package.require("ValueSet", "naltrexone")
    codes = {c["code"] for inc in vs["compose"]["include"] for c in inc["concept"]}
    assert codes == {"7243", "1483744", "N07BB04"}
    assert not codes & {"637213", "1551468", "1551474"}


def test_standard_dose_product_strength_is_50_mg(package: Package) -> None:
    mpd = package.require("MedicinalProductDefinition", "naltrexone-50mg-oral-tablet")
    assert mpd["code"][0]["code"] == "1483744"
    (strength,) = mpd["characteristic"]
    assert strength["valueQuantity"]["value"] == 50
    assert strength["valueQuantity"]["code"] == "mg"
    ldn = package.require("MedicinalProductDefinition", "low-dose-naltrexone")
    assert "code" not in ldn  # LDN has no product code


@pytest.mark.parametrize("vs_id", ["ssri", "ssri-rxnorm", "ssri-atc"])
def test_ssri_value_sets_exclude_naltrexone_and_non_ssris(package: Package, vs_id: str) -> None:
    text = str(package.require("ValueSet", vs_id)["compose"])
    for code in ("7243", "1483744", "N07BB04", "N06AX26", "N06AX24", "1086772"):
        assert f"'{code}'" not in text
