"""Read the authored FHIR JSON files from resources/ and profiles/ into a checked Package."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fhir_ldn.config import Settings
from fhir_ldn.errors import ResourceFileError
from fhir_ldn.formats.decimal_json import JsonDecimal
from fhir_ldn.package.assemble import assemble_package
from fhir_ldn.package.index import Package
from fhir_ldn.package.library_content import embed_content


@dataclass(frozen=True)
class SourceFile:
    """One authored resource and where it came from (for error messages)."""

    location: str
    resource: dict[str, Any]


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate JSON property '{key}'")
        out[key] = value
    return out


def parse_resource_text(text: str, location: str) -> dict[str, Any]:
    """Parse one resource file's text; raise ResourceFileError naming the file on any problem."""
    try:
        data = json.loads(text, object_pairs_hook=_reject_duplicates, parse_float=JsonDecimal)  # 1.50 stays 1.50
    except json.JSONDecodeError as exc:
        raise ResourceFileError(
            f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", location=location
        ) from exc
    except ValueError as exc:
        raise ResourceFileError(str(exc), location=location) from exc
    if not isinstance(data, dict) or not isinstance(data.get("resourceType"), str):
        raise ResourceFileError("not a FHIR resource: no resourceType", location=location, expression="resourceType")
    if not isinstance(data.get("id"), str):
        raise ResourceFileError("resource has no id", location=location, expression=f"{data['resourceType']}.id")
    return data


def read_folder(folder: Path, label: str) -> list[SourceFile]:
    """Every `*.json` file of a folder, sorted by name."""
    if not folder.is_dir():
        raise ResourceFileError(f"folder not found: {folder}", location=label)
    out = []
    for path in sorted(folder.glob("*.json")):
        location = f"{label}/{path.name}"
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ResourceFileError(f"cannot read file: {exc}", location=location) from exc
        out.append(SourceFile(location, parse_resource_text(text, location)))
    return out


def _reader(folder: Path) -> Callable[[str], str]:
    """Reads a content file (a Library's CQL or ELM) under `folder`, naming it in the error if it cannot."""

    def read(name: str) -> str:
        try:
            return (folder / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ResourceFileError(f"cannot read content file: {exc}", location=f"resources/{name}") from exc

    return read


def load_package(settings: Settings | None = None) -> Package:
    """Load, rebase, narrate and check resources/ and profiles/; raise PackageError if anything is wrong.

    A Library's content attachments that name a file under resources/ get its text inline
    (`fhir_ldn.package.library_content`).
    """
    settings = settings or Settings.from_env()
    read = _reader(settings.resources_dir)
    sources = [
        SourceFile(s.location, embed_content(s.resource, read, settings.canonical_base, s.location))
        for s in read_folder(settings.resources_dir, "resources")
    ] + read_folder(settings.profiles_dir, "profiles")
    return assemble_package([(s.location, s.resource) for s in sources], settings)


def load_traceability(settings: Settings | None = None) -> dict[str, Any]:
    """The traceability table (docs/traceability.json)."""
    settings = settings or Settings.from_env()
    location = str(settings.traceability_file)
    try:
        text = settings.traceability_file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ResourceFileError(f"cannot read file: {exc}", location=location) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResourceFileError(f"malformed JSON at line {exc.lineno}: {exc.msg}", location=location) from exc
    if not isinstance(data, dict):
        raise ResourceFileError("expected a JSON object", location=location)
    return data
