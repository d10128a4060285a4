"""Terminology messages: the texts, message ids and issue types of the HL7 terminology ecosystem (tx.fhir.org)."""

from __future__ import annotations

from fhir_ldn.errors import Issue, TerminologyError
from fhir_ldn.terminology.canonical import present_versions


def issue(severity: str, code: str, tx_code: str, message_id: str, text: str, expression: str | None = None) -> Issue:
    """One issue of a terminology operation (`echo_location` is decided when the outcome is written)."""
    return Issue(severity, code, text, expression, message_id=message_id, tx_code=tx_code)


def not_in_value_set(coding_text: str, vs_label: str, expression: str, *, severity: str = "error") -> Issue:
    tx_code = "not-in-vs" if severity == "error" else "this-code-not-in-vs"
    text = f"The provided code '{coding_text}' was not found in the value set '{vs_label}'"
    return issue(
        severity, "code-invalid", tx_code, "None_of_the_provided_codes_are_in_the_value_set_one", text, expression
    )


def no_valid_coding(vs_label: str) -> Issue:
    text = f"No valid coding was found for the value set '{vs_label}'"
    return issue("error", "code-invalid", "not-in-vs", "TX_GENERAL_CC_ERROR_MESSAGE", text)


def unknown_code(code: str, cs_url: str, cs_version: str | None, expression: str) -> Issue:
    if cs_version:
        text = f"Unknown code '{code}' in the CodeSystem '{cs_url}' version '{cs_version}'"
        return issue("error", "code-invalid", "invalid-code", "Unknown_Code_in_Version", text, expression)
    text = f"Unknown code '{code}' in the CodeSystem '{cs_url}'"
    return issue("error", "code-invalid", "invalid-code", "Unknown_Code_in", text, expression)


def unknown_code_in_fragment(code: str, cs_url: str, cs_version: str | None, expression: str) -> Issue:
    text = (
        f"Unknown Code '{code}' in the CodeSystem '{cs_url}' version '{cs_version or ''}' - note that the code "
        "system is labeled as a fragment, so the code may be valid in some other fragment"
    )
    return issue("warning", "code-invalid", "invalid-code", "UNKNOWN_CODE_IN_FRAGMENT", text, expression)


def unknown_code_system(system: str, expression: str, *, quoted: bool) -> Issue:
    name = f"'{system}'" if quoted else system
    text = f"A definition for CodeSystem {name} could not be found, so the code cannot be validated"
    return issue("error", "not-found", "not-found", "UNKNOWN_CODESYSTEM", text, expression)


def unknown_code_system_version(system: str, version: str, known: list[str], expression: str) -> Issue:
    start = (
        f"A definition for CodeSystem '{system}' version '{version}' could not be found, so the code cannot be "
        "validated."
    )
    if not known:
        text = f"{start} No versions of this code system are known"
        return issue("error", "not-found", "not-found", "UNKNOWN_CODESYSTEM_VERSION_NONE", text, expression)
    text = f"{start} Valid versions: {present_versions(known)}"
    return issue("error", "not-found", "not-found", "UNKNOWN_CODESYSTEM_VERSION", text, expression)


def relative_system(expression: str) -> Issue:
    text = "Coding.system must be an absolute reference, not a local reference"
    return issue("error", "invalid", "invalid-data", "Terminology_TX_System_Relative", text, expression)


def system_is_value_set(system: str, expression: str) -> Issue:
    text = f"The Coding references a value set, not a code system ('{system}')"
    return issue("error", "invalid", "invalid-data", "Terminology_TX_System_ValueSet2", text, expression)


def system_is_supplement(canonical: str, expression: str) -> Issue:
    text = f"CodeSystem {canonical} is a supplement, so can't be used as a value in Coding.system"
    return issue("error", "invalid", "invalid-data", "CODESYSTEM_CS_NO_SUPPLEMENT", text, expression)


def no_system(expression: str) -> Issue:
    text = (
        "Coding has no system. A code with no system has no defined meaning, and it cannot be validated. "
        "A system should be provided"
    )
    return issue("warning", "invalid", "invalid-data", "Coding_has_no_system__cannot_validate", text, expression)


