"""$validate-code: membership, unknown codes and systems, inactive codes, case, versions, displays, fragments."""

from __future__ import annotations

from typing import Any

import pytest

from fhir_ldn.errors import RequestError, TerminologyError
from fhir_ldn.terminology import TerminologyService
from tests.terminology.conftest import LETTERS, PARTIAL, SHAPES, VERSIONED, VS, out, params


def validate(service: TerminologyService, name: str, *items: tuple[str, Any], **named: Any) -> dict[str, Any]:
    return out(service.validate_value_set_code(params(*items, url=VS + name, **named)))


def issue_ids(result: dict[str, Any]) -> list[str]:
    issues = result.get("issues", {"issue": []})["issue"]
    return [i["extension"][0]["valueString"] for i in issues]


def coding(system: str, code: str, **extra: str) -> tuple[str, dict[str, Any]]:
    return ("coding", {"valueCoding": {"system": system, "code": code, **extra}})


def test_a_member_is_valid_with_its_display_and_version(service: TerminologyService) -> None:
    result = validate(service, "triangles", system=SHAPES, code="isosceles")
    assert result == {
        "result": True,
        "code": "isosceles",
        "system": SHAPES,
        "version": "1.0.0",
        "display": "Isosceles triangle",
    }


def test_a_known_code_outside_the_value_set_is_not_in_it(service: TerminologyService) -> None:
    result = validate(service, "triangles", coding(SHAPES, "circle"))
    assert result["result"] is False
    assert issue_ids(result) == ["None_of_the_provided_codes_are_in_the_value_set_one"]
    assert result["message"] == f"The provided code '{SHAPES}#circle' was not found in the value set '{VS}triangles|1'"


def test_an_unknown_code_is_invalid_and_named(service: TerminologyService) -> None:
    result = validate(service, "all-shapes", coding(SHAPES, "hexagon"))
    assert result["result"] is False
    assert set(issue_ids(result)) == {"None_of_the_provided_codes_are_in_the_value_set_one", "Unknown_Code_in_Version"}
    assert f"Unknown code 'hexagon' in the CodeSystem '{SHAPES}' version '1.0.0'" in result["message"]
    issue = next(i for i in result["issues"]["issue"] if "Unknown code" in i["details"]["text"])
    assert issue["expression"] == ["Coding.code"]
    assert issue["location"] == ["Coding.code"]


def test_unknown_relative_and_missing_systems(service: TerminologyService) -> None:
    unknown = validate(service, "all-shapes", coding("http://example.org/none", "x"))
    assert unknown["x-unknown-system"] == "http://example.org/none"
    assert unknown["result"] is False
    relative = validate(service, "all-shapes", coding("shapes", "circle"))
    assert "Terminology_TX_System_Relative" in issue_ids(relative)
    as_value_set = validate(service, "all-shapes", coding(VS + "round", "circle"))
    assert "Terminology_TX_System_ValueSet2" in issue_ids(as_value_set)
    no_system = validate(service, "all-shapes", ("coding", {"valueCoding": {"code": "circle"}}))
    assert issue_ids(no_system)[0] == "Coding_has_no_system__cannot_validate"
    assert no_system["result"] is False
    assert "system" not in no_system


def test_infer_system_finds_the_one_system_with_the_code(service: TerminologyService) -> None:
    inferred = validate(service, "all-shapes", code="circle", inferSystem=True)
    assert inferred["result"] is True
    assert inferred["system"] == SHAPES
    failed = validate(service, "all-shapes", code="nothing", inferSystem=True)
    assert failed["result"] is False
    assert "UNABLE_TO_INFER_CODESYSTEM" in issue_ids(failed)


def test_inactive_codes_are_valid_with_a_warning_unless_only_active_codes_count(service: TerminologyService) -> None:
    retired = validate(service, "all-shapes", coding(SHAPES, "square"))
    assert retired["result"] is True
    assert retired["inactive"] is True
    assert retired["status"] == "retired"
    assert (
        retired["message"] == "The concept 'square' has a status of retired and inactive and its use should be reviewed"
    )
    for result in (
        validate(service, "all-shapes", coding(SHAPES, "oval"), activeOnly=True),
        validate(service, "active-shapes", coding(SHAPES, "oval")),
    ):
        assert result["result"] is False
        assert set(issue_ids(result)) == {
            "STATUS_CODE_WARNING_CODE",
            "None_of_the_provided_codes_are_in_the_value_set_one",
            "INACTIVE_CONCEPT_FOUND",
        }


