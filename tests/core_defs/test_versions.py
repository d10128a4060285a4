"""FHIR versions by name, and the R4 core package assembled from the specification's definitions bundles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fhir_ldn.core_defs import spec_bundles
from fhir_ldn.core_defs.cache import PackageInstallError, sri_sha512
from fhir_ldn.core_defs.definitions import CoreDefinitions
from fhir_ldn.core_defs.versions import known_release, release_for
from fhir_ldn.errors import UnknownFhirVersionError
from tests.core_defs.fake_npm import tarball


def test_versions_by_any_of_their_names() -> None:
    assert release_for("4.0").core == ("hl7.fhir.r4.core", "4.0.1")
    assert release_for("4.0.1").name == release_for("R4").name == "R4"
    assert release_for("4.3").core == ("hl7.fhir.r4b.core", "4.3.0")
    assert release_for("5.0").version == release_for("r5").version == "5.0.0"
    with pytest.raises(UnknownFhirVersionError, match=r"'3\.0\.2' is not supported"):
        release_for("3.0.2")
    assert known_release("1.0.2") is None
    assert known_release(None) is None


def _bundles_tarball(path: Path, build: str) -> Path:
    folder = "package/dist/fhir/r4"
    types = {
        "resourceType": "Bundle",
        "entry": [
            {"resource": {"resourceType": "StructureDefinition", "id": "Element", "url": "http://x/Element"}},
            {"resource": {"resourceType": "StructureDefinition", "id": "string", "url": "http://x/string"}},
        ],
    }
    empty = {"resourceType": "Bundle", "entry": []}
    files = {f"{folder}/{name}": json.dumps(empty).encode() for name in spec_bundles._R4_BUNDLES}
    files[f"{folder}/profiles-types.json"] = json.dumps(types).encode()
    files[f"{folder}/version.info"] = f"[FHIR]\nFhirVersion={build}\n".encode()
    return tarball(path, files)


def _pinned(monkeypatch: pytest.MonkeyPatch, tgz: Path) -> None:
    spec = spec_bundles.SPEC_BUNDLES[("hl7.fhir.r4.core", "4.0.1")]
    pinned = spec_bundles.SpecBundles(
        spec.npm_name, spec.npm_version, sri_sha512(tgz.read_bytes()), spec.folder, spec.files, spec.build
    )
    monkeypatch.setitem(spec_bundles.SPEC_BUNDLES, ("hl7.fhir.r4.core", "4.0.1"), pinned)


def test_r4_core_is_split_from_the_bundles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tgz = _bundles_tarball(tmp_path / "defs.tgz", "4.0.1-9346c8cc45")
    _pinned(monkeypatch, tgz)
    target = spec_bundles.install_from_bundles("hl7.fhir.r4.core", "4.0.1", tmp_path / "cache", lambda *_: tgz)
    folder = target / "package"
    assert sorted(p.name for p in folder.glob("*.json")) == [
        "StructureDefinition-Element.json",
        "StructureDefinition-string.json",
        "package.json",
    ]
    manifest = json.loads((folder / "package.json").read_text())
    assert (manifest["name"], manifest["fhirVersions"]) == ("hl7.fhir.r4.core", ["4.0.1"])
    assert CoreDefinitions(folder).resource("http://x/string") == {
        "resourceType": "StructureDefinition",
        "id": "string",
        "url": "http://x/string",
    }


def test_bundles_of_another_build_or_a_changed_tarball_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = _bundles_tarball(tmp_path / "other.tgz", "4.0.0-a53ec6ee1b")
    _pinned(monkeypatch, other)
    with pytest.raises(PackageInstallError, match=r"does not hold the FHIR 4\.0\.1-9346c8cc45 bundles"):
        spec_bundles.install_from_bundles("hl7.fhir.r4.core", "4.0.1", tmp_path / "c1", lambda *_: other)
    changed = _bundles_tarball(tmp_path / "changed.tgz", "4.0.1-9346c8cc45")
    changed.write_bytes(changed.read_bytes() + b"\0")
    with pytest.raises(PackageInstallError, match="sha512 mismatch"):
        spec_bundles.install_from_bundles("hl7.fhir.r4.core", "4.0.1", tmp_path / "c2", lambda *_: changed)
    assert not (tmp_path / "c1" / "hl7.fhir.r4.core#4.0.1").exists()
