"""$validate-code: is a code, Coding or CodeableConcept valid in a value set (or a code system)?"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from fhir_ldn.errors import Issue, RequestError
from fhir_ldn.outcome import operation_outcome
from fhir_ldn.terminology import messages
from fhir_ldn.terminology.compose import EvalContext, Evaluation
from fhir_ldn.terminology.display import Paths, check_display, preferred_display
from fhir_ldn.terminology.model import CodeSystemIndex, Concept
from fhir_ldn.terminology.status import deprecated_in_value_set
from fhir_ldn.terminology.versions import resolve_version

if TYPE_CHECKING:
    from fhir_ldn.terminology.service import TerminologyService

# Issues that are (information) or are not (warnings) repeated in the message, as tx.fhir.org writes it.
MESSAGE_INFORMATION = frozenset({"NO_VALID_DISPLAY_FOUND_NONE_FOR_LANG_OK"})
MESSAGE_SILENT = frozenset(
    {
        "VALUESET_VALUE_MISMATCH_DEFAULT",
        "CONCEPT_DEPRECATED_IN_VALUESET",
        "INACTIVE_DISPLAY_FOUND",
    }
)
MESSAGE_SILENT_WHEN_VALID = frozenset({"UNKNOWN_CODE_IN_FRAGMENT"})  # a fragment's caveat on an accepted code
# Concept statuses $validate-code reports as `status` (codes of other, code-system-specific status properties are not).
REPORTED_STATUSES = frozenset({"deprecated", "retired", "withdrawn", "draft", "experimental"})
_ABSOLUTE = re.compile(r"^(urn:|[a-zA-Z][a-zA-Z0-9+.\-]*://)")


@dataclass
class Checker:
    """What a code is checked against, and how."""

    service: TerminologyService
    evaluation: Evaluation | None  # None: validate against `code_system` only (CodeSystem/$validate-code)
    vs_label: str
    code_system: CodeSystemIndex | None = None
    languages: list[str] = field(default_factory=list)
    lenient_display: bool = False
    membership_only: bool = False
    infer_system: bool = False
    active_only: bool = False
    abstract_allowed: bool = True
    supplements: list[CodeSystemIndex] = field(default_factory=list)
    rules: EvalContext | None = None  # system-version / force-system-version / check-system-version


@dataclass
class CodingResult:
    """The outcome of checking one code or Coding."""

    code: str
    system: str | None
    valid: bool = False
    member: bool = False
    version: str | None = None
    display: str | None = None
    concept: Concept | None = None
    issues: list[Issue] = field(default_factory=list)
    normalized_code: str | None = None
    unknown_system: str | None = None
    caused_by_unknown_system: bool = False
    given_version: str | None = None  # the coding's version, when the message names it
    undetermined: bool = False  # membership cannot be known: the code system version used is not held


def coding_text(system: str | None, code: str, display: str | None = None) -> str:
    text = f"{system or ''}#{code}"
    return f"{text} ('{display}')" if display else text


def _not_member(checker: Checker, result: CodingResult, display: str | None, paths: Paths, in_cc: bool) -> None:
    if checker.evaluation is not None:
        system = f"{result.system}|{result.given_version}" if result.given_version else result.system
        text = coding_text(system, result.code, display)
        severity = "information" if in_cc else "error"
        result.issues.append(messages.not_in_value_set(text, checker.vs_label, paths.code, severity=severity))


def _infer_system(checker: Checker, result: CodingResult, paths: Paths) -> bool:
    """Find the one system of the value set that has this code; False (with issues) if there is none or many."""
    members = checker.evaluation.members.values() if checker.evaluation is not None else ()
    systems = list(dict.fromkeys(m.system for m in members if m.code == result.code))
    if len(systems) == 1:
        result.system = systems[0]
        return True
    result.issues.append(messages.not_in_value_set(f"#{result.code}", checker.vs_label, paths.code))
    result.issues.append(messages.cannot_infer_system(result.code, checker.vs_label, systems, paths.code))
    return False


def _resolve_system(
    checker: Checker, result: CodingResult, version: str | None, display: str | None, paths: Paths, in_cc: bool
) -> CodeSystemIndex | None:
    """The code system of the coding, or None with the issues explaining why it cannot be checked."""
    system = str(result.system)
    if not _ABSOLUTE.match(system):
        result.issues.append(messages.relative_system(paths.system))
        result.issues.append(messages.unknown_code_system(system, paths.system, quoted=True))
        result.unknown_system = system
        _not_member(checker, result, display, paths, in_cc)
        return None
    evaluation = checker.evaluation
    if version is None and evaluation is not None and system in evaluation.code_systems:
        return evaluation.code_systems[system]  # the version the value set uses
    cs = checker.service.find_code_system(system, version)
    if cs is not None:
        return cs
    known = checker.service.code_system_versions(system)
    if version and known:
        result.issues.append(messages.unknown_code_system_version(system, version, known, paths.system))
    elif (
        version and checker.service.find_code_system(system) is None and checker.service.find_value_set(system) is None
    ):
        result.issues.append(messages.unknown_code_system_version(system, version, [], paths.system))
        result.unknown_system = system
        result.given_version = version
    elif (supplement := checker.service.find_supplement(system)) is not None:
        result.issues.append(messages.system_is_supplement(supplement.canonical, paths.system))
        result.unknown_system, result.caused_by_unknown_system = system, True
        _not_member(checker, result, display, paths, in_cc)
        return None
    elif checker.service.find_value_set(system) is not None:
        result.issues.append(messages.system_is_value_set(system, paths.system))
        _not_member(checker, result, display, paths, in_cc)
        return None
    elif evaluation is not None and system in evaluation.unknown_systems:
        result.issues.append(messages.unknown_code_system(system, paths.system, quoted=True))
        result.unknown_system, result.caused_by_unknown_system = system, True
        return None
    else:
        result.issues.append(messages.unknown_code_system(system, paths.system, quoted=False))
        result.unknown_system = system
    _not_member(checker, result, display, paths, in_cc)
    return None


def _membership(checker: Checker, result: CodingResult, concept: Concept, paths: Paths) -> bool:
    """Whether the (known) concept is in the value set, with the not-active error when only its status excludes it."""
    if checker.evaluation is None:
        return True
    member = checker.evaluation.find(str(result.system), concept.code)
    if member is None:
        return False
    if concept.inactive and (checker.active_only or checker.evaluation.exclude_inactive):
        result.issues.append(messages.not_active(concept.code, paths.code))
        return False
    return True


def _check_membership_only(
    checker: Checker, result: CodingResult, display: str | None, paths: Paths, in_cc: bool
) -> CodingResult:
    evaluation = checker.evaluation
    if evaluation is not None and evaluation.find(str(result.system), result.code) is not None:
        result.valid = result.member = True
    else:
        _not_member(checker, result, display, paths, in_cc)
    return result


def check_coding(
    checker: Checker,
    system: str | None,
    code: str,
    version: str | None,
    display: str | None,
    paths: Paths,
    *,
    in_cc: bool = False,
) -> CodingResult:
    """Check one code: its system, its existence, its membership, its status and its display."""
    result = CodingResult(code=code, system=system)
    if not system:
        if not (checker.infer_system and checker.evaluation is not None):
            result.issues.append(messages.no_system(paths.coding))
            _not_member(checker, result, display, paths, in_cc)
            return result
        if not _infer_system(checker, result, paths):
            return result
    if checker.membership_only:
        return _check_membership_only(checker, result, display, paths, in_cc)
    evaluation = checker.evaluation
    if (
        evaluation is not None
        and str(result.system) in evaluation.include_versions
        and checker.service.find_code_system(str(result.system)) is not None
    ):
        rules = checker.rules or EvalContext(checker.service)
        cs = resolve_version(checker.service, rules, evaluation, result, version, paths)
        result.undetermined = cs is None
    else:
        cs = _resolve_system(checker, result, version, display, paths, in_cc)
    if cs is None:
        return result
    result.version = cs.version
    concept = cs.find(code)
    if concept is None:
        return _unknown_code(checker, result, cs, display, paths, in_cc)
    result.concept = concept
    result.display = preferred_display(cs, concept, checker.languages, checker.supplements)
    if concept.code != code:
        result.issues.append(messages.case_difference(code, concept.code, cs.canonical, paths.code))
        result.normalized_code = concept.code
    result.member = _membership(checker, result, concept, paths)
    if concept.abstract and not checker.abstract_allowed:  # abstract=false: abstract codes are not selectable
        result.issues.append(messages.abstract_code(coding_text(cs.url, concept.code), paths.code))
        result.member = False
    if not result.member:
        _not_member(checker, result, display, paths, in_cc)
    if concept.inactive:
        result.issues.append(messages.inactive_concept(concept.code, concept.status, paths.coding))
    elif concept.status == "deprecated":
        result.issues.append(messages.deprecated_concept(concept.code, paths.coding))
    member = checker.evaluation.find(str(result.system), concept.code) if checker.evaluation is not None else None
    if member is not None and deprecated_in_value_set(member.vs_concept):
        issue = messages.deprecated_in_value_set(concept.code, str(result.system), checker.vs_label, paths.code)
        result.issues.append(issue)
    if display is not None:
        found = check_display(
            display,
            coding_text(cs.url, concept.code),
            cs,
            concept,
            checker.languages,
            checker.supplements,
            paths.display,
            lenient=checker.lenient_display,
        )
        if found is not None:
            result.issues.append(found)
    result.valid = result.member and not any(i.severity in ("error", "fatal") for i in result.issues)
    return result


def _unknown_code(
    checker: Checker, result: CodingResult, cs: CodeSystemIndex, display: str | None, paths: Paths, in_cc: bool
) -> CodingResult:
    if cs.is_complete:
        result.issues.append(messages.unknown_code(result.code, cs.url, cs.version, paths.code))
        _not_member(checker, result, display, paths, in_cc)
        return result
    # A fragment cannot show a code is wrong: it is not known here, which is not the same as invalid.
    result.issues.append(messages.unknown_code_in_fragment(result.code, cs.url, cs.version, paths.code))
    evaluation = checker.evaluation
    listed = evaluation is None or evaluation.find(cs.url, result.code) is not None
    if listed or (evaluation is not None and cs.url in evaluation.open_systems):
        result.valid = result.member = True
    else:
        _not_member(checker, result, display, paths, in_cc)
    return result


def check_coding_element(checker: Checker, coding: Mapping[str, Any]) -> ValidationResult:
    """Check a Coding element (the `coding` parameter, or a Coding bound to a value set)."""
    code = coding.get("code")
    if not isinstance(code, str) or not code:
        raise RequestError("the coding has no code", expression="Coding.code")
    paths = coding_paths("Coding")
    return from_coding(
        check_coding(checker, coding.get("system"), code, coding.get("version"), coding.get("display"), paths)
    )


def coding_paths(prefix: str) -> Paths:
    return Paths(f"{prefix}.code", f"{prefix}.system", f"{prefix}.display", prefix)


CODE_PATHS = Paths("code", "system", "display", "code")


@dataclass
class ValidationResult:
    """The answer of $validate-code, before it is written as Parameters."""

    result: bool
    issues: list[Issue]
    code: str | None = None
    system: str | None = None
    version: str | None = None
    display: str | None = None
    codeable_concept: Mapping[str, Any] | None = None
    concept: Concept | None = None
    normalized_code: str | None = None
    unknown_systems: list[str] = field(default_factory=list)
    caused_by_unknown: list[str] = field(default_factory=list)

    @property
    def message(self) -> str | None:
        """Errors, warnings and the 'valid for the default language' note, joined as tx.fhir.org does."""
        texts = [
            i.text
            for i in self.issues
            if (i.severity != "information" or i.message_id in MESSAGE_INFORMATION)
            and i.message_id not in MESSAGE_SILENT
            and not (self.result and i.message_id in MESSAGE_SILENT_WHEN_VALID)
        ]
        return "; ".join(dict.fromkeys(texts)) if texts else None


def from_coding(result: CodingResult) -> ValidationResult:
    out = ValidationResult(result.valid, result.issues, result.code, result.system, result.version, result.display)
    out.concept, out.normalized_code = result.concept, result.normalized_code
    _collect_unknown(out, result)
    return out


def _collect_unknown(out: ValidationResult, result: CodingResult) -> None:
    if result.unknown_system:
        target = out.caused_by_unknown if result.caused_by_unknown_system else out.unknown_systems
        if result.unknown_system not in target:
            target.append(result.unknown_system)


def check_codeable_concept(checker: Checker, cc: Mapping[str, Any]) -> ValidationResult:
    """A CodeableConcept is valid when one of its codings is; the other codings' problems are reported."""
    results = []
    for i, coding in enumerate(cc.get("coding", ())):
        if not isinstance(coding, dict) or not isinstance(coding.get("code"), str):
            continue
        paths = coding_paths(f"CodeableConcept.coding[{i}]")
        results.append(
            check_coding(
                checker,
                coding.get("system"),
                coding["code"],
                coding.get("version"),
                coding.get("display"),
                paths,
                in_cc=True,
            )
        )
    issues: list[Issue] = []
    if checker.evaluation is not None and not any(r.member or r.undetermined for r in results):
        issues.append(messages.no_valid_coding(checker.vs_label))
    for r in results:
        issues.extend(r.issues)
    best = next((r for r in results if r.valid), None) or next((r for r in results if r.concept), None)
    out = ValidationResult(any(r.valid for r in results), issues, codeable_concept=cc)
    if best is not None and (best.member or checker.evaluation is None):
        out.code, out.system, out.version, out.display = best.code, best.system, best.version, best.display
        out.concept, out.normalized_code = best.concept, best.normalized_code
    elif best is not None:  # a known code, but not in the value set: its display only
        out.display = best.display
    for r in results:
        _collect_unknown(out, r)
    return out


