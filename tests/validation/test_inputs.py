"""Reading instances and --ig sources, and resolving references to files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fhir_ldn.errors import InputFileError
from fhir_ldn.validation.inputs import FileResolver, Source, ig_resources, instance_files


def test_instance_files(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    for name in ("b.json", "a.xml", "sub/c.json", "notes.md"):
        (tmp_path / name).write_text("{}")
    assert [p.name for p in instance_files([tmp_path])] == ["a.xml", "b.json", "c.json"]
    with pytest.raises(InputFileError):
        instance_files([tmp_path / "nope.json"])


def test_ig_sources_unpack_bundles_and_read_xml(tmp_path: Path) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": {"resourceType": "ValueSet", "url": "u"}}],
    }
    (tmp_path / "bundle.json").write_text(json.dumps(bundle))
    (tmp_path / "cs.xml").write_text(
        '<CodeSystem xmlns="http://hl7.org/fhir"><url value="x"/><status value="active"/>'
        '<content value="complete"/></CodeSystem>'
    )
    found = ig_resources(tmp_path)
    assert sorted(r["resourceType"] for r in found) == ["Bundle", "CodeSystem", "ValueSet"]
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(InputFileError):
        ig_resources(tmp_path / "broken.json")


def test_sources_know_their_format() -> None:
    assert Source("x.xml", b"{}").is_xml
    assert not Source("x.json", b"<a/>").is_xml
    assert Source("stdin", b"  <Patient/>").is_xml


def test_file_resolver(tmp_path: Path) -> None:
    resolver = FileResolver(
        [{"resourceType": "Organization", "id": "o1"}, {"resourceType": "ValueSet", "url": "http://vs"}]
    )
    assert resolver("Organization/o1") is not None
    assert resolver("http://vs") is not None
    assert resolver("Patient/p1") is None
    (tmp_path / "Patient-p1.json").write_text(json.dumps({"resourceType": "Patient", "id": "p1"}))
    resolver.folder = tmp_path
    assert resolver("Patient/p1") == {"resourceType": "Patient", "id": "p1"}
    assert resolver("http://server/fhir/Patient/p1") == {"resourceType": "Patient", "id": "p1"}
