"""What stops a terminology operation from costing too much: circular value sets and over-large expansions.

The time budget itself is `fhir_ldn.work_budget` (checked in the loops of compose evaluation and expansion);
this module holds the terminology errors the HL7 terminology ecosystem expects for these cases.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fhir_ldn.errors import TerminologyError
from fhir_ldn.work_budget import current_budget


def value_set_key(vs: Mapping[str, Any]) -> str:
    """How a value set is named in a chain of imports: url|version (or its id, for an anonymous one)."""
    label = str(vs.get("url") or vs.get("id") or "(anonymous)")
    version = vs.get("version")
    return f"{label}|{version}" if isinstance(version, str) and version else label


def circular_reference(key: str, chain: tuple[str, ...]) -> TerminologyError:
    """A value set that includes or excludes itself, directly or through others."""
    pathway = " -> ".join((*chain[chain.index(key) :], key)) if key in chain else key
    return TerminologyError(
        f"Found a circularity pointing to {key} processing ValueSet with pathway {pathway}",
        http_status=422,
        issue_code="processing",
        message_id="VALUESET_CIRCULAR_REFERENCE",
        tx_code="vs-invalid",
    )


def too_deep(key: str, depth: int) -> TerminologyError:
    return TerminologyError(
        f"The value set {key} imports value sets nested more than {depth} levels deep",
        http_status=422,
        issue_code="too-costly",
        message_id="VALUESET_TOO_COSTLY",
    )


def check_expansion_size(vs: Mapping[str, Any], size: int) -> None:
    """TerminologyError (too-costly) if an expansion would return more codes than the current budget allows."""
    budget = current_budget()
    limit = budget.max_expansion_size if budget is not None else None
    if limit is not None and size > limit:
        raise TerminologyError(
            f"The value set '{value_set_key(vs)}' expansion has too many codes to display ({size}, more than the "
            f"limit of {limit}): ask for a page of it with count and offset",
            http_status=422,
            issue_code="too-costly",
            message_id="VALUESET_TOO_COSTLY",
        )
