"""Everything `fhir-ldn build` writes, as file name -> bytes (pure; the CLI does the writing)."""

from __future__ import annotations

from fhir_ldn.formats.json_bytes import dump_bytes
from fhir_ldn.formats.xml import resource_to_xml
from fhir_ldn.formats.xml_write import write_xml
from fhir_ldn.package.bundles import collection_bundle, transaction_bundle
from fhir_ldn.package.index import Package
from fhir_ldn.package.npm import Snapshots, package_tgz
from fhir_ldn.xver.targets import R5, FhirTarget

TRANSACTION_JSON = "bundle-transaction.json"
TRANSACTION_XML = "bundle-transaction.xml"
COLLECTION_JSON = "bundle-collection.json"
COLLECTION_XML = "bundle-collection.xml"
PACKAGE_TGZ = "package.tgz"


def build_artifacts(
    package: Package, target: FhirTarget = R5, *, snapshots: Snapshots | None = None
) -> dict[str, bytes]:
    """The distributable artifacts of a package in one FHIR version (R5 as authored; R4B/R4 converted).

    R5: `snapshots` (StructureDefinition url -> elements, from `fhir_ldn.validation.profile_snapshots`) are shipped
    in package.tgz with the profiles; a profile without one is a PackageError. The build itself generates nothing
    and installs nothing."""
    if not target.is_r5:
        from fhir_ldn.xver.definitions import target_model
        from fhir_ldn.xver.package import convert_package

        package = convert_package(package, target)
        model = target_model(target)
        transaction, collection = transaction_bundle(package), collection_bundle(package)
        return {
            PACKAGE_TGZ: package_tgz(package),
            TRANSACTION_JSON: dump_bytes(transaction),
            TRANSACTION_XML: write_xml(transaction, model=model),
            COLLECTION_JSON: dump_bytes(collection),
            COLLECTION_XML: write_xml(collection, model=model),
        }
    transaction, collection = transaction_bundle(package), collection_bundle(package)
    return {
        PACKAGE_TGZ: package_tgz(package, snapshots),
        TRANSACTION_JSON: dump_bytes(transaction),
        TRANSACTION_XML: resource_to_xml(transaction),
        COLLECTION_JSON: dump_bytes(collection),
        COLLECTION_XML: resource_to_xml(collection),
    }
