"""The FHIR NPM package (package.tgz): package.json, .index.json and one Type-id.json per resource."""

from __future__ import annotations

import gzip
import io
import re
import tarfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from fhir_ldn.errors import PackageError
from fhir_ldn.formats.json_bytes import dump_bytes
from fhir_ldn.package.bundles import ordered
from fhir_ldn.package.index import Package, Resource
from fhir_ldn.package.narrative import with_narrative
from fhir_ldn.xver.targets import R5, FhirTarget, target_for

_INDEX_FIELDS = ("url", "version", "kind", "type", "supplements", "content")


def implementation_guide(package: Package) -> Resource:
    """The ImplementationGuide resource a FHIR NPM package should carry ({canonical}/ImplementationGuide/{id})."""
    meta = package.meta
    resource: Resource = {
        "resourceType": "ImplementationGuide",
        "id": meta.id,
        "url": f"{meta.canonical}/ImplementationGuide/{meta.id}",
        "version": meta.version,
        "name": re.sub(r"[^A-Za-z0-9]", "", meta.id.title()),
        "title": meta.title,
        "status": "draft",
        "experimental": False,
        "date": meta.date,
        "publisher": meta.author,
        "description": meta.description,
        "packageId": meta.id,
        "license": meta.license,
        "fhirVersion": [meta.fhir_version],
        "definition": {
            "resource": [
                {
                    "reference": {"reference": f"{r['resourceType']}/{r['id']}"},
                    "name": r.get("title") or (r["name"] if isinstance(r.get("name"), str) else r["id"]),
                    "isExample": False,
                }
                for r in ordered(package)
            ]
        },
    }
    return with_narrative(resource)


def _target(package: Package) -> FhirTarget:
    return target_for(package.meta.fhir_version) or R5


def package_json(package: Package) -> dict[str, Any]:
    """package.json: fhirVersions and the dependencies (core and HL7 Terminology) of the package's FHIR version."""
    meta = package.meta
    target = _target(package)
    return {
        "name": meta.id,
        "version": meta.version,
        "type": "IG",
        "date": meta.date.replace("-", "") + "000000",
        "title": meta.title,
        "description": meta.description,
        "canonical": meta.canonical,
        "url": meta.canonical,
        "fhirVersions": [target.version],
        "dependencies": dict([target.core_package, target.terminology_package]),
        "author": meta.author,
        "license": meta.license,
    }


def file_name(resource: Resource) -> str:
    return f"{resource['resourceType']}-{resource['id']}.json"


def index_json(resources: list[Resource]) -> dict[str, Any]:
    files = []
    for r in resources:
        entry: dict[str, Any] = {"filename": file_name(r), "resourceType": r["resourceType"], "id": r["id"]}
        entry.update({f: r[f] for f in _INDEX_FIELDS if isinstance(r.get(f), str)})
        files.append(entry)
    return {"index-version": 2, "files": sorted(files, key=lambda f: f["filename"])}


Snapshots = Mapping[str, Sequence[dict[str, Any]]]  # StructureDefinition url -> its snapshot elements


def with_snapshots(resources: list[Resource], snapshots: Snapshots) -> list[Resource]:
    """The resources, each differential-only StructureDefinition with its snapshot from `snapshots` (generated
    by the caller: `fhir_ldn.validation.profile_snapshots`), the differential kept after it."""
    out = []
    for resource in resources:
        if resource["resourceType"] == "StructureDefinition" and not resource.get("snapshot"):
            elements = snapshots.get(str(resource.get("url")))
            if not elements:
                raise PackageError(f"StructureDefinition/{resource['id']}: no snapshot was given for the package build")
            resource = {k: v for k, v in resource.items() if k != "differential"} | {
                "snapshot": {"element": list(elements)},
                "differential": resource["differential"],
            }
        out.append(resource)
    return out


def package_files(package: Package, snapshots: Snapshots | None = None) -> dict[str, bytes]:
    """Path inside the tarball -> content, for every file of the package (R5: profiles with the given snapshots).

    A package converted to R4B or R4 (`fhir_ldn.xver`) gets the ImplementationGuide in that version, and no
    generated snapshots (its only StructureDefinition is the evidence extension, a differential on Extension).
    """
    target = _target(package)
    if target.is_r5:
        resources = with_snapshots([*ordered(package), implementation_guide(package)], snapshots or {})
    else:
        from fhir_ldn.xver.package import converter

        guide = converter(package, target).resource(implementation_guide(package))
        resources = [*ordered(package), guide]
    files = {f"package/{file_name(r)}": dump_bytes(r) for r in resources}
    files["package/package.json"] = dump_bytes(package_json(package))
    files["package/.index.json"] = dump_bytes(index_json(resources))
    return dict(sorted(files.items()))


def package_tgz(package: Package, snapshots: Snapshots | None = None) -> bytes:
    """A byte-identical tarball for the same package (fixed mtimes and owners, sorted entries, gzip mtime 0)."""
    mtime = int(datetime.fromisoformat(package.meta.date).replace(tzinfo=UTC).timestamp())
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, content in package_files(package, snapshots).items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            info.mtime = mtime
            info.mode = 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(content))
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0, filename="") as gz:
        gz.write(raw.getvalue())
    return out.getvalue()
