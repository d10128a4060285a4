"""Installing FHIR packages into the package cache: verified, extracted safely, indexed."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from fhir_ldn.core_defs.cache import PackageInstallError, ensure_package, install_tarball, sri_sha512
from fhir_ldn.core_defs.definitions import CoreDefinitions


def _tarball(path: Path, files: dict[str, bytes]) -> Path:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    path.write_bytes(buf.getvalue())
    return path


SD = {
    "resourceType": "StructureDefinition",
    "url": "http://example.org/SD/Thing",
    "type": "Thing",
    "derivation": "specialization",
    "kind": "resource",
}
VS = {"resourceType": "ValueSet", "url": "http://example.org/VS/x", "status": "active"}


def test_install_and_index_unpinned_package(tmp_path: Path) -> None:
    tgz = _tarball(
        tmp_path / "p.tgz",
        {
            "package/package.json": b'{"name": "x.y", "version": "1.0.0"}',
            "package/StructureDefinition-Thing.json": json.dumps(SD).encode(),
            "package/ValueSet-x.json": json.dumps(VS).encode(),
        },
    )
    folder = install_tarball(tgz, "x.y", "1.0.0", tmp_path / "cache") / "package"
    assert folder == tmp_path / "cache" / "x.y#1.0.0" / "package"
    assert ensure_package("x.y", "1.0.0", tmp_path / "cache") == folder  # cached: no npm needed
    defs = CoreDefinitions(folder)
    assert defs.structure_definition_for_type("Thing") == SD
    assert defs.resource("http://example.org/VS/x|1.0") == VS
    assert defs.resource("http://example.org/none") is None
    assert (folder / ".fhir-ldn-index.json").is_file()


def test_pinned_package_with_wrong_hash_is_refused(tmp_path: Path) -> None:
    tgz = _tarball(tmp_path / "core.tgz", {"package/package.json": b"{}"})
    with pytest.raises(PackageInstallError, match="sha512 mismatch"):
        install_tarball(tgz, "hl7.fhir.r5.core", "5.0.0", tmp_path / "cache")
    assert not (tmp_path / "cache" / "hl7.fhir.r5.core#5.0.0").exists()


def test_tarball_escaping_the_folder_is_refused(tmp_path: Path) -> None:
    tgz = _tarball(tmp_path / "evil.tgz", {"package/package.json": b"{}", "../../escape.txt": b"x"})
    with pytest.raises(tarfile.OutsideDestinationError):
        install_tarball(tgz, "evil.pkg", "1.0.0", tmp_path / "cache")
    assert not (tmp_path / "escape.txt").exists()


def test_tarball_without_manifest_is_refused(tmp_path: Path) -> None:
    tgz = _tarball(tmp_path / "bad.tgz", {"other/file.json": b"{}"})
    with pytest.raises(PackageInstallError, match=r"no package/package\.json"):
        install_tarball(tgz, "bad.pkg", "1.0.0", tmp_path / "cache")


def test_sri_format() -> None:
    assert sri_sha512(b"").startswith(
        "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg=="
    )


def test_derived_data_is_cached_next_to_the_package(tmp_path: Path) -> None:
    folder = tmp_path / "package"
    folder.mkdir()
    (folder / "StructureDefinition-Thing.json").write_text(json.dumps(SD), encoding="utf-8")
    defs = CoreDefinitions(folder)
    calls: list[int] = []

    def build(d: CoreDefinitions) -> dict[str, object]:
        calls.append(1)
        return {"types": d.type_names()}

    assert defs.derived("thing", 1, build)["types"] == ["Thing"]
    assert (folder / ".fhir-ldn-thing.json").is_file()
    assert CoreDefinitions(folder).derived("thing", 1, build)["types"] == ["Thing"]
    assert len(calls) == 1  # the second read came from the file
    CoreDefinitions(folder).derived("thing", 2, build)  # a new version rebuilds
    assert len(calls) == 2
