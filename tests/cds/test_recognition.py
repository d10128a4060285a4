"""The README's table of what the CDS service recognises is generated from the package and kept current."""

from __future__ import annotations

from pathlib import Path

from fhir_ldn.cds.recognition import dose_table, embedded, recognition_markdown
from fhir_ldn.package.index import Package


def test_the_readme_shows_the_recognition_table_of_the_package(package: Package) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = recognition_markdown(package)
    assert embedded(readme) == block  # regenerate with `fhir-ldn recognition --readme README.md`
    for name in ("Zoloft", "LDN", "Contrave", "Symbyax", "Luvox", "RxNorm 1483744"):
        assert name in block


def test_the_dose_table_has_a_row_per_card_in_the_rule(package: Package) -> None:
    cards = package.require("PlanDefinition", "ldn-ssri-cds")["action"][0]["action"]
    rows = dose_table(package).splitlines()[2:]
    assert [row.split(" | ")[0].lstrip("| ") for row in rows] == [card["title"] for card in cards]
    assert [row.split(" | ")[1] for row in rows] == ["info", "warning", "warning", "info"]
