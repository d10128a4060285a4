"""Settings: where the knowledge lives, its canonical base and package identity (one object)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from fhir_ldn.constants import AUTHORED_CANONICAL_BASE

_PACKAGE_DIR = Path(__file__).resolve().parent


def _default_data_dir() -> Path:
    """Where the service keeps its database: $XDG_DATA_HOME/fhir-ldn (~/.local/share/fhir-ldn)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "fhir-ldn"


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
    # CDS Hooks service (see README "CDS Hooks service")
    database_url: str = ""  # SQLAlchemy URL; empty: sqlite file `fhir-ldn.sqlite3` in data_dir
    data_dir: Path = field(default_factory=_default_data_dir)
    public_base_url: str = ""  # the service's external base URL (JWT `aud`); empty: taken from each request
    cds_trusted_issuers: Path | None = None  # JSON file: trusted JWT issuers and their JWKS; None: no JWT check
    cors_origins: tuple[str, ...] = ("*",)
    fhir_fetch_timeout: float = 3.0  # seconds per call to a client's FHIR server
    fhir_fetch_max_pages: int = 10  # `next` links followed per prefetch query

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'fhir-ldn.sqlite3'}"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        defaults = cls()
        return cls(
            resources_dir=Path(env.get("FHIR_LDN_RESOURCES_DIR", defaults.resources_dir)),
            profiles_dir=Path(env.get("FHIR_LDN_PROFILES_DIR", defaults.profiles_dir)),
            traceability_file=Path(env.get("FHIR_LDN_TRACEABILITY_FILE", defaults.traceability_file)),
            canonical_base=env.get("FHIR_LDN_CANONICAL_BASE", defaults.canonical_base).rstrip("/"),
            database_url=env.get("FHIR_LDN_DATABASE_URL", ""),
            data_dir=Path(env.get("FHIR_LDN_DATA_DIR", defaults.data_dir)),
            public_base_url=env.get("FHIR_LDN_PUBLIC_BASE_URL", "").rstrip("/"),
            cds_trusted_issuers=Path(env["FHIR_LDN_CDS_TRUSTED_ISSUERS"])
            if env.get("FHIR_LDN_CDS_TRUSTED_ISSUERS")
            else None,
            cors_origins=tuple(o.strip() for o in env.get("FHIR_LDN_CORS_ORIGINS", "*").split(",") if o.strip()),
            fhir_fetch_timeout=float(env.get("FHIR_LDN_FHIR_FETCH_TIMEOUT", defaults.fhir_fetch_timeout)),
            fhir_fetch_max_pages=int(env.get("FHIR_LDN_FHIR_FETCH_MAX_PAGES", defaults.fhir_fetch_max_pages)),
        )
