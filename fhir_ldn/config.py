"""Settings: where the knowledge lives, its canonical base and package identity (one object)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from fhir_ldn.constants import AUTHORED_CANONICAL_BASE

_PACKAGE_DIR = Path(__file__).resolve().parent


def _default_knowledge_dir(name: str) -> Path:
    """The installed copy (wheel) if present, else the source checkout's top-level folder."""
    installed = _PACKAGE_DIR / "_knowledge" / name
    if installed.is_dir():
        return installed
    return _PACKAGE_DIR.parent / name


@dataclass(frozen=True)
class Settings:
    """Everything configurable; read from FHIR_LDN_* environment variables by `from_env`."""

    resources_dir: Path = field(default_factory=lambda: _default_knowledge_dir("resources"))
    profiles_dir: Path = field(default_factory=lambda: _default_knowledge_dir("profiles"))
    traceability_file: Path = field(default_factory=lambda: _default_knowledge_dir("docs") / "traceability.json")
    canonical_base: str = AUTHORED_CANONICAL_BASE
    package_id: str = "fhir-ldn.ldn-ssri"
    package_version: str = "0.1.0"
    package_title: str = "Low-dose naltrexone with SSRIs"
    package_license: str = "CC-BY-4.0"
    package_author: str = "fhir-ldn project"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        defaults = cls()
        return cls(
            resources_dir=Path(env.get("FHIR_LDN_RESOURCES_DIR", defaults.resources_dir)),
            profiles_dir=Path(env.get("FHIR_LDN_PROFILES_DIR", defaults.profiles_dir)),
            traceability_file=Path(env.get("FHIR_LDN_TRACEABILITY_FILE", defaults.traceability_file)),
            canonical_base=env.get("FHIR_LDN_CANONICAL_BASE", defaults.canonical_base).rstrip("/"),
        )
