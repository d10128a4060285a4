"""Check a CDS Hooks 2.0 feedback body (`{"feedback": [...]}`) and normalise it (RequestError → HTTP 400)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fhir_ldn.errors import RequestError

OUTCOMES = ("accepted", "overridden")


@dataclass(frozen=True)
class FeedbackItem:
    """One feedback entry; `outcome_timestamp` is normalised to UTC ISO 8601."""

    card: str
    outcome: str
    outcome_timestamp: str
    accepted_suggestions: tuple[str, ...]
    reason_system: str | None
    reason_code: str | None
    reason_display: str | None
    user_comment: str | None

    def accepted_json(self) -> str:
        return json.dumps(list(self.accepted_suggestions))


def _timestamp(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise RequestError(f"'{where}' must be an RFC 3339 date-time", expression=where)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise RequestError(f"'{where}' must be an RFC 3339 date-time", expression=where) from exc
    if parsed.tzinfo is None:
        raise RequestError(f"'{where}' needs a time zone (e.g. Z)", expression=where)
    try:
        in_utc = parsed.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+00:01 is before year 1 in UTC
        raise RequestError(f"'{where}' is out of range", expression=where) from None
    return in_utc.isoformat().replace("+00:00", "Z")


def _string(obj: Mapping[str, Any], key: str, where: str, required: bool) -> str | None:
    value = obj.get(key)
    if value is None:
        if required:
            raise RequestError(f"'{where}.{key}' is required", expression=f"{where}.{key}")
        return None
    if not isinstance(value, str) or not value:
        raise RequestError(f"'{where}.{key}' must be a non-empty string", expression=f"{where}.{key}")
    return value


def _item(raw: Any, where: str) -> FeedbackItem:
    if not isinstance(raw, dict):
        raise RequestError(f"'{where}' must be an object", expression=where)
    card = _string(raw, "card", where, True)
    outcome = _string(raw, "outcome", where, True)
    if outcome not in OUTCOMES:
        raise RequestError(f"'{where}.outcome' must be accepted or overridden", expression=f"{where}.outcome")
    accepted = raw.get("acceptedSuggestions")
    ids: list[str] = []
    if accepted is not None:
        if not isinstance(accepted, list) or not accepted:
            raise RequestError(f"'{where}.acceptedSuggestions' must be a non-empty array", expression=where)
        for i, s in enumerate(accepted):
            if not isinstance(s, dict):
                raise RequestError(f"'{where}.acceptedSuggestions[{i}]' must be an object", expression=where)
            ids.append(str(_string(s, "id", f"{where}.acceptedSuggestions[{i}]", True)))
    if outcome == "accepted" and not ids:
        raise RequestError(f"'{where}.acceptedSuggestions' is required for accepted outcomes", expression=where)
    system = code = display = comment = None
    override = raw.get("overrideReason")
    if override is not None:
        if not isinstance(override, dict):
            raise RequestError(f"'{where}.overrideReason' must be an object", expression=f"{where}.overrideReason")
        reason = override.get("reason")
        comment = _string(override, "userComment", f"{where}.overrideReason", False)
        if reason is not None:
            if not isinstance(reason, dict):
                raise RequestError(f"'{where}.overrideReason.reason' must be a Coding", expression=where)
            system = _string(reason, "system", f"{where}.overrideReason.reason", True)
            code = _string(reason, "code", f"{where}.overrideReason.reason", True)
            display = _string(reason, "display", f"{where}.overrideReason.reason", False)
        elif comment is None:
            raise RequestError(f"'{where}.overrideReason' needs a reason or a userComment", expression=where)
    stamp = _timestamp(raw.get("outcomeTimestamp"), f"{where}.outcomeTimestamp")
    return FeedbackItem(str(card), str(outcome), stamp, tuple(ids), system, code, display, comment)


def parse_feedback(body: Mapping[str, Any]) -> list[FeedbackItem]:
    """The feedback items of a request body; RequestError for anything CDS Hooks 2.0 does not allow."""
    items = body.get("feedback")
    if not isinstance(items, list) or not items:
        raise RequestError("'feedback' must be a non-empty array", expression="feedback")
    return [_item(raw, f"feedback[{i}]") for i, raw in enumerate(items)]
