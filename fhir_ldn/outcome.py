"""The one place that builds OperationOutcome resources."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fhir_ldn.constants import MESSAGE_ID_EXTENSION, TX_ISSUE_TYPE
from fhir_ldn.errors import FhirLdnError, Issue

_EXT = "http://hl7.org/fhir/StructureDefinition/operationoutcome-"
ISSUE_LINE_EXTENSION = _EXT + "issue-line"
ISSUE_COL_EXTENSION = _EXT + "issue-col"


def _issue_json(issue: Issue) -> dict[str, Any]:
    out: dict[str, Any] = {"severity": issue.severity, "code": issue.code, "details": {"text": issue.text}}
    extensions: list[dict[str, Any]] = []
    if issue.line is not None:  # position in the validated document, as the HL7 validator reports it
        extensions.append({"url": ISSUE_LINE_EXTENSION, "valueInteger": issue.line})
    if issue.column is not None:
        extensions.append({"url": ISSUE_COL_EXTENSION, "valueInteger": issue.column})
    if issue.message_id:
        extensions.append({"url": MESSAGE_ID_EXTENSION, "valueString": issue.message_id})
    if extensions:
        out["extension"] = extensions
    if issue.tx_code:
        out["details"] = {"coding": [{"system": TX_ISSUE_TYPE, "code": issue.tx_code}], "text": issue.text}
    if issue.expression:
        out["expression"] = [issue.expression]
        if issue.echo_location:
            out["location"] = [issue.expression]
    if issue.location:
        out["diagnostics"] = issue.location
    return out


def operation_outcome(issues: Iterable[Issue]) -> dict[str, Any]:
    """An R5 OperationOutcome for the issues; an 'All OK' information issue when there are none."""
    items = [_issue_json(i) for i in issues]
    if not items:
        items = [{"severity": "information", "code": "informational", "details": {"text": "All OK"}}]
    return {"resourceType": "OperationOutcome", "issue": items}


def outcome_for_error(error: FhirLdnError) -> dict[str, Any]:
    """The OperationOutcome describing a raised error."""
    return operation_outcome(error.issues())


def error_outcome(code: str, text: str, *, severity: str = "error", expression: str | None = None) -> dict[str, Any]:
    """Shorthand for a single-issue OperationOutcome."""
    return operation_outcome([Issue(severity, code, text, expression)])
