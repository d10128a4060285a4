"""$expand: hierarchy, paging, activeOnly, text filter, designations, properties, languages, parameters."""

from __future__ import annotations

from typing import Any

import pytest

from fhir_ldn.errors import TerminologyError
from fhir_ldn.terminology import TerminologyService
from tests.terminology.conftest import ID, PARTIAL, SHAPES, TS, VS, params


def expand(service: TerminologyService, name: str, **named: Any) -> dict[str, Any]:
    expansion: dict[str, Any] = service.expand(params(url=VS + name, **named), timestamp=TS, identifier=ID)["expansion"]
    return expansion


def codes(contains: list[dict[str, Any]]) -> list[str]:
    """Every code of a (possibly nested) contains list, depth first."""
    out = []
    for entry in contains:
        out.append(entry["code"])
        out.extend(codes(entry.get("contains", [])))
    return out


def test_whole_code_system_is_nested_by_hierarchy_unless_excluded(service: TerminologyService) -> None:
    nested = expand(service, "all-shapes")
    assert [c["code"] for c in nested["contains"]] == ["polygon", "circle", "oval"]
    polygon = nested["contains"][0]
    assert polygon["abstract"] is True
    assert [c["code"] for c in polygon["contains"]] == ["triangle", "quadrilateral"]
    assert nested["total"] == 9
    flat = expand(service, "all-shapes", excludeNested=True)
    assert all("contains" not in c for c in flat["contains"])
    assert codes(flat["contains"]) == codes(nested["contains"])


def test_expansion_records_what_it_used_and_echoes_only_given_parameters(service: TerminologyService) -> None:
    expansion = expand(service, "triangles", excludeNested=True)
    assert expansion["identifier"] == ID
    assert expansion["timestamp"] == TS
    assert expansion["parameter"] == [
        {"name": "excludeNested", "valueBoolean": True},
        {"name": "used-codesystem", "valueUri": f"{SHAPES}|1.0.0"},
    ]
    assert "offset" not in expansion  # only when paging


@pytest.mark.parametrize(
    ("count", "offset", "window"),
    [
        (3, None, ["polygon", "triangle", "equilateral"]),
        (2, 3, ["isosceles", "quadrilateral"]),
        (5, 7, ["circle", "oval"]),
    ],
)
def test_paging_windows_a_flat_list_and_keeps_the_total(
    service: TerminologyService, count: int, offset: int | None, window: list[str]
) -> None:
    named: dict[str, Any] = {"count": count} if offset is None else {"count": count, "offset": offset}
    expansion = expand(service, "all-shapes", **named)
    assert [c["code"] for c in expansion["contains"]] == window
    assert all("contains" not in c for c in expansion["contains"])
    assert expansion["total"] == 9
    assert expansion["offset"] == (offset or 0)


def test_count_zero_gives_only_the_total(service: TerminologyService) -> None:
    expansion = expand(service, "all-shapes", count=0)
    assert expansion["total"] == 9
    assert "contains" not in expansion


def test_active_only_and_compose_inactive_drop_inactive_codes(service: TerminologyService) -> None:
    everything = codes(expand(service, "all-shapes")["contains"])
    assert {"square", "oval"} <= set(everything)
    for expansion in (expand(service, "all-shapes", activeOnly=True), expand(service, "active-shapes")):
        kept = codes(expansion["contains"])
        assert "square" not in kept
        assert "oval" not in kept
        assert expansion["total"] == 7


def test_inactive_codes_are_flagged_with_their_status(service: TerminologyService) -> None:
    flat = {c["code"]: c for c in expand(service, "all-shapes", excludeNested=True)["contains"]}
    assert flat["square"]["inactive"] is True
    assert {"code": "status", "valueCode": "retired"} in flat["square"]["property"]
    assert flat["oval"]["inactive"] is True
    assert "inactive" not in flat["circle"]


def test_text_filter_matches_word_starts_and_flattens_whole_system_expansions(service: TerminologyService) -> None:
    expansion = expand(service, "all-shapes", filter="tri")
    assert codes(expansion["contains"]) == ["triangle", "equilateral", "isosceles"]
    assert all("contains" not in c for c in expansion["contains"])
    assert expansion["total"] == 3
    assert {"name": "filter", "valueString": "tri"} in expansion["parameter"]
    assert expand(service, "all-shapes", filter="kreis")["total"] == 1  # designations count
    assert expand(service, "all-shapes", filter="xyz")["total"] == 0


