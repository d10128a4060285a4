"""File input for the validator (an I/O edge): instances, --ig sources (file, folder, package.tgz) and a
resolver that finds referenced resources among the loaded ones and next to the instance file."""

from __future__ import annotations

import json
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fhir_ldn.errors import InputFileError
from fhir_ldn.formats.xml import XmlFormatError, parse_xml_definition

_SUFFIXES = (".json", ".xml")


@dataclass(frozen=True)
class Source:
    """One input document."""

    name: str
    content: bytes

    @property
    def is_xml(self) -> bool:
        if self.name.lower().endswith(".xml"):
            return True
        if self.name.lower().endswith(".json"):
            return False
        return self.content.lstrip()[:1] == b"<"


def instance_files(paths: list[Path]) -> list[Path]:
    """The files to validate: files as given, folders searched recursively for *.json and *.xml."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in _SUFFIXES))
        elif path.is_file():
            out.append(path)
        else:
            raise InputFileError(f"no such file or folder: {path}")
    return out


def read_source(path: Path) -> Source:
    try:
        return Source(str(path), path.read_bytes())
    except OSError as exc:
        raise InputFileError(f"cannot read {path}: {exc}") from exc


def _parse_any(source: Source, fhir_version: str) -> dict[str, Any] | None:
    """A resource from JSON or XML bytes (None if it is neither); XML is read as `fhir_version`."""
    if source.is_xml:
        try:
            return parse_xml_definition(source.content, fhir_version)
        except XmlFormatError:
            return None
    try:
        data = json.loads(source.content)
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) and "resourceType" in data else None


def _package_members(path: Path) -> Iterator[Source]:
    try:
        with tarfile.open(path, "r:*") as tar:
            for member in tar.getmembers():
                name = member.name
                if not member.isfile() or not name.endswith(".json") or name.rsplit("/", 1)[-1].startswith("."):
                    continue
                if name.rsplit("/", 1)[-1] == "package.json":
                    continue
                handle = tar.extractfile(member)
                if handle is not None:
                    yield Source(name, handle.read())
    except (OSError, tarfile.TarError) as exc:
        raise InputFileError(f"cannot read package {path}: {exc}") from exc


def ig_resources(path: Path, fhir_version: str = "5.0.0") -> list[dict[str, Any]]:
    """Every resource in an --ig source: a file, a folder, or a FHIR package (.tgz); Bundles are unpacked.
    XML is read as `fhir_version` (definitions declaring an earlier version are loaded as the HL7 validator does)."""
    if path.is_dir():
        sources: list[Source] = [read_source(p) for p in instance_files([path])]
    elif path.is_file() and path.name.endswith((".tgz", ".tar.gz")):
        sources = list(_package_members(path))
    elif path.is_file():
        sources = [read_source(path)]
    else:
        raise InputFileError(f"no such --ig file or folder: {path}")
    out: list[dict[str, Any]] = []
    for source in sources:
        resource = _parse_any(source, fhir_version)
        if resource is None:
            if path.is_file() and not path.name.endswith((".tgz", ".tar.gz")):
                raise InputFileError(f"--ig {path} is not a FHIR resource")
            continue
        out.extend(_unbundle(resource))
    return out


def _unbundle(resource: dict[str, Any]) -> list[dict[str, Any]]:
    if resource.get("resourceType") != "Bundle":
        return [resource]
    out = [resource]
    for entry in resource.get("entry", []):
        if isinstance(entry, dict) and isinstance(entry.get("resource"), dict):
            out.append(entry["resource"])
    return out


class FileResolver:
    """Resolves `Type/id` references: loaded resources first, then files next to the instance being validated."""

    def __init__(self, known: list[dict[str, Any]], fhir_version: str = "5.0.0"):
        self.fhir_version = fhir_version
        self.by_key: dict[str, dict[str, Any]] = {}
        for r in known:
            if isinstance(r.get("resourceType"), str) and isinstance(r.get("id"), str):
                self.by_key.setdefault(f"{r['resourceType']}/{r['id']}", r)
            if isinstance(r.get("url"), str):
                self.by_key.setdefault(r["url"], r)
        self.folder: Path | None = None

    def __call__(self, reference: str) -> dict[str, Any] | None:
        found = self.by_key.get(reference)
        if found is not None or self.folder is None:
            return found
        parts = reference.rstrip("/").split("/")
        if len(parts) < 2:
            return None
        rtype, rid = parts[-2], parts[-1]
        for name in (f"{rtype.lower()}-{rid}", f"{rtype}-{rid}", rid):
            for suffix in _SUFFIXES:
                candidate = self.folder / f"{name}{suffix}"
                if candidate.is_file():
                    resource = _parse_any(read_source(candidate), self.fhir_version)
                    if resource is not None:
                        return resource
        return None


def _package_manifest(path: Path) -> dict[str, Any] | None:
    """package.json of a FHIR package: a .tgz, or a folder holding package.json or package/package.json."""
    try:
        if path.is_file() and path.name.endswith((".tgz", ".tar.gz")):
            with tarfile.open(path, "r:*") as tar:
                handle = tar.extractfile("package/package.json")
                data = json.loads(handle.read()) if handle is not None else None
                return data if isinstance(data, dict) else None
        for candidate in (path / "package.json", path / "package" / "package.json"):
            if path.is_dir() and candidate.is_file():
                data = json.loads(candidate.read_bytes())
                return data if isinstance(data, dict) else None
    except (OSError, KeyError, ValueError, tarfile.TarError):
        return None
    return None


def declared_version(sources: list[Path], files: list[Path]) -> str | None:
    """The FHIR version the inputs declare: a package's `fhirVersions` (--ig or validated package), else an
    ImplementationGuide's `fhirVersion` among the files. A StructureDefinition's `fhirVersion` is not used:
    it names the version its profiled types come from (the HL7 validator loads R4 profiles for R5)."""
    from fhir_ldn.core_defs.versions import known_release

    for path in sources:
        manifest = _package_manifest(path)
        versions = manifest.get("fhirVersions") if isinstance(manifest, dict) else None
        for version in versions if isinstance(versions, list) else []:
            release = known_release(version)
            if release is not None:
                return release.version
    for path in files:
        source = read_source(path)
        if b"ImplementationGuide" not in source.content[:400]:
            continue
        try:
            resource = _parse_any(source, "5.0.0")
        except Exception:
            resource = None
        versions = resource.get("fhirVersion") if isinstance(resource, dict) else None
        if isinstance(resource, dict) and resource.get("resourceType") == "ImplementationGuide":
            for version in versions if isinstance(versions, list) else []:
                release = known_release(version)
                if release is not None:
                    return release.version
    return None
