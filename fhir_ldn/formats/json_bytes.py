"""Deterministic JSON serialisation (stable key order as authored, UTF-8, trailing newline)."""

from __future__ import annotations

import json
from typing import Any


def dump_bytes(data: Any) -> bytes:
    """Pretty, deterministic JSON bytes: the same input always gives the same bytes."""
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
