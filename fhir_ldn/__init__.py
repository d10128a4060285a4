"""fhir-ldn: FHIR R5 knowledge package and services for low-dose naltrexone (LDN) with SSRIs."""

from fhir_ldn.errors import (
    FhirLdnError,
    PackageError,
    RequestError,
)
from fhir_ldn.package.index import Package
from fhir_ldn.package.loader import load_package

__version__ = "0.1.0"

__all__ = [
    "FhirLdnError",
    "Package",
    "PackageError",
    "RequestError",
    "__version__",
    "load_package",
]
