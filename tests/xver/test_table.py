"""docs/cross-version.md is the table the conversion of this package generates (regenerate it when it fails)."""

from __future__ import annotations

from fhir_ldn.package.index import Package
from fhir_ldn.xver.table import render_table
from tests.conftest import REPO


def test_docs_table_is_up_to_date(package: Package) -> None:
    table = render_table(package)
    assert (REPO / "docs" / "cross-version.md").read_text(encoding="utf-8") == table, (
        "run: python -m fhir_ldn.xver.table > docs/cross-version.md"
    )
    assert (
        "| ClinicalUseDefinition | `ClinicalUseDefinition.interaction` | moved | MedicinalProductInteraction |" in table
    )
    assert "## FHIR R4B (4.3.0)" in table