def test_designations_and_requested_properties(service: TerminologyService) -> None:
    expansion = expand(service, "round", includeDesignations=True, property="definition")
    circle = next(c for c in expansion["contains"] if c["code"] == "circle")
    assert circle["designation"] == [{"language": "de", "value": "Kreis"}, {"language": "fr", "value": "Cercle"}]
    assert circle["property"] == [{"code": "definition", "valueString": "All points at one distance from the centre"}]
    assert {"code": "definition", "uri": "http://hl7.org/fhir/concept-properties#definition"} in expansion["property"]
    sides = expand(service, "triangles", property="sides")
    triangle = next(c for c in sides["contains"] if c["code"] == "triangle")
    assert triangle["property"] == [{"code": "sides", "valueInteger": 3}]
    assert {"code": "sides", "uri": "http://example.org/fhir/properties#sides"} in sides["property"]


def test_value_set_display_and_display_language(service: TerminologyService) -> None:
    round_ = {c["code"]: c["display"] for c in expand(service, "round")["contains"]}
    assert round_ == {"circle": "Circle", "oval": "Egg shape"}  # the value set's display wins
    german = {c["code"]: c["display"] for c in expand(service, "round", displayLanguage="de")["contains"]}
    assert german["circle"] == "Kreis"
    assert {"name": "displayLanguage", "valueCode": "de"} in expand(service, "round", displayLanguage="de")["parameter"]


def test_exclude_not_for_ui_drops_abstract_codes(service: TerminologyService) -> None:
    kept = codes(expand(service, "all-shapes", excludeNotForUI=True)["contains"])
    assert "polygon" not in kept
    assert "triangle" in kept


def test_include_definition_returns_the_compose(service: TerminologyService) -> None:
    with_definition = service.expand(params(url=VS + "triangles", includeDefinition=True), timestamp=TS, identifier=ID)
    assert with_definition["compose"]["include"][0]["filter"][0]["op"] == "is-a"
    plain = service.expand(params(url=VS + "triangles"), timestamp=TS, identifier=ID)
    assert "compose" not in plain
    assert plain["url"] == VS + "triangles"


def test_an_unknown_value_set_or_code_system_cannot_be_expanded(service: TerminologyService) -> None:
    with pytest.raises(TerminologyError) as unknown_vs:
        expand(service, "nope")
    assert unknown_vs.value.http_status == 404
    broken = {
        "resourceType": "ValueSet",
        "status": "active",
        "compose": {"include": [{"system": "http://example.org/unknown"}]},
    }
    with pytest.raises(TerminologyError) as unknown_cs:
        service.expand(params(("valueSet", {"resource": broken})), timestamp=TS, identifier=ID)
    assert unknown_cs.value.http_status == 404
    assert "could not be found, so the value set cannot be expanded" in unknown_cs.value.message


def test_supplements_add_designations_labels_and_used_supplement(service: TerminologyService) -> None:
    supplement = {
        "resourceType": "CodeSystem",
        "url": "http://example.org/fhir/CodeSystem/shapes-labels",
        "version": "1",
        "status": "active",
        "content": "supplement",
        "supplements": SHAPES,
        "concept": [
            {
                "code": "circle",
                "designation": [{"language": "nl", "value": "Cirkel"}],
                "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/codesystem-label", "valueString": "c)"}],
            }
        ],
    }
    request = params(
        ("tx-resource", {"resource": supplement}),
        url=VS + "round",
        useSupplement="http://example.org/fhir/CodeSystem/shapes-labels",
        includeDesignations=True,
    )
    expansion = service.expand(request, timestamp=TS, identifier=ID)["expansion"]
    circle = next(c for c in expansion["contains"] if c["code"] == "circle")
    assert {"language": "nl", "value": "Cirkel"} in circle["designation"]
    assert {"code": "label", "valueString": "c)"} in circle["property"]
    assert {"name": "used-supplement", "valueUri": "http://example.org/fhir/CodeSystem/shapes-labels|1"} in expansion[
        "parameter"
    ]
    with pytest.raises(TerminologyError) as missing:
        expand(service, "round", useSupplement="http://example.org/fhir/CodeSystem/none")
    assert missing.value.http_status == 404
    assert missing.value.message == "Required supplement not found: http://example.org/fhir/CodeSystem/none"