def test_case_insensitive_code_systems_accept_other_case_and_say_so(service: TerminologyService) -> None:
    result = validate(service, "letters", coding(LETTERS, "alpha"))
    assert result["result"] is True
    assert result["normalized-code"] == "Alpha"
    assert result["code"] == "alpha"
    assert issue_ids(result) == ["CODE_CASE_DIFFERENCE"]
    assert "message" not in result
    case_sensitive = validate(service, "triangles", coding(SHAPES, "Triangle"))
    assert case_sensitive["result"] is False


def test_versions_latest_by_default_pinned_by_the_value_set_or_the_request(service: TerminologyService) -> None:
    assert validate(service, "versioned", coding(VERSIONED, "b"))["version"] == "2.0.0"
    pinned = validate(service, "versioned-1", coding(VERSIONED, "b"))
    assert pinned["result"] is False
    assert validate(service, "versioned-1", coding(VERSIONED, "a"))["display"] == "a (1.0.0)"
    forced = validate(service, "versioned", coding(VERSIONED, "b"), ("force-system-version", f"{VERSIONED}|1.0.0"))
    assert forced["result"] is False
    unknown_version = validate(service, "versioned", coding(VERSIONED, "a", version="9.9"))
    assert "UNKNOWN_CODESYSTEM_VERSION" in issue_ids(unknown_version)
    checked = validate(service, "versioned-1", coding(VERSIONED, "a"), ("check-system-version", f"{VERSIONED}|2.0.0"))
    assert checked["result"] is False
    assert issue_ids(checked) == ["VALUESET_VERSION_CHECK"]
    with pytest.raises(RequestError, match=r"url\|version"):
        validate(service, "versioned", coding(VERSIONED, "a"), ("system-version", VERSIONED))


def test_display_checks_languages_whitespace_and_leniency(service: TerminologyService) -> None:
    assert validate(service, "round", coding(SHAPES, "circle", display="Circle"))["result"] is True
    assert validate(service, "round", coding(SHAPES, "circle", display="Kreis"))["result"] is True  # any language
    wrong = validate(service, "round", coding(SHAPES, "circle", display="Round"))
    assert wrong["result"] is False
    assert "Wrong Display Name 'Round'" in wrong["message"]
    assert "one of 3 choices" in wrong["message"]
    spaces = validate(service, "round", coding(SHAPES, "circle", display="Circle "))
    assert issue_ids(spaces) == ["Display_Name_WS_for__should_be_one_of__instead_of"]
    german = validate(service, "round", coding(SHAPES, "circle", display="Circle"), displayLanguage="de")
    assert german["result"] is False
    assert german["display"] == "Kreis"
    lenient = validate(
        service, "round", coding(SHAPES, "circle", display="Round"), ("lenient-display-validation", True)
    )
    assert lenient["result"] is True
    assert lenient["issues"]["issue"][0]["severity"] == "warning"


def test_codeable_concept_is_valid_when_one_coding_is(service: TerminologyService) -> None:
    cc = {"coding": [{"system": SHAPES, "code": "circle"}, {"system": SHAPES, "code": "triangle"}]}
    result = validate(service, "triangles", ("codeableConcept", {"valueCodeableConcept": cc}))
    assert result["result"] is True
    assert result["code"] == "triangle"
    assert result["codeableConcept"] == cc
    assert issue_ids(result) == ["None_of_the_provided_codes_are_in_the_value_set_one"]
    assert result["issues"]["issue"][0]["severity"] == "information"
    none = validate(service, "triangles", ("codeableConcept", {"valueCodeableConcept": {"coding": cc["coding"][:1]}}))
    assert none["result"] is False
    assert issue_ids(none)[0] == "TX_GENERAL_CC_ERROR_MESSAGE"


def test_fragments_know_some_codes_and_never_call_others_invalid(service: TerminologyService) -> None:
    whole = validate(service, "partial-all", coding(PARTIAL, "elsewhere"))
    assert whole["result"] is True  # cannot be shown wrong: a fragment is not the whole code system
    assert issue_ids(whole) == ["UNKNOWN_CODE_IN_FRAGMENT"]
    assert "message" not in whole
    assert "labeled as a fragment, so the code may be valid" in whole["issues"]["issue"][0]["details"]["text"]
    listed = validate(service, "partial-listed", coding(PARTIAL, "listed"))
    assert listed["result"] is True
    not_listed = validate(service, "partial-listed", coding(PARTIAL, "other"))
    assert not_listed["result"] is False  # the value set lists its codes: this one is not among them


