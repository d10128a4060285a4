"""Downloads of the built package: package.tgz and the transaction/collection Bundles."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fhir_ldn.errors import NotFoundError
from fhir_ldn.package import build
from server.deps import StateDep
from server.negotiation import fhir_version

router = APIRouter(prefix="/downloads", tags=["downloads"])

MEDIA_TYPES = {
    build.PACKAGE_TGZ: "application/gzip",
    build.TRANSACTION_JSON: "application/fhir+json",
    build.TRANSACTION_XML: "application/fhir+xml",
    build.COLLECTION_JSON: "application/fhir+json",
    build.COLLECTION_XML: "application/fhir+xml",
}


def read_download(name: str, request: Request, state: StateDep) -> Response:
    """One artifact built at start-up: package.tgz, bundle-transaction.json/.xml or bundle-collection.json/.xml, in
    the FHIR version the `fhirVersion` parameter of Accept names (`Accept: application/gzip; fhirVersion=4.0`; R5
    without); 503 when that version could not be built (its FHIR packages were not installed at start-up)."""
    media_type = MEDIA_TYPES.get(name)
    if media_type is None:
        raise NotFoundError(f"no download named '{name}'; available: {', '.join(MEDIA_TYPES)}")
    target = fhir_version(request)
    if not target.is_r5:
        media_type += f"; fhirVersion={target.short}"
    return Response(
        state.downloads.artifacts(target)[name],
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Vary": "Accept"},
    )


router.add_api_route("/{name}", read_download, methods=["GET"], response_class=Response)
router.add_api_route("/{name}", read_download, methods=["HEAD"], response_class=Response, include_in_schema=False)