def cannot_infer_system(code: str, vs_label: str, systems: list[str], expression: str) -> Issue:
    if systems:
        text = (
            f"The System URI could not be determined for the code '{code}' in the ValueSet '{vs_label}': value set "
            f"expansion has multiple matches: [{', '.join(systems)}]"
        )
        message_id = "Unable_to_resolve_system__value_set_has_multiple_matches"
    else:
        text = f"The System URI could not be determined for the code '{code}' in the ValueSet '{vs_label}'"
        message_id = "UNABLE_TO_INFER_CODESYSTEM"
    return issue("error", "not-found", "cannot-infer", message_id, text, expression)


def inactive_concept(code: str, status: str | None, expression: str) -> Issue:
    state = "inactive" if status in (None, "inactive") else f"{status} and inactive"
    text = f"The concept '{code}' has a status of {state} and its use should be reviewed"
    return issue("warning", "business-rule", "code-comment", "INACTIVE_CONCEPT_FOUND", text, expression)


def deprecated_concept(code: str, expression: str) -> Issue:
    text = f"The concept '{code}' is deprecated and its use should be reviewed"
    return issue("warning", "business-rule", "code-comment", "DEPRECATED_CONCEPT_FOUND", text, expression)


def deprecated_in_value_set(code: str, system: str, vs_label: str, expression: str) -> Issue:
    text = (
        f"The presence of the concept '{code}' in the system '{system}' in the value set {vs_label} is marked with "
        "a status of deprecated and its use should be reviewed"
    )
    return issue("warning", "business-rule", "code-comment", "CONCEPT_DEPRECATED_IN_VALUESET", text, expression)


def not_active(code: str, expression: str) -> Issue:
    text = f"The concept '{code}' is valid but is not active"
    return issue("error", "business-rule", "code-rule", "STATUS_CODE_WARNING_CODE", text, expression)


def abstract_code(coding_text: str, expression: str) -> Issue:
    text = f"Code '{coding_text}' is abstract, and not allowed in this context"
    return issue("error", "business-rule", "code-rule", "ABSTRACT_CODE_NOT_ALLOWED", text, expression)


def case_difference(given: str, correct: str, cs_canonical: str, expression: str) -> Issue:
    text = (
        f"The code '{given}' differs from the correct code '{correct}' by case. Although the code system "
        f"'{cs_canonical}' is case insensitive, implementers are strongly encouraged to use the correct case anyway"
    )
    return issue("information", "business-rule", "code-rule", "CODE_CASE_DIFFERENCE", text, expression)


def value_set_import_missing(url: str) -> Issue:
    text = f"A definition for the value Set '{url}' could not be found"
    return issue("error", "not-found", "not-found", "Unable_to_resolve_value_Set_", text)


def not_found(text: str, message_id: str, expression: str | None = None) -> TerminologyError:
    """A 404: something the request names (value set, code system, supplement, code) is not known here."""
    return TerminologyError(
        text, http_status=404, issue_code="not-found", message_id=message_id, tx_code="not-found", expression=expression
    )


def as_not_found(found: Issue) -> TerminologyError:
    """An issue (e.g. an unknown code) as a 404 error, keeping its message id and issue type."""
    error = not_found(found.text, found.message_id or "", found.expression)
    error.tx_code = found.tx_code
    return error


def unknown_value_set(url: str) -> TerminologyError:
    return not_found(f"A definition for the value Set '{url}' could not be found", "Unable_to_resolve_value_Set_")


def import_version_missing(url: str, version: str) -> TerminologyError:
    return not_found(f"Unable to find included value set '{url}' version '{version}'", "VS_EXP_IMPORT_UNK_PINNED")


def supplement_missing(url: str) -> TerminologyError:
    return not_found(f"Required supplement not found: {url}", "VALUESET_SUPPLEMENT_MISSING")


def filter_without_value(system: str, prop: str, op: str, expression: str) -> TerminologyError:
    return TerminologyError(
        f"The system {system} filter with property = {prop}, op = {op} has no value",
        http_status=422,
        issue_code="invalid",
        message_id="UNABLE_TO_HANDLE_SYSTEM_FILTER_WITH_NO_VALUE",
        tx_code="vs-invalid",
        expression=expression,
    )


