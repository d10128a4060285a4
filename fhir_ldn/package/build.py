"""Everything `fhir-ldn build` writes, as file name -> bytes (pure; the CLI does the writing)."""

from __future__ import annotations

from fhir_ldn.formats.json_bytes import dump_bytes
from fhir_ldn.formats.xml import resource_to_xml
from fhir_ldn.package.bundles import collection_bundle, transaction_bundle
from fhir_ldn.package.index import Package
from fhir_ldn.package.npm import package_tgz

TRANSACTION_JSON = "bundle-transaction.json"
TRANSACTION_XML = "bundle-transaction.xml"
COLLECTION_JSON = "bundle-collection.json"
PACKAGE_TGZ = "package.tgz"


def build_artifacts(package: Package) -> dict[str, bytes]:
    """The distributable artifacts of a package, keyed by file name."""
    transaction = transaction_bundle(package)
    return {
        PACKAGE_TGZ: package_tgz(package),
        TRANSACTION_JSON: dump_bytes(transaction),
        TRANSACTION_XML: resource_to_xml(transaction),
        COLLECTION_JSON: dump_bytes(collection_bundle(package)),
    }
