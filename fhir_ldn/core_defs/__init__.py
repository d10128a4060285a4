"""The official FHIR R5 packages (core definitions, examples): fetch into the FHIR package cache, verify, index."""

from fhir_ldn.core_defs.cache import PINNED_PACKAGES, ensure_package, installs_forbidden, package_cache_dir
from fhir_ldn.core_defs.definitions import CoreDefinitions, load_core_definitions, load_package_definitions

__all__ = [
    "PINNED_PACKAGES",
    "CoreDefinitions",
    "ensure_package",
    "installs_forbidden",
    "load_core_definitions",
    "load_package_definitions",
    "package_cache_dir",
]
