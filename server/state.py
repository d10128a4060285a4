"""What the app builds once at start-up and shares with every request."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from fhir_ldn.config import Settings
from fhir_ldn.core_defs import load_core_definitions, package_cache_dir
from fhir_ldn.errors import FhirLdnError
from fhir_ldn.package.build import build_artifacts
from fhir_ldn.package.bundles import collection_bundle, transaction_bundle
from fhir_ldn.package.index import Package
from fhir_ldn.package.loader import load_traceability
from fhir_ldn.terminology import TerminologyService

log = logging.getLogger("fhir_ldn.server")

TERMINOLOGY_TYPES = ("CodeSystem", "ValueSet", "ConceptMap")
CORE_PREFIXES = ("http://hl7.org/fhir/", "http://terminology.hl7.org/")


def core_resolver(url: str) -> Mapping[str, Any] | None:
    """An R5 core CodeSystem/ValueSet/ConceptMap by url, if the core package is already in the package cache.

    Never installs anything at request time (`fhir-ldn setup` does that), so a request never waits on npm.
    """
    if not url.startswith(CORE_PREFIXES):
        return None
    if not (package_cache_dir() / "hl7.fhir.r5.core#5.0.0" / "package" / "package.json").is_file():
        return None
    try:
        return load_core_definitions().resource(url)
    except (FhirLdnError, OSError, ValueError) as exc:
        log.warning("R5 core definitions unavailable: %s", exc)
        return None


@dataclass
class AppState:
    """The loaded package and everything derived from it (built lazily, once)."""

    settings: Settings
    package: Package
    extras: dict[str, object] = field(default_factory=dict)

    @cached_property
    def artifacts(self) -> dict[str, bytes]:
        """package.tgz and the Bundles, exactly as `fhir-ldn build` writes them."""
        return build_artifacts(self.package)

    @cached_property
    def traceability(self) -> dict[str, Any]:
        """docs/traceability.json (article claim -> resource), read once on first use."""
        return load_traceability(self.settings)

    @cached_property
    def terminology(self) -> TerminologyService:
        """The package's code systems, value sets and concept maps, with the R5 core ones behind them."""
        held = (r for r in self.package if r["resourceType"] in TERMINOLOGY_TYPES)
        return TerminologyService(held, fallback=core_resolver)

    @cached_property
    def bundles(self) -> dict[str, dict[str, Any]]:
        """The transaction and collection Bundles of the package, by Bundle.id."""
        built = (transaction_bundle(self.package), collection_bundle(self.package))
        return {b["id"]: b for b in built}
