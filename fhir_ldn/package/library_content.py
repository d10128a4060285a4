"""A Library's content authored as files beside the resources (CQL source, its ELM): checked and held inline.

An authored `Library.content` attachment may name a file under resources/ by a relative `url`
(`cql/LdnSsriLogic.cql`); the loader reads it and the attachment gets the file's bytes as `data` (base64) in
place of the url, so every package version carries the logic itself. The canonical base is rewritten inside the
text as in every other string of the package (`fhir_ldn.package.assemble.rebase`). ELM that records translator
errors or warnings (`CqlToElmError` annotations) is refused with the file and line: the ELM must come from a
clean translation (`python -m fhir_ldn.cql.translate`).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from typing import Any

from fhir_ldn.constants import AUTHORED_CANONICAL_BASE
from fhir_ldn.errors import ResourceFileError

ELM_JSON = "application/elm+json"


def content_files(resource: Mapping[str, Any]) -> list[str]:
    """The relative file names a Library's content attachments name by `url` (and hold no `data` for)."""
    if resource.get("resourceType") != "Library":
        return []
    return [
        str(c["url"])
        for c in resource.get("content") or ()
        if isinstance(c, dict) and isinstance(c.get("url"), str) and "data" not in c and "://" not in c["url"]
    ]


def _check_elm(text: str, location: str) -> None:
    try:
        elm = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResourceFileError(f"malformed ELM JSON at line {exc.lineno}: {exc.msg}", location=location) from exc
    annotations = (elm.get("library") or {}).get("annotation") or [] if isinstance(elm, dict) else []
    for note in annotations:
        if isinstance(note, dict) and note.get("type") == "CqlToElmError":
            where = f"line {note.get('startLine')}, column {note.get('startChar')}"
            severity, message = note.get("errorSeverity"), note.get("message")
            raise ResourceFileError(
                f"the ELM records a translator {severity} at {where} of the CQL: {message}", location=location
            )


def embed_content(resource: Mapping[str, Any], read: Callable[[str], str], base: str, location: str) -> dict[str, Any]:
    """The Library with each file-named attachment's text inline (`data`, base64), the canonical base rewritten.

    `read(name)` gives a file's text (raising ResourceFileError if it cannot be read).
    """
    names = set(content_files(resource))
    if not names:
        return dict(resource)
    content = []
    for attachment in resource.get("content") or ():
        name = attachment.get("url") if isinstance(attachment, dict) else None
        if name not in names:
            content.append(attachment)
            continue
        if name.startswith("/") or ".." in name.split("/"):
            raise ResourceFileError(f"content file {name!r} is outside resources/", location=location)
        text = read(name)
        if attachment.get("contentType") == ELM_JSON:
            _check_elm(text, f"resources/{name}")
        if base != AUTHORED_CANONICAL_BASE:
            text = text.replace(AUTHORED_CANONICAL_BASE + "/", base + "/")
        inline = {k: v for k, v in attachment.items() if k != "url"}
        inline["data"] = base64.b64encode(text.encode("utf-8")).decode("ascii")
        content.append(inline)
    return {**resource, "content": content}
