"""Which code system version a coding is checked against: value set pins, version parameters, coding versions."""

from __future__ import annotations

import re
from typing import Any

import pytest

from fhir_ldn.errors import TerminologyError
from fhir_ldn.terminology import TerminologyService
from tests.terminology.conftest import ID, TS, VERSIONED, VS, out, params, value_set, versioned

PINNED = [
    value_set("any-version", {"system": VERSIONED}),
    value_set("wildcard", {"system": VERSIONED, "version": "1.x.x"}),
    value_set("pinned-1", {"system": VERSIONED, "version": "1.0.0"}),
    value_set("pinned-missing", {"system": VERSIONED, "version": "1"}),
    value_set(
        "mixed",
        {"system": VERSIONED, "version": "1.0.0", "concept": [{"code": "a"}]},
        {"system": VERSIONED, "version": "1.2.0", "concept": [{"code": "c"}]},
    ),
]


@pytest.fixture
def service() -> TerminologyService:
    systems = [versioned("1.0.0", "a"), versioned("1.2.0", "a", "c"), versioned("2.0.0", "a", "b")]
    return TerminologyService([*systems, *PINNED])


def check(service: TerminologyService, name: str, code: str, *items: tuple[str, Any], **coding: str) -> dict[str, Any]:
    given = {"valueCoding": {"system": VERSIONED, "code": code, **coding}}
    return out(service.validate_value_set_code(params(("coding", given), *items, url=VS + name)))


def ids(result: dict[str, Any]) -> list[str]:
    return sorted(i["extension"][0]["valueString"] for i in result.get("issues", {"issue": []})["issue"])


def test_a_wildcard_pin_takes_the_latest_match_or_the_codings_own_version(service: TerminologyService) -> None:
    latest = check(service, "wildcard", "a")
    assert (latest["result"], latest["version"], latest["display"]) == (True, "1.2.0", "a (1.2.0)")
    own = check(service, "wildcard", "a", version="1.0.0")
    assert (own["result"], own["version"], own["display"]) == (True, "1.0.0", "a (1.0.0)")


def test_a_coding_version_other_than_the_pinned_one_is_an_error(service: TerminologyService) -> None:
    result = check(service, "pinned-1", "a", version="1.2.0")
    assert result["result"] is False
    assert result["version"] == "1.0.0"  # checked against the value set's version
    assert ids(result) == ["VALUESET_VALUE_MISMATCH"]
    unknown = check(service, "pinned-1", "a", version="9.9.9")
    assert ids(unknown) == ["UNKNOWN_CODESYSTEM_VERSION", "VALUESET_VALUE_MISMATCH"]
    assert unknown["x-caused-by-unknown-system"] == f"{VERSIONED}|9.9.9"
    assert "Valid versions: 1.0.0, 1.2.0 and 2.0.0" in unknown["message"]


def test_a_versionless_include_warns_without_failing_on_the_version(service: TerminologyService) -> None:
    result = check(service, "any-version", "a", version="9.9.9")
    assert result["result"] is False  # the coding's version is not held
    assert ids(result) == ["UNKNOWN_CODESYSTEM_VERSION", "VALUESET_VALUE_MISMATCH_DEFAULT"]
    assert "versionless include" not in result["message"]  # a warning: in the issues only


def test_a_pinned_version_that_is_not_held_leaves_membership_unknown(service: TerminologyService) -> None:
    result = check(service, "pinned-missing", "a")
    assert result["result"] is False
    assert ids(result) == ["UNKNOWN_CODESYSTEM_VERSION"]
    assert result["x-caused-by-unknown-system"] == f"{VERSIONED}|1"


def test_version_parameters_force_default_and_check(service: TerminologyService) -> None:
    forced = check(service, "pinned-1", "a", ("force-system-version", f"{VERSIONED}|1.2.x"))
    assert (forced["result"], forced["version"]) == (True, "1.2.0")
    defaulted = check(service, "any-version", "a", ("system-version", f"{VERSIONED}|1.0.0"))
    assert defaulted["version"] == "1.0.0"
    pinned_wins = check(service, "pinned-1", "a", ("system-version", f"{VERSIONED}|2.0.0"))
    assert pinned_wins["version"] == "1.0.0"
    refused = check(service, "wildcard", "a", ("check-system-version", f"{VERSIONED}|1.0.x"))
    assert refused["result"] is False
    assert ids(refused) == ["VALUESET_VERSION_CHECK"]
    chosen_by_check = check(service, "any-version", "a", ("check-system-version", f"{VERSIONED}|1.0.x"))
    assert (chosen_by_check["result"], chosen_by_check["version"]) == (True, "1.0.0")


def test_expansions_use_the_same_rules(service: TerminologyService) -> None:
    def expand(name: str, *items: tuple[str, Any]) -> dict[str, Any]:
        expansion: dict[str, Any] = service.expand(params(*items, url=VS + name), timestamp=TS, identifier=ID)[
            "expansion"
        ]
        return expansion

    mixed = expand("mixed")
    assert [(c["code"], c["version"]) for c in mixed["contains"]] == [("a", "1.0.0"), ("c", "1.2.0")]
    forced = expand("any-version", ("force-system-version", f"{VERSIONED}|1.0.x"))
    assert [c["code"] for c in forced["contains"]] == ["a"]
    assert {"name": "force-system-version", "valueUri": f"{VERSIONED}|1.0.x"} in forced["parameter"]
    unused = expand("pinned-1", ("system-version", f"{VERSIONED}|2.0.0"))
    assert all(p["name"] != "system-version" for p in unused["parameter"])  # echoed only when it chose a version
    with pytest.raises(TerminologyError, match=re.escape("required to be '1.0.x' by a version-check parameter")):
        expand("wildcard", ("check-system-version", f"{VERSIONED}|1.0.x"))
    with pytest.raises(TerminologyError, match="version '1' could not be found, so the value set cannot be expanded"):
        expand("pinned-missing")
