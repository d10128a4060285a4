"""The titration schedule: steps read from the ActivityDefinition's dosage, and a chart true to the numbers."""

from __future__ import annotations

from typing import Any

from fhir_ldn.package.index import Package
from fhir_ldn.site.titration import chart, dose_range_text, max_text, steps


def test_steps_read_the_dosage_of_the_titration_activity(package: Package) -> None:
    activity = package.require("ActivityDefinition", "ldn-titration")
    schedule = steps(activity)
    assert [s.sequence for s in schedule] == [d["sequence"] for d in activity["dosage"]]
    assert [s.text for s in schedule] == [d["text"] for d in activity["dosage"]]
    assert dose_range_text(schedule[0]) == "0.5–1 mg"
    assert dose_range_text(schedule[1]) == "up to 4.5 mg"
    assert max_text(schedule[1]) == "4.5 mg per day"


def test_chart_bars_are_proportional_to_the_maximum_dose(package: Package) -> None:
    drawn = chart(steps(package.require("ActivityDefinition", "ldn-titration")))
    assert drawn is not None
    heights = [drawn.plot_bottom - b.max_y for b in drawn.bars]
    assert abs(heights[1] / heights[0] - 4.5) < 0.02
    first = drawn.bars[0]
    assert first.band_top is not None
    assert first.band_bottom is not None
    band = first.band_bottom - first.band_top  # 0.5–1 mg: half of the 1 mg bar
    assert abs(band / heights[0] - 0.5) < 0.02
    assert [label for _, label in drawn.ticks] == ["0", "1", "2", "3", "4", "5"]


def test_chart_none_without_a_maximum() -> None:
    activity: dict[str, Any] = {"resourceType": "ActivityDefinition", "id": "x", "dosage": [{"text": "as needed"}]}
    assert chart(steps(activity)) is None
    assert steps({"resourceType": "ActivityDefinition", "id": "y"}) == []
    assert steps(activity)[0].low is None
    assert steps(activity)[0].max_amount is None


def test_render_site_titration_table_and_svg_chart(parsed: dict[str, Any]) -> None:
    for page in (
        "index.html",
        "ActivityDefinition-ldn-titration.html",
        "PlanDefinition-ldn-ssri-augmentation-protocol.html",
    ):
        doc = parsed[page]
        rows = doc.xpath("//table[caption[contains(., 'Titration')]]/tbody/tr")
        assert len(rows) == 2, page
        svg = doc.xpath("//*[local-name()='svg']")
        assert len(svg) == 1, page
        assert svg[0].get("role") == "img"
        for label_id in svg[0].get("aria-labelledby").split():
            assert doc.xpath(f"//*[@id='{label_id}']"), label_id
        assert len(svg[0].xpath(".//*[local-name()='rect' and @class='chart-bar']")) == 2