def to_parameters(outcome: ValidationResult, *, echo_location: bool) -> dict[str, Any]:
    """The $validate-code output Parameters."""
    params: list[dict[str, Any]] = [{"name": "result", "valueBoolean": outcome.result}]
    coded = outcome.codeable_concept is None or outcome.concept is not None
    if outcome.code is not None and coded:
        params.append({"name": "code", "valueCode": outcome.code})
    if outcome.system and coded:
        params.append({"name": "system", "valueUri": outcome.system})
        if outcome.version:
            params.append({"name": "version", "valueString": outcome.version})
    if outcome.display:
        params.append({"name": "display", "valueString": outcome.display})
    if outcome.codeable_concept is not None:
        params.append({"name": "codeableConcept", "valueCodeableConcept": dict(outcome.codeable_concept)})
    if outcome.concept is not None:
        if outcome.concept.inactive:
            params.append({"name": "inactive", "valueBoolean": True})
        if outcome.concept.status in REPORTED_STATUSES:
            params.append({"name": "status", "valueCode": outcome.concept.status})
    if outcome.normalized_code:
        params.append({"name": "normalized-code", "valueCode": outcome.normalized_code})
    if outcome.message:
        params.append({"name": "message", "valueString": outcome.message})
    if outcome.issues:
        # R4-style issue.location mirrors expression for value sets known by url, as tx.fhir.org writes it,
        # except on display issues (and anonymous inline value sets), where it gives expression only.
        issues = [replace(i, echo_location=echo_location and i.tx_code != "invalid-display") for i in outcome.issues]
        params.append({"name": "issues", "resource": operation_outcome(issues)})
    params.extend({"name": "x-unknown-system", "valueCanonical": s} for s in outcome.unknown_systems)
    params.extend({"name": "x-caused-by-unknown-system", "valueCanonical": s} for s in outcome.caused_by_unknown)
    return {"resourceType": "Parameters", "parameter": params}