def test_code_system_validate_code(service: TerminologyService) -> None:
    good = out(service.validate_code_system_code(params(url=SHAPES, code="rectangle")))
    assert good == {"result": True, "code": "rectangle", "system": SHAPES, "version": "1.0.0", "display": "Rectangle"}
    bad = out(service.validate_code_system_code(params(url=SHAPES, code="rhombus")))
    assert bad["result"] is False
    assert issue_ids(bad) == ["Unknown_Code_in_Version"]
    fragment = out(service.validate_code_system_code(params(url=PARTIAL, code="elsewhere")))
    assert fragment["result"] is True
    assert issue_ids(fragment) == ["UNKNOWN_CODE_IN_FRAGMENT"]


def test_bad_requests(service: TerminologyService) -> None:
    with pytest.raises(RequestError, match=r"Unable to find code to validate \(looked for coding \| codeableConcept"):
        validate(service, "round")
    with pytest.raises(RequestError, match="give the value set"):
        service.validate_value_set_code(params(code="x"))
    with pytest.raises(TerminologyError) as unknown:
        validate(service, "unknown", code="x", system=SHAPES)
    assert unknown.value.http_status == 404


def test_a_missing_import_makes_the_answer_false_not_an_error(service: TerminologyService) -> None:
    broken = {
        "resourceType": "ValueSet",
        "url": VS + "broken",
        "status": "active",
        "compose": {"include": [{"valueSet": [VS + "gone"]}]},
    }
    result = out(
        service.validate_value_set_code(
            params(("tx-resource", {"resource": broken}), url=VS + "broken", code="circle", system=SHAPES)
        )
    )
    assert result["result"] is False
    assert result["message"] == f"A definition for the value Set '{VS}gone' could not be found"


def test_code_system_url_may_carry_the_version(service: TerminologyService) -> None:
    older = out(service.validate_code_system_code(params(url=f"{VERSIONED}|1.0.0", code="b")))
    assert older["result"] is False
    assert older["version"] == "1.0.0"
    newer = out(service.validate_code_system_code(params(url=f"{VERSIONED}|2.0.0", code="b")))
    assert newer["result"] is True


def test_abstract_false_refuses_abstract_codes(service: TerminologyService) -> None:
    refused = validate(service, "all-shapes", coding(SHAPES, "polygon"), abstract=False)
    assert refused["result"] is False
    assert issue_ids(refused) == ["ABSTRACT_CODE_NOT_ALLOWED", "None_of_the_provided_codes_are_in_the_value_set_one"]
    assert validate(service, "all-shapes", coding(SHAPES, "polygon"))["result"] is True


def test_a_codeable_concept_outside_the_value_set_gives_only_a_display(service: TerminologyService) -> None:
    concept = {"valueCodeableConcept": {"coding": [{"system": SHAPES, "code": "circle"}]}}
    result = validate(service, "triangles", ("codeableConcept", concept))
    assert result["result"] is False
    assert result["display"] == "Circle"
    assert "code" not in result
    assert "system" not in result


def test_a_withdrawn_designation_is_an_accepted_but_outdated_display(service: TerminologyService) -> None:
    cs = {
        "resourceType": "CodeSystem",
        "url": "http://example.org/fhir/CodeSystem/renamed",
        "status": "active",
        "content": "complete",
        "concept": [
            {
                "code": "x",
                "display": "New name",
                "designation": [
                    {
                        "value": "Old name",
                        "extension": [
                            {
                                "url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status",
                                "valueCode": "withdrawn",
                            }
                        ],
                    }
                ],
            }
        ],
    }
    request = params(("tx-resource", {"resource": cs}), url=cs["url"], code="x", display="Old name")
    result = out(service.validate_code_system_code(request))
    assert result["result"] is True
    assert issue_ids(result) == ["INACTIVE_DISPLAY_FOUND"]
    assert result["issues"]["issue"][0]["details"]["text"] == (
        "'Old name' is no longer considered a correct display for code 'x' (status = deprecated). "
        'The correct display is one of "New name".'
    )


def test_a_supplement_is_not_a_code_system_for_codings(service: TerminologyService) -> None:
    supplement = {
        "resourceType": "CodeSystem",
        "url": "http://example.org/fhir/CodeSystem/extra",
        "version": "2",
        "status": "active",
        "content": "supplement",
        "supplements": SHAPES,
    }
    request = params(
        ("tx-resource", {"resource": supplement}),
        coding("http://example.org/fhir/CodeSystem/extra", "circle"),
        url=VS + "all-shapes",
    )
    result = out(service.validate_value_set_code(request))
    assert result["result"] is False
    assert "CODESYSTEM_CS_NO_SUPPLEMENT" in issue_ids(result)
    assert "http://example.org/fhir/CodeSystem/extra|2 is a supplement" in result["message"]
