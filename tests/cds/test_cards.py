"""Cards: the pre-serialised fast path gives exactly what applying the ActivityDefinitions gives."""

from __future__ import annotations

import json

import pytest

from fhir_ldn.apply.activitydefinition import R4, R5, ApplyContext, apply_activity_definition
from fhir_ldn.cds.cards import _uuids, card_json
from fhir_ldn.cds.engine import load_rules
from fhir_ldn.package.index import Package


@pytest.mark.parametrize("version", [R4, R5])
@pytest.mark.parametrize("encounter", [None, 'Encounter/e"1'])
@pytest.mark.parametrize("practitioner", [None, "PractitionerRole/r1"])
def test_suggestion_resources_equal_applied_definitions(
    package: Package, version: str, encounter: str | None, practitioner: str | None
) -> None:
    template = load_rules(package)[0].groups[0].cards[0].card
    context = ApplyContext(subject="Patient/p\\1", encounter=encounter, practitioner=practitioner, fhir_version=version)
    for _ in range(2):  # the second time from the stored template
        card = json.loads(card_json(template, context))
        for suggestion, source in zip(card["suggestions"], template.suggestions, strict=True):
            assert suggestion["actions"][0]["resource"] == apply_activity_definition(source.definition, context)


def test_card_fields(package: Package) -> None:
    template = load_rules(package)[0].groups[0].cards[0].card
    card = json.loads(card_json(template, ApplyContext(subject="Patient/p")))
    assert card["summary"] == template.static["summary"]
    assert card["detail"] == template.static["detail"]
    assert card["selectionBehavior"] == "any"
    assert [s["label"] for s in card["suggestions"]] == [s.label for s in template.suggestions]


def test_uuids_are_version_4() -> None:
    ids = _uuids(50)
    assert len(set(ids)) == 50
    for value in ids:
        assert len(value) == 36
        assert value[14] == "4"
        assert value[19] in "89ab"