def test_a_whole_fragment_expands_to_what_it_holds_and_says_the_expansion_is_unclosed(
    service: TerminologyService,
) -> None:
    expansion = expand(service, "partial-all")
    assert [c["code"] for c in expansion["contains"]] == ["known"]
    assert expansion["extension"] == [
        {"url": "http://hl7.org/fhir/StructureDefinition/valueset-unclosed", "valueBoolean": True},
        {
            "url": "http://hl7.org/fhir/StructureDefinition/valueset-unclosed-reason",
            "valueString": f"This extension is based on a fragment of the code system {PARTIAL}",
        },
    ]
    used_fragments = [p["valueUri"] for p in expansion["parameter"] if p["name"] == "used-fragment"]
    assert [u.partition("|")[0] for u in used_fragments] == [PARTIAL]
    assert "extension" not in expand(service, "partial-listed")


def test_languages_from_the_header_the_value_set_and_hard_lists(service: TerminologyService) -> None:
    header = service.expand(params(url=VS + "round"), timestamp=TS, identifier=ID, accept_language="de")["expansion"]
    assert {c["code"]: c["display"] for c in header["contains"]}["circle"] == "Kreis"
    assert {"name": "displayLanguage", "valueCode": "de"} in header["parameter"]
    shown = expand(service, "all-shapes", displayLanguage="de", includeDesignations=True, excludeNested=True)
    circle = next(c for c in shown["contains"] if c["code"] == "circle")
    # the code system's own display becomes a designation; the German one shown as display leaves the list
    assert circle["designation"][0] == {
        "language": "en",
        "value": "Circle",
        "use": {
            "system": "http://terminology.hl7.org/CodeSystem/hl7TermMaintInfra",
            "code": "preferredForLanguage",
            "display": "Preferred For Language",
        },
    }
    assert {"language": "de", "value": "Kreis"} not in circle["designation"]
    hard = expand(service, "all-shapes", displayLanguage="de,*; q=0", excludeNested=True)
    displays = {c["code"]: c.get("display") for c in hard["contains"]}
    assert displays["circle"] == "Kreis"
    assert displays["oval"] is None  # no German display, and no other language accepted
    assert {"name": "displayLanguage", "valueCode": "de, *; q=0"} in hard["parameter"]


def test_the_designation_parameter_chooses_designations(service: TerminologyService) -> None:
    chosen = expand(service, "round", includeDesignations=True, designation="urn:ietf:bcp:47|fr")
    circle = next(c for c in chosen["contains"] if c["code"] == "circle")
    assert circle["designation"] == [{"language": "fr", "value": "Cercle"}]
    assert {"name": "designation", "valueString": "urn:ietf:bcp:47|fr"} in chosen["parameter"]


def test_an_exclude_flattens_and_the_summary_stands_for_the_definition(service: TerminologyService) -> None:
    vs = {
        "resourceType": "ValueSet",
        "url": VS + "no-triangles",
        "status": "active",
        "description": "Shapes that are not triangles",
        "compose": {
            "include": [{"system": SHAPES}],
            "exclude": [{"system": SHAPES, "filter": [{"property": "concept", "op": "is-a", "value": "triangle"}]}],
        },
    }
    expanded = service.expand(params(("valueSet", {"resource": vs})), timestamp=TS, identifier=ID)
    assert all("contains" not in c for c in expanded["expansion"]["contains"])
    assert "triangle" not in codes(expanded["expansion"]["contains"])
    assert "description" not in expanded
    defined = service.expand(
        params(("valueSet", {"resource": vs}), includeDefinition=True), timestamp=TS, identifier=ID
    )
    assert defined["description"] == "Shapes that are not triangles"


def test_default_valueset_version_pins_imports(service: TerminologyService) -> None:
    importing = {
        "resourceType": "ValueSet",
        "url": VS + "importing",
        "status": "active",
        "compose": {"include": [{"valueSet": [VS + "round"]}]},
    }
    request = params(("valueSet", {"resource": importing}), ("default-valueset-version", f"{VS}round|1"))
    expansion = service.expand(request, timestamp=TS, identifier=ID)["expansion"]
    assert {"name": "default-valueset-version", "valueUri": f"{VS}round|1"} in expansion["parameter"]
    wrong = params(("valueSet", {"resource": importing}), ("default-valueset-version", f"{VS}round|9"))
    with pytest.raises(TerminologyError, match=f"Unable to find included value set '{VS}round' version '9'"):
        service.expand(wrong, timestamp=TS, identifier=ID)
