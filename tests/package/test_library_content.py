"""The logic Library holds its CQL and ELM inline, rebased, from a clean translation; broken content stops the load."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from fhir_ldn.config import Settings
from fhir_ldn.errors import ResourceFileError
from fhir_ldn.package.index import Package
from fhir_ldn.package.loader import load_package

REPO = Path(__file__).resolve().parents[2]
CQL = REPO / "resources" / "cql" / "LdnSsriLogic.cql"
ELM = REPO / "resources" / "cql" / "LdnSsriLogic.elm.json"


def contents(package: Package) -> dict[str, str]:
    library = package.require("Library", "ldn-ssri-logic")
    return {c["contentType"]: base64.b64decode(c["data"]).decode("utf-8") for c in library["content"]}


def test_the_library_holds_the_cql_and_its_elm(package: Package) -> None:
    held = contents(package)
    assert held == {"text/cql": CQL.read_text("utf-8"), "application/elm+json": ELM.read_text("utf-8")}
    assert all("url" not in c for c in package.require("Library", "ldn-ssri-logic")["content"])
    elm = json.loads(held["application/elm+json"])
    library = package.require("Library", "ldn-ssri-logic")
    assert elm["library"]["identifier"] == {"id": library["name"], "version": library["version"]}
    assert f"library {library['name']} version '{library['version']}'" in held["text/cql"]


def test_the_library_names_every_value_set_the_logic_uses(package: Package) -> None:
    elm = json.loads(contents(package)["application/elm+json"])
    used = {vs["id"] for vs in elm["library"]["valueSets"]["def"]}
    library = package.require("Library", "ldn-ssri-logic")
    named = {a["resource"] for a in library["relatedArtifact"] if "/ValueSet/" in a.get("resource", "")}
    assert used == named == {package.meta.canonical + "/ValueSet/naltrexone", package.meta.canonical + "/ValueSet/ssri"}
    assert all(package.resolve_canonical(url) is not None for url in named)
    outputs = {p["name"] for p in library["parameter"] if p["use"] == "out"}
    assert outputs <= {d["name"] for d in elm["library"]["statements"]["def"]}


def test_the_canonical_base_is_rewritten_inside_the_cql(knowledge_copy: Settings) -> None:
    settings = Settings(
        resources_dir=knowledge_copy.resources_dir,
        profiles_dir=knowledge_copy.profiles_dir,
        canonical_base="https://example.org/fhir",
    )
    held = contents(load_package(settings))
    for text in held.values():
        assert "https://example.org/fhir/ValueSet/ssri" in text
        assert "https://fhir-ldn.github.io/fhir/" not in text


def test_an_elm_with_translator_errors_is_refused(knowledge_copy: Settings) -> None:
    path = knowledge_copy.resources_dir / "cql" / "LdnSsriLogic.elm.json"
    elm = json.loads(path.read_text("utf-8"))
    elm["library"]["annotation"].append(
        {"type": "CqlToElmError", "startLine": 40, "startChar": 3, "errorSeverity": "warning", "message": "hiding"}
    )
    path.write_text(json.dumps(elm), "utf-8")
    with pytest.raises(ResourceFileError, match="warning at line 40, column 3 of the CQL: hiding") as caught:
        load_package(knowledge_copy)
    assert caught.value.location == "resources/cql/LdnSsriLogic.elm.json"


def test_a_missing_content_file_is_named(knowledge_copy: Settings) -> None:
    (knowledge_copy.resources_dir / "cql" / "LdnSsriLogic.cql").unlink()
    with pytest.raises(ResourceFileError, match="cannot read content file") as caught:
        load_package(knowledge_copy)
    assert caught.value.location == "resources/cql/LdnSsriLogic.cql"
