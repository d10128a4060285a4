"""Deterministic JSON serialisation (stable key order as authored, UTF-8, trailing newline, decimals as read)."""

from __future__ import annotations

from typing import Any

from fhir_ldn.formats.decimal_json import dumps


def dump_bytes(data: Any) -> bytes:
    """Pretty, deterministic JSON bytes: the same input always gives the same bytes."""
    return (dumps(data, indent=2) + "\n").encode("utf-8")
