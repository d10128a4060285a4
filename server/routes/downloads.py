"""Downloads of the built package: package.tgz and the transaction/collection Bundles."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from fhir_ldn.errors import NotFoundError
from fhir_ldn.package import build
from server.deps import StateDep

router = APIRouter(prefix="/downloads", tags=["downloads"])

_MEDIA_TYPES = {
    build.PACKAGE_TGZ: "application/gzip",
    build.TRANSACTION_JSON: "application/fhir+json",
    build.TRANSACTION_XML: "application/fhir+xml",
    build.COLLECTION_JSON: "application/fhir+json",
}


def read_download(name: str, state: StateDep) -> Response:
    """One built artifact: package.tgz, bundle-transaction.json/.xml or bundle-collection.json."""
    media_type = _MEDIA_TYPES.get(name)
    if media_type is None:
        raise NotFoundError(f"no download named '{name}'; available: {', '.join(_MEDIA_TYPES)}")
    return Response(
        state.artifacts[name], media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


router.add_api_route("/{name}", read_download, methods=["GET"], response_class=Response)
router.add_api_route("/{name}", read_download, methods=["HEAD"], response_class=Response, include_in_schema=False)
