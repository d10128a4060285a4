"""Tests that need ../shared skip, when it is absent, with a message naming what is missing in a user's words."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SHARED_PARTS, shared_path


@pytest.mark.parametrize("part", list(SHARED_PARTS))
def test_a_missing_part_skips_saying_what_is_missing(tmp_path: Path, part: str) -> None:
    with pytest.raises(pytest.skip.Exception) as skipped:
        shared_path(part, tmp_path)
    message = str(skipped.value)
    assert message.startswith(f"{SHARED_PARTS[part][1]} from ../shared (looked for {tmp_path / SHARED_PARTS[part][0]})")
    assert "steering" not in message


@pytest.mark.parametrize("part", list(SHARED_PARTS))
def test_a_present_part_is_found(tmp_path: Path, part: str) -> None:
    path = tmp_path / SHARED_PARTS[part][0]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x", encoding="utf-8")
    assert shared_path(part, tmp_path) == path
