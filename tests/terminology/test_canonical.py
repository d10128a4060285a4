"""Canonical versions: wildcard patterns, more detailed versions, version lists and picking a version."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fhir_ldn.terminology.canonical import (
    is_wildcard,
    more_detailed,
    pick_version,
    present_versions,
    version_matches,
)


def test_wildcard_patterns_match_the_versions_they_cover() -> None:
    assert is_wildcard("1.x")
    assert is_wildcard("1.0.*")
    assert not is_wildcard("1.0.0")
    assert not is_wildcard(None)
    assert version_matches("1.x.x", "1.2.0")
    assert version_matches("1.0.x", "1.0.7")
    assert version_matches("1.x", "1.2.3")  # a trailing wildcard covers the rest
    assert not version_matches("1.0.x", "1.2.0")
    assert not version_matches("1", "1.0.0")  # no wildcard: only the same text matches
    assert not version_matches("1.x.x", None)
    assert version_matches("2.0.0", "2.0.0")


def test_a_version_within_a_pattern_is_more_detailed() -> None:
    assert more_detailed("1.x.x", "1.0.0")
    assert not more_detailed("1.0.0", "1.0.0")
    assert not more_detailed("1", "1.0.0")
    assert not more_detailed(None, "1.0.0")


def test_version_lists_read_as_messages_write_them() -> None:
    assert present_versions([]) == ""
    assert present_versions(["1.0.0"]) == "1.0.0"
    assert present_versions(["1.0.0", "1.2.0"]) == "1.0.0 or 1.2.0"
    assert present_versions(["1", "2", "3"]) == "1, 2 and 3"


def test_a_wildcard_picks_the_highest_matching_version() -> None:
    candidates: list[Mapping[str, Any]] = [{"version": "1.0.0"}, {"version": "1.2.0"}, {"version": "2.0.0"}]
    assert pick_version(candidates, "1.x.x") == {"version": "1.2.0"}
    assert pick_version(candidates, "1.0.0") == {"version": "1.0.0"}
    assert pick_version(candidates, None) == {"version": "2.0.0"}
    assert pick_version(candidates, "3.x") is None
    assert pick_version(candidates, "1") is None