def bad_filter(text: str, expression: str) -> TerminologyError:
    return TerminologyError(
        text,
        http_status=422,
        issue_code="invalid",
        message_id="FILTER_NOT_UNDERSTOOD",
        tx_code="vs-invalid",
        expression=expression,
    )


def cannot_expand_unknown_version(system: str, version: str, known: list[str]) -> TerminologyError:
    text = (
        f"A definition for CodeSystem '{system}' version '{version}' could not be found, so the value set cannot "
        f"be expanded. Valid versions: {present_versions(known)}"
    )
    return not_found(text, "UNKNOWN_CODESYSTEM_VERSION_EXP")


def cannot_expand_unknown_system(system: str, version: str | None) -> TerminologyError:
    name = f"{system}|{version}" if version else system
    text = f"A definition for CodeSystem '{name}' could not be found, so the value set cannot be expanded"
    return not_found(text, "UNKNOWN_CODESYSTEM_EXP")


def unknown_code_system_error(system: str) -> TerminologyError:
    return not_found(f"A definition for CodeSystem '{system}' could not be found", "UNKNOWN_CODESYSTEM")


def display_choices(displays: list[tuple[str, str | None]]) -> str:
    """'A' (en), 'B' (de) or 'C' — the valid displays as tx.fhir.org lists them."""
    rendered = [f"'{value}'" + (f" ({lang})" if lang else "") for value, lang in displays]
    if len(rendered) <= 1:
        return "".join(rendered)
    return ", ".join(rendered[:-1]) + " or " + rendered[-1]


def wrong_display(
    given: str, coding_text: str, displays: list[tuple[str, str | None]], languages: str, *, whitespace: bool
) -> str:
    what = "Wrong whitespace in Display Name" if whitespace else "Wrong Display Name"
    if len(displays) == 1:
        valid = f"Valid display is {display_choices(displays)}"
    else:
        valid = f"Valid display is one of {len(displays)} choices: {display_choices(displays)}"
    return f"{what} '{given}' for {coding_text}. {valid} (for the language(s) '{languages}')"


def unknown_concept_map(url: str) -> TerminologyError:
    return not_found(f"A definition for the ConceptMap '{url}' could not be found", "Unable_to_resolve_concept_map")


def version_not_allowed_text(system: str, version: str | None, required: str) -> str:
    return (
        f"The version '{version or ''}' is not allowed for system '{system}': required to be '{required}' by a "
        "version-check parameter"
    )


def version_not_allowed(system: str, version: str | None, required: str, expression: str) -> Issue:
    text = version_not_allowed_text(system, version, required)
    return issue("error", "exception", "version-error", "VALUESET_VERSION_CHECK", text, expression)


def version_check_failed(system: str, version: str | None, required: str) -> TerminologyError:
    return TerminologyError(
        version_not_allowed_text(system, version, required),
        http_status=422,
        issue_code="exception",
        message_id="VALUESET_VERSION_CHECK",
        tx_code="version-error",
    )


def version_mismatch(
    system: str, resolved: str | None, vs_version: str | None, used: str | None, coding_version: str, expression: str
) -> Issue:
    """The version the value set (or a version parameter) selects differs from the coding's own version."""
    if not resolved:
        text = (
            f"The code system '{system}' version '{used or ''}' for the versionless include in the ValueSet include "
            f"is different to the one in the value ('{coding_version}')"
        )
        return issue("warning", "invalid", "vs-invalid", "VALUESET_VALUE_MISMATCH_DEFAULT", text, expression)
    if resolved != vs_version:
        text = (
            f"The code system '{system}' version '{resolved}' resulting from the version '{vs_version or ''}' in the "
            f"ValueSet include is different to the one in the value ('{coding_version}')"
        )
        return issue("error", "invalid", "vs-invalid", "VALUESET_VALUE_MISMATCH_CHANGED", text, expression)
    text = (
        f"The code system '{system}' version '{resolved}' in the ValueSet include is different to the one in the "
        f"value ('{coding_version}')"
    )
    return issue("error", "invalid", "vs-invalid", "VALUESET_VALUE_MISMATCH", text, expression)
