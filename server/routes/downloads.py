"""Downloads of the built package: package.tgz and the transaction/collection Bundles."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from fhir_ldn.package import build
from server.deps import StateDep

router = APIRouter(prefix="/downloads", tags=["downloads"])

_MEDIA_TYPES = {
    build.PACKAGE_TGZ: "application/gzip",
    build.TRANSACTION_JSON: "application/fhir+json",
    build.TRANSACTION_XML: "application/fhir+xml",
    build.COLLECTION_JSON: "application/fhir+json",
}


def _download(state: StateDep, name: str) -> Response:
    return Response(
        state.artifacts[name],
        media_type=_MEDIA_TYPES[name],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.api_route("/package.tgz", methods=["GET", "HEAD"], response_class=Response)
def read_package_tgz(state: StateDep) -> Response:
    """The FHIR NPM package."""
    return _download(state, build.PACKAGE_TGZ)


@router.api_route("/bundle-transaction.json", methods=["GET", "HEAD"], response_class=Response)
def read_transaction_json(state: StateDep) -> Response:
    """The transaction Bundle (conditional creates), JSON."""
    return _download(state, build.TRANSACTION_JSON)


@router.api_route("/bundle-transaction.xml", methods=["GET", "HEAD"], response_class=Response)
def read_transaction_xml(state: StateDep) -> Response:
    """The transaction Bundle (conditional creates), XML."""
    return _download(state, build.TRANSACTION_XML)


@router.api_route("/bundle-collection.json", methods=["GET", "HEAD"], response_class=Response)
def read_collection_json(state: StateDep) -> Response:
    """Every resource of the package in a collection Bundle."""
    return _download(state, build.COLLECTION_JSON)
