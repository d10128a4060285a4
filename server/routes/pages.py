"""The browsable pages at `/`: the overview, one page per resource, evidence and traceability (HTML, no JS)."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from starlette.convertors import Convertor, register_url_convertor
from starlette.routing import Match

from fhir_ldn.errors import NotFoundError
from fhir_ldn.site.files import MEDIA_TYPES, resource_file
from fhir_ldn.site.render import Links, render_site
from server.deps import StateDep
from server.state import AppState

router = APIRouter(tags=["pages"])

# Pages with no inline script or style and no third-party resources: the policy lets nothing else load.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
FHIR_READ_LINKS = Links(
    json_pattern="/fhir/{type}/{id}?_format=json",
    xml_pattern="/fhir/{type}/{id}?_format=xml",
    package_tgz="downloads/package.tgz",
)
LOCAL_LINKS = Links(package_tgz="downloads/package.tgz")
_CACHE_KEY = "site.pages"


class SiteFileConvertor(Convertor[str]):
    """Matches one flat file name of the site (`index.html`, `ValueSet-ssri.json`), never a path or a bare word."""

    regex = r"[A-Za-z0-9][A-Za-z0-9._-]*\.(?:html|css|json|xml)"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("sitefile", SiteFileConvertor())


def _serves_fhir_read(app: FastAPI) -> bool:
    """True if another route of the app answers `GET /fhir/{type}/{id}` (then the pages link there)."""
    scope = {"type": "http", "method": "GET", "path": "/fhir/PlanDefinition/example", "root_path": ""}
    return any(
        route.matches(scope)[0] == Match.FULL
        for route in app.router.routes
        if getattr(route, "endpoint", None) is not read_site_file
    )


def _site(state: AppState, app: FastAPI) -> dict[str, str]:
    """The rendered pages, built on the first request (when every router of the app is known) and kept."""
    cached = state.extras.get(_CACHE_KEY)
    if not isinstance(cached, dict):
        links = FHIR_READ_LINKS if _serves_fhir_read(app) else LOCAL_LINKS
        cached = render_site(state.package, state.traceability, links)
        state.extras[_CACHE_KEY] = cached
    return cached


def _page(state: AppState, app: FastAPI, name: str) -> Response:
    pages = _site(state, app)
    suffix = name[name.rfind(".") :]
    if name in pages:
        return Response(pages[name], media_type=MEDIA_TYPES[suffix], headers=SECURITY_HEADERS)
    if suffix in (".json", ".xml"):  # the static site's file names work on the server too
        type_name, _, rest = name.partition("-")
        resource = state.package.get(type_name, rest[: -len(suffix)])
        if resource is not None:
            return Response(resource_file(resource, suffix), media_type=MEDIA_TYPES[suffix], headers=SECURITY_HEADERS)
    raise NotFoundError(f"no page '{name}': start at / for the overview")


@router.api_route("/", methods=["GET", "HEAD"], response_class=Response, include_in_schema=False)
def read_overview(request: Request, state: StateDep) -> Response:
    """The overview page: the question, the article's answer and the way into every resource."""
    return _page(state, request.app, "index.html")


@router.api_route("/{name:sitefile}", methods=["GET", "HEAD"], response_class=Response, include_in_schema=False)
def read_site_file(name: str, request: Request, state: StateDep) -> Response:
    """One page of the site, or a resource's JSON or XML under its static-site name (`ValueSet-ssri.json`)."""
    return _page(state, request.app, name)
