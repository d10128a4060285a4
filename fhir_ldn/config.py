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


def _split_list(value: str) -> tuple[str, ...]:
    """A comma-separated environment value as a tuple of its non-empty, stripped items."""
    return tuple(item.strip() for item in value.split(",") if item.strip())


def _flag(value: str) -> bool:
    """An environment flag: 1, true, yes or on (any case) is true."""
    return value.strip().lower() in ("1", "true", "yes", "on")


# Every environment variable `Settings.from_env` reads: name -> (default, what it sets). `--help` prints them.
ENVIRONMENT: dict[str, tuple[str, str]] = {
    "FHIR_LDN_RESOURCES_DIR": ("the package's resources/", "folder of the authored FHIR resources"),
    "FHIR_LDN_PROFILES_DIR": ("the package's profiles/", "folder of the StructureDefinitions"),
    "FHIR_LDN_TRACEABILITY_FILE": ("the package's docs/traceability.json", "the article claim -> resource map"),
    "FHIR_LDN_CANONICAL_BASE": (AUTHORED_CANONICAL_BASE, "canonical base every URL is published under"),
    "FHIR_LDN_DATABASE_URL": ("sqlite:///$FHIR_LDN_DATA_DIR/fhir-ldn.sqlite3", "feedback and JWT replay database"),
    "FHIR_LDN_DATA_DIR": ("$XDG_DATA_HOME/fhir-ldn (~/.local/share/fhir-ldn)", "where the default SQLite file goes"),
    "FHIR_LDN_CDS_TRUSTED_ISSUERS": ("unset, so no JWT check", "JSON file of trusted CDS clients: turns JWT checks on"),
    "FHIR_LDN_PUBLIC_BASE_URL": ("taken from each request", "external base URL (the JWT audience)"),
    "FHIR_LDN_CORS_ORIGINS": ("*", "comma-separated origins allowed by CORS"),
    "FHIR_LDN_FHIR_FETCH_TIMEOUT": ("1", "seconds per call to a client's FHIR server or a JWKS URL"),
    "FHIR_LDN_FHIR_FETCH_MAX_PAGES": ("10", "pages read per prefetch query"),
    "FHIR_LDN_MAX_BODY_BYTES": ("2097152", "larger request bodies are refused (413)"),
    "FHIR_LDN_MAX_JSON_DEPTH": ("100", "deeper JSON bodies are refused (400)"),
    "FHIR_LDN_REQUEST_TIMEOUT": ("30", "seconds per request (408 while reading the body, 503 after)"),
    "FHIR_LDN_FHIR_FETCH_DEADLINE": ("1.5", "seconds for all fetches of one hook call"),
    "FHIR_LDN_FHIR_FETCH_MAX_BYTES": ("10485760", "bytes read from FHIR servers per hook call"),
    "FHIR_LDN_FHIR_SERVER_ALLOWLIST": (
        "empty, so no fetching",
        "URL prefixes of FHIR servers the CDS service may call",
    ),
    "FHIR_LDN_FHIR_FETCH_WITHOUT_AUTHORIZATION": ("false", "also fetch when a request has no fhirAuthorization"),
    "FHIR_LDN_WORK_BUDGET": ("10", "seconds of processing one terminology operation may use (then 422)"),
    "FHIR_LDN_MAX_EXPANSION_SIZE": ("1000", "codes one $expand may return (more: 422 too-costly)"),
    "FHIR_LDN_SHUTDOWN_GRACE": ("3", "seconds SIGTERM waits for requests in progress"),
}
# What the package needs (every command that loads it reads these).
KNOWLEDGE_ENVIRONMENT = (
    "FHIR_LDN_RESOURCES_DIR",
    "FHIR_LDN_PROFILES_DIR",
    "FHIR_LDN_TRACEABILITY_FILE",
    "FHIR_LDN_CANONICAL_BASE",
)


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
    fhir_fetch_timeout: float = 1.0  # seconds per call to a client's FHIR server
    fhir_fetch_max_pages: int = 10  # `next` links followed per prefetch query
    # Security and operations (see README "Security and operations")
    max_body_bytes: int = 2 * 1024 * 1024  # larger request bodies: 413
    max_json_depth: int = 100  # deeper JSON request bodies: 400
    request_timeout: float = 30.0  # seconds for a whole request (body read: 408, processing: 503)
    work_budget: float = 10.0  # seconds of processing one terminology operation may use (then 422 too-costly)
    max_expansion_size: int = 1000  # codes one $expand may return (more: 422 too-costly; page with count)
    shutdown_grace: int = 3  # seconds SIGTERM waits for requests in progress before cancelling them
    # seconds for all calls to a client's FHIR server during one hook call: past it, 412 (a CDS client's budget for a
    # whole call is typically 2 s or less; the service answers within this plus its own few milliseconds)
    fhir_fetch_deadline: float = 1.5
    fhir_fetch_max_bytes: int = 10 * 1024 * 1024  # bytes read (decoded) from a client's FHIR server per hook call
    fhir_server_allowlist: tuple[str, ...] = ()  # URL prefixes of FHIR servers the service may fetch from; "*": any
    fhir_fetch_without_authorization: bool = False  # fetch from an allowlisted server without fhirAuthorization

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
            max_body_bytes=int(env.get("FHIR_LDN_MAX_BODY_BYTES", defaults.max_body_bytes)),
            max_json_depth=int(env.get("FHIR_LDN_MAX_JSON_DEPTH", defaults.max_json_depth)),
            request_timeout=float(env.get("FHIR_LDN_REQUEST_TIMEOUT", defaults.request_timeout)),
            work_budget=float(env.get("FHIR_LDN_WORK_BUDGET", defaults.work_budget)),
            max_expansion_size=int(env.get("FHIR_LDN_MAX_EXPANSION_SIZE", defaults.max_expansion_size)),
            shutdown_grace=int(env.get("FHIR_LDN_SHUTDOWN_GRACE", defaults.shutdown_grace)),
            fhir_fetch_deadline=float(env.get("FHIR_LDN_FHIR_FETCH_DEADLINE", defaults.fhir_fetch_deadline)),
            fhir_fetch_max_bytes=int(env.get("FHIR_LDN_FHIR_FETCH_MAX_BYTES", defaults.fhir_fetch_max_bytes)),
            fhir_server_allowlist=_split_list(env.get("FHIR_LDN_FHIR_SERVER_ALLOWLIST", "")),
            fhir_fetch_without_authorization=_flag(env.get("FHIR_LDN_FHIR_FETCH_WITHOUT_AUTHORIZATION", "")),
        )
