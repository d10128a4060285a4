"""Shared fixtures: the loaded package, the repository root, and what the tests read from ../shared.

../shared sits next to the checkout (the project's shared folder): the source article, the verified code tables
and the HL7 conformance suites. A test that needs one of them skips, naming what is missing, when it is absent.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from fhir_ldn.config import Settings
from fhir_ldn.package.index import Package
from fhir_ldn.package.loader import load_package

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def package() -> Package:
    return load_package(Settings())


# What tests read from ../shared: name -> (path inside it, what is missing without it, in a user's words).
SHARED_PARTS: dict[str, tuple[str, str]] = {
    "article": ("seed/ldn-ssri-article.txt", "the source article is absent"),
    "code tables": ("research", "the verified code tables (terminology.md, rxnorm-products.csv) are absent"),
    "conformance": ("conformance", "the HL7 conformance suites and their runners are absent"),
}


def shared_path(part: str, shared: Path | None = None) -> Path:
    """The path of a part of ../shared; skips the test, saying what is missing and where, if it is absent."""
    relative, missing = SHARED_PARTS[part]
    path = (shared or SHARED) / relative
    if not path.exists():
        pytest.skip(
            f"{missing} from ../shared (looked for {path}); put the project's shared folder next to this "
            "checkout to run this check"
        )
    return path


@pytest.fixture(scope="session")
def article() -> str:
    return shared_path("article").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def research_tables() -> Path:
    """../shared/research: the code tables every drug code must be VERIFIED in."""
    return shared_path("code tables")


@pytest.fixture(scope="session")
def conformance_dir() -> Path:
    """../shared/conformance: the HL7 conformance suites and runners (run from there, never copied)."""
    return shared_path("conformance")


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Settings:
    """Settings pointing at a writable copy of resources/ and profiles/, for tests that break things."""
    for name in ("resources", "profiles"):
        (tmp_path / name).mkdir()
        for src in (REPO / name).glob("*.json"):
            (tmp_path / name / src.name).write_bytes(src.read_bytes())
    shutil.copytree(REPO / "resources" / "cql", tmp_path / "resources" / "cql")  # the Library's CQL and ELM
    return Settings(resources_dir=tmp_path / "resources", profiles_dir=tmp_path / "profiles")


def edit_json(path: Path, change: Any) -> None:
    """Load a JSON file, let `change` mutate it, write it back."""
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")


@pytest.fixture(scope="session")
def artifacts(package: Package) -> dict[str, bytes]:
    from fhir_ldn.package.build import build_artifacts

    return build_artifacts(package)
