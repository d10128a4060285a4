"""Installing FHIR packages into the package cache: verified, extracted safely, indexed."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest

from fhir_ldn.core_defs.cache import (
    PackageInstallError,
    ensure_package,
    install_tarball,
    installs_forbidden,
    sri_sha512,
)
from fhir_ldn.core_defs.definitions import CoreDefinitions
from fhir_ldn.errors import DefinitionsUnavailableError
from tests.core_defs.fake_npm import fake_npm, tarball

SD = {
    "resourceType": "StructureDefinition",
    "url": "http://example.org/SD/Thing",
    "type": "Thing",
    "derivation": "specialization",
    "kind": "resource",
}
VS = {"resourceType": "ValueSet", "url": "http://example.org/VS/x", "status": "active"}


def test_install_and_index_unpinned_package(tmp_path: Path) -> None:
    tgz = tarball(
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
    tgz = tarball(tmp_path / "core.tgz", {"package/package.json": b"{}"})
    with pytest.raises(PackageInstallError, match="sha512 mismatch"):
        install_tarball(tgz, "hl7.fhir.r5.core", "5.0.0", tmp_path / "cache")
    assert not (tmp_path / "cache" / "hl7.fhir.r5.core#5.0.0").exists()


def test_tarball_escaping_the_folder_is_refused(tmp_path: Path) -> None:
    tgz = tarball(tmp_path / "evil.tgz", {"package/package.json": b"{}", "../../escape.txt": b"x"})
    with pytest.raises(tarfile.OutsideDestinationError):
        install_tarball(tgz, "evil.pkg", "1.0.0", tmp_path / "cache")
    assert not (tmp_path / "escape.txt").exists()


def test_tarball_without_manifest_is_refused(tmp_path: Path) -> None:
    tgz = tarball(tmp_path / "bad.tgz", {"other/file.json": b"{}"})
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


def test_a_download_is_reported_package_size_progress_and_done(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    release = tmp_path / "release"
    cache = fake_npm(tmp_path, monkeypatch, release)
    heard: list[str] = []

    def report(message: str) -> None:
        heard.append(message)
        if "still downloading" in message:
            release.touch()  # only now may the fake npm finish: the heartbeat is seen without timing assumptions

    folder = ensure_package("x.y", "1.0.0", cache, report=report, every=0.01)
    assert folder == cache / "x.y#1.0.0" / "package"
    assert (
        heard[0]
        == f"x.y#1.0.0: not in the FHIR package cache ({cache}); downloading from the npm registry with npm pack..."
    )
    assert heard[1].startswith("x.y#1.0.0: still downloading (")
    assert heard[-2].startswith("x.y#1.0.0: downloaded 0.0 MB; checking its sha512 and extracting")
    assert heard[-1].startswith(f"x.y#1.0.0: done, 0.0 MB in {cache / 'x.y#1.0.0'} (")
    heard.clear()
    assert ensure_package("x.y", "1.0.0", cache, report=report) == folder
    assert heard == [f"x.y#1.0.0: already in the FHIR package cache ({folder.parent}), nothing to download"]


def test_the_download_size_of_a_pinned_package_is_announced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-npm-here"))
    heard: list[str] = []
    with pytest.raises(PackageInstallError, match="npm is not installed"):
        ensure_package("hl7.fhir.r5.core", "5.0.0", tmp_path / "cache", report=heard.append)
    assert heard == [
        f"hl7.fhir.r5.core#5.0.0: not in the FHIR package cache ({tmp_path / 'cache'}); downloading 16.3 MB from "
        "the npm registry with npm pack..."
    ]


def test_no_install_where_installs_are_forbidden(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Inside `installs_forbidden` (every request the server answers) a missing package is a 503-class error naming
    `fhir-ldn setup`, and npm is not run; outside it the same call installs the package."""
    cache = fake_npm(tmp_path, monkeypatch)
    with installs_forbidden(), pytest.raises(DefinitionsUnavailableError, match=r"x\.y#1\.0\.0 is not in the FHIR"):
        ensure_package("x.y", "1.0.0", cache)
    assert not cache.exists()
    assert ensure_package("x.y", "1.0.0", cache) == cache / "x.y#1.0.0" / "package"
    with installs_forbidden():  # what the cache holds is still read
        assert ensure_package("x.y", "1.0.0", cache) == cache / "x.y#1.0.0" / "package"
