"""Shared fixtures: the loaded package, the repository root and the steering folder ../shared."""

from __future__ import annotations

import json
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


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared (the article, research tables, conformance suites); tests needing it skip without it."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent: the steering folder holds the article and the verified code tables")
    return SHARED


@pytest.fixture(scope="session")
def article(shared_dir: Path) -> str:
    return (shared_dir / "seed" / "ldn-ssri-article.txt").read_text(encoding="utf-8")


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Settings:
    """Settings pointing at a writable copy of resources/ and profiles/, for tests that break things."""
    for name in ("resources", "profiles"):
        (tmp_path / name).mkdir()
        for src in (REPO / name).glob("*.json"):
            (tmp_path / name / src.name).write_bytes(src.read_bytes())
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
