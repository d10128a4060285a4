"""The stylesheet's colour pairs meet WCAG 2 AA contrast (4.5:1 for text, 3:1 for chart graphics)."""

from __future__ import annotations

import re

import pytest

TEXT_PAIRS = [
    ("fg", "bg"),
    ("muted", "bg"),
    ("link", "bg"),
    ("fg", "panel"),
    ("muted", "panel"),
    ("head-fg", "head-bg"),
    ("info-fg", "info-bg"),
    ("link", "info-bg"),
    ("muted", "info-bg"),
    ("fg", "info-bg"),
    ("warning-fg", "warning-bg"),
    ("link", "warning-bg"),
    ("fg", "warning-bg"),
    ("muted", "warning-bg"),
    ("critical-fg", "critical-bg"),
    ("link", "critical-bg"),
    ("muted", "critical-bg"),
]
GRAPHIC_PAIRS = [("bar", "bg"), ("band", "bg")]


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.fixture(scope="module")
def colours(pages: dict[str, str]) -> dict[str, str]:
    found = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})\s*;", pages["site.css"]))
    assert len(found) >= 15
    return found


def test_contrast_known_values() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48


@pytest.mark.parametrize(("fg", "bg"), TEXT_PAIRS)
def test_stylesheet_text_contrast(colours: dict[str, str], fg: str, bg: str) -> None:
    assert contrast(colours[fg], colours[bg]) >= 4.5


@pytest.mark.parametrize(("fg", "bg"), GRAPHIC_PAIRS)
def test_stylesheet_chart_contrast(colours: dict[str, str], fg: str, bg: str) -> None:
    assert contrast(colours[fg], colours[bg]) >= 3.0


def test_stylesheet_is_responsive(pages: dict[str, str]) -> None:
    assert "@media (max-width:" in pages["site.css"]
    assert "font-face" not in pages["site.css"]
