"""Canonical references: url|version, and choosing among versions."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key for versions: numeric parts numerically (1.10 > 1.9), others as text."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[.\-+]", version))


def split_canonical(canonical: str) -> tuple[str, str | None]:
    url, _, version = canonical.partition("|")
    return url, version or None


def pick_version(candidates: list[Mapping[str, Any]], version: str | None) -> Mapping[str, Any] | None:
    """The candidate with exactly this version, else (no version asked) the highest; earlier ones win ties."""
    if version is not None:
        return next((c for c in candidates if c.get("version") == version), None)
    if not candidates:
        return None
    best = candidates[0]
    for candidate in candidates[1:]:
        if version_key(str(candidate.get("version", ""))) > version_key(str(best.get("version", ""))):
            best = candidate
    return best
