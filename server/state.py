"""What the app builds once at start-up and shares with every request."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from fhir_ldn.config import Settings
from fhir_ldn.package.build import build_artifacts
from fhir_ldn.package.index import Package
from fhir_ldn.package.loader import load_traceability


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
