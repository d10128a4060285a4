"""Fixtures for the site tests: the rendered pages and the static site's files, built once per session."""

from __future__ import annotations

from typing import Any

import pytest
from lxml import html as lxml_html

from fhir_ldn.config import Settings
from fhir_ldn.package.index import Package
from fhir_ldn.package.loader import load_traceability
from fhir_ldn.site import render_site, site_files


@pytest.fixture(scope="session")
def trace_data() -> dict[str, Any]:
    return load_traceability(Settings())


@pytest.fixture(scope="session")
def pages(package: Package, trace_data: dict[str, Any]) -> dict[str, str]:
    return render_site(package, trace_data)


@pytest.fixture(scope="session")
def static_files(package: Package, trace_data: dict[str, Any], artifacts: dict[str, bytes]) -> dict[str, bytes]:
    return site_files(package, trace_data, artifacts)


@pytest.fixture(scope="session")
def parsed(pages: dict[str, str]) -> dict[str, Any]:
    """Every HTML page parsed with lxml."""
    return {name: lxml_html.document_fromstring(text) for name, text in pages.items() if name.endswith(".html")}


def text_of(element: Any) -> str:
    """The element's text content with whitespace collapsed (as a reader sees it)."""
    return " ".join(element.text_content().split())
