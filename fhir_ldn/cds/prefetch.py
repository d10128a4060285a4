"""Prefetch templates, token substitution and the four states of a prefetched value (pure: no I/O here).

A prefetch key is `absent` (the client did not satisfy it: fetch it yourself), `null` or an empty Bundle (no
data), a Bundle or resource (data, maybe with a `next` page still to fetch), or an OperationOutcome (the client's
prefetch failed: fetch it yourself). See CDS Hooks 2.0 "Prefetch" and the notes in docs/architecture.md.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from fhir_ldn.cds.medications import Entry, as_list

# Templates obey the token rules: only root-level primitive context fields, type-level search with a
# reference and a token equality parameter (a list of values: any of them). They ask for what the rule counts
# (`fhir_ldn.cds.medications.COUNTABLE_STATUSES`): active and on-hold orders. Drafts are the hook's own
# `draftOrders`; another user's unsigned draft on the server is not yet the patient's medication. Statements are
# asked for whatever their status (R4 `active`, R5 `recorded` without an end), which the service then checks.
PREFETCH_TEMPLATES: Mapping[str, str] = {
    "medicationRequests": "MedicationRequest?patient={{context.patientId}}&status=active,on-hold",
    "medicationStatements": "MedicationStatement?patient={{context.patientId}}",
}
# Keys the decision needs: without them (and without a FHIR server to fetch them from) the answer is 412.
REQUIRED_KEYS = ("medicationRequests",)
# Keys used when present or fetchable; a failure to get them does not stop the decision.
OPTIONAL_KEYS = ("medicationStatements",)

_TOKEN = re.compile(r"\{\{\s*([A-Za-z0-9_.]+)\s*\}\}")
_USER_TOKENS = {
    "userPractitionerId": "Practitioner",
    "userPractitionerRoleId": "PractitionerRole",
    "userPatientId": "Patient",
    "userRelatedPersonId": "RelatedPerson",
}


class PrefetchState(enum.Enum):
    ABSENT = "absent"
    EMPTY = "empty"
    DATA = "data"
    FAILED = "failed"


@dataclass
class PrefetchValue:
    """What one prefetch key holds, normalised: its entries and the next page to fetch, if any."""

    state: PrefetchState
    entries: list[Entry] = field(default_factory=list)
    next_url: str | None = None
    problem: str | None = None


def _token_value(name: str, context: Mapping[str, Any]) -> str | None:
    if name.startswith("context."):
        value = context.get(name[len("context.") :])
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            return None
        return str(value)
    rtype = _USER_TOKENS.get(name)
    user = context.get("userId")
    if rtype and isinstance(user, str) and user.startswith(rtype + "/"):
        return user[len(rtype) + 1 :]
    return None


def render_template(template: str, context: Mapping[str, Any]) -> str | None:
    """The query with every token replaced (URL-encoded), or None when a token has no value in this context."""
    missing = False

    def substitute(match: re.Match[str]) -> str:
        nonlocal missing
        value = _token_value(match.group(1), context)
        if value is None:
            missing = True
            return ""
        return quote(value, safe="")

    rendered = _TOKEN.sub(substitute, template)
    return None if missing else rendered


def _error_outcome(resource: Mapping[str, Any]) -> bool:
    issues = resource.get("issue")
    return isinstance(issues, list) and any(
        isinstance(i, dict) and i.get("severity") in ("error", "fatal") for i in issues
    )


def next_link(bundle: Mapping[str, Any]) -> str | None:
    for link in as_list(bundle.get("link")):
        if isinstance(link, dict) and link.get("relation") == "next" and isinstance(link.get("url"), str):
            return str(link["url"])
    return None


def bundle_entries(bundle: Mapping[str, Any]) -> tuple[list[Entry], bool]:
    """(entries with a resource, whether an entry is an error OperationOutcome) of a Bundle."""
    entries: list[Entry] = []
    failed = False
    for entry in as_list(bundle.get("entry")):
        if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
            continue
        resource = entry["resource"]
        if resource.get("resourceType") == "OperationOutcome":
            failed = failed or _error_outcome(resource)
            continue
        full_url = entry.get("fullUrl")
        entries.append(Entry(resource, full_url if isinstance(full_url, str) else None))
    return entries, failed


def read_prefetch(prefetch: Mapping[str, Any], key: str) -> PrefetchValue:
    """Classify the client's value for `key`."""
    if key not in prefetch:
        return PrefetchValue(PrefetchState.ABSENT)
    value = prefetch[key]
    if value is None:
        return PrefetchValue(PrefetchState.EMPTY)
    rtype = value.get("resourceType")
    if rtype == "OperationOutcome":
        return PrefetchValue(PrefetchState.FAILED, problem="failed at the client (an OperationOutcome)")
    if rtype != "Bundle":
        return PrefetchValue(PrefetchState.DATA, [Entry(value)])
    entries, failed = bundle_entries(value)
    if failed:
        return PrefetchValue(PrefetchState.FAILED, problem="reported an error at the client")
    following = next_link(value)
    if not entries and following is None:
        return PrefetchValue(PrefetchState.EMPTY)
    return PrefetchValue(PrefetchState.DATA, entries, following)
