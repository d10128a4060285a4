"""The static site (dist/site): every internal link and anchor resolves from the files alone."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from lxml import etree
from lxml import html as lxml_html

from fhir_ldn.package.index import Package
from fhir_ldn.site.files import MEDIA_TYPES


def _html(files: dict[str, bytes]) -> dict[str, Any]:
    return {n: lxml_html.document_fromstring(b.decode("utf-8")) for n, b in files.items() if n.endswith(".html")}


def test_site_files_have_no_broken_internal_links(static_files: dict[str, bytes]) -> None:
    docs = _html(static_files)
    checked = 0
    for name, doc in docs.items():
        for href in doc.xpath("//a/@href | //link[@rel='stylesheet']/@href"):
            parts = urlsplit(href)
            if parts.scheme or parts.netloc:
                assert parts.scheme == "https", f"{name}: {href}"
                continue
            assert not href.startswith("/"), f"{name}: {href} is absolute, which breaks when opened from files"
            target = parts.path or name
            assert target in static_files, f"{name} links to missing {target}"
            if parts.fragment:
                assert docs[target].xpath(f"//*[@id='{parts.fragment}']"), f"{name} links to missing {href}"
            checked += 1
    assert checked > 500


def test_site_files_only_external_links_are_dois(static_files: dict[str, bytes]) -> None:
    external = {
        href for doc in _html(static_files).values() for href in doc.xpath("//a/@href") if urlsplit(href).scheme
    }
    assert external
    assert all(h.startswith("https://doi.org/10.") for h in external), sorted(external)


def test_site_files_hold_each_resource_as_json_and_xml(package: Package, static_files: dict[str, bytes]) -> None:
    for resource in package:
        base = f"{resource['resourceType']}-{resource['id']}"
        assert json.loads(static_files[f"{base}.json"]) == resource
        root = etree.fromstring(static_files[f"{base}.xml"])
        assert root.tag == f"{{http://hl7.org/fhir}}{resource['resourceType']}"
    assert static_files["package.tgz"][:2] == b"\x1f\x8b"
    assert {name[name.rfind(".") :] for name in static_files} <= set(MEDIA_TYPES)
