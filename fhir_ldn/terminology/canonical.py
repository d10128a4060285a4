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


_WILDCARDS = frozenset({"x", "X", "*"})


def is_wildcard(version: str | None) -> bool:
    """Whether a version is a pattern such as 1.x or 1.0.* (segments x, X or * match any segment)."""
    return version is not None and any(part in _WILDCARDS for part in version.split("."))


def version_matches(pattern: str, version: str | None) -> bool:
    """Whether `version` is `pattern`, or fits it when it is a wildcard pattern (1.x.x matches 1.2.0)."""
    if version is None:
        return False
    if pattern == version or not is_wildcard(pattern):
        return pattern == version
    wanted, given = pattern.split("."), version.split(".")
    if len(given) < len(wanted):
        return False
    if len(given) > len(wanted) and wanted[-1] not in _WILDCARDS:
        return False
    return all(w in _WILDCARDS or w == g for w, g in zip(wanted, given, strict=False))


def more_detailed(pattern: str | None, version: str | None) -> bool:
    """Whether `version` is a more precise version within `pattern` (1.0.0 within 1.x)."""
    return bool(pattern) and pattern != version and is_wildcard(pattern) and version_matches(str(pattern), version)


def present_versions(versions: list[str]) -> str:
    """'a', 'a or b', 'a, b and c': a list of versions as messages name them."""
    if len(versions) <= 1:
        return "".join(versions)
    if len(versions) == 2:
        return f"{versions[0]} or {versions[1]}"
    return ", ".join(versions[:-1]) + " and " + versions[-1]


def pick_version(candidates: list[Mapping[str, Any]], version: str | None) -> Mapping[str, Any] | None:
    """The candidate with this version (the highest matching a wildcard version), else (no version asked) the
    highest; earlier ones win ties."""
    if version is not None:
        if not is_wildcard(version):
            return next((c for c in candidates if c.get("version") == version), None)
        candidates = [c for c in candidates if version_matches(version, c.get("version"))]
    if not candidates:
        return None
    best = candidates[0]
    for candidate in candidates[1:]:
        if version_key(str(candidate.get("version", ""))) > version_key(str(best.get("version", ""))):
            best = candidate
    return best
