"""Displays: the valid displays of a concept, display languages, and display validation."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fhir_ldn.constants import EXT_STANDARDS_STATUS, EXT_VS_EXPANSION_PARAMETER
from fhir_ldn.errors import Issue
from fhir_ldn.terminology import messages
from fhir_ldn.terminology.model import CodeSystemIndex, Concept, extension_value
from fhir_ldn.terminology.supplements import for_system, supplement_concepts

Display = tuple[str, str | None]  # (value, language)


def parse_languages(value: str | None) -> list[str]:
    """A displayLanguage parameter or an Accept-Language header as a list of language tags (q ignored)."""
    if not value:
        return []
    out = []
    for part in value.split(","):
        tag = part.split(";", 1)[0].strip()
        if tag and tag != "*" and tag not in out:
            out.append(tag)
    return out


def language_matches(tag: str | None, wanted: str) -> bool:
    """de matches de, de-CH; de-CH matches de-CH and de."""
    if not tag:
        return False
    tag, wanted = tag.lower(), wanted.lower()
    return tag == wanted or tag.startswith(wanted + "-") or wanted.startswith(tag + "-")


def supplement_designations(
    cs: CodeSystemIndex, concept: Concept, supplements: Iterable[CodeSystemIndex]
) -> list[tuple[CodeSystemIndex, dict[str, Any]]]:
    """(supplement, designation) for every designation the code system's supplements add to a concept."""
    return [
        (supplement, designation)
        for supplement, extra in supplement_concepts(concept, for_system(supplements, cs.url))
        for designation in extra.designations
    ]


# A designation with one of these standards statuses is a display no longer to be used ("deprecated" in messages).
RETIRED_DESIGNATION_STATUSES = frozenset({"deprecated", "withdrawn", "retired"})
# Designation uses that name a display (a designation with another use, e.g. a local "olde-english", is not one).
DISPLAY_USES = frozenset(
    {
        ("http://terminology.hl7.org/CodeSystem/hl7TermMaintInfra", "preferredForLanguage"),
        ("http://terminology.hl7.org/CodeSystem/designation-usage", "display"),
        ("http://snomed.info/sct", "900000000000003001"),
        ("http://snomed.info/sct", "900000000000013009"),
    }
)


def is_display_use(use: Any) -> bool:
    """Whether a designation with this `use` (None: no use) is a display."""
    if not isinstance(use, Mapping):
        return True
    return (use.get("system"), use.get("code")) in DISPLAY_USES


def _retired_designation(concept: Concept, given: str) -> Mapping[str, Any] | None:
    """The designation equal to `given` that is marked deprecated, withdrawn or retired (no longer a display)."""
    for designation in concept.designations:
        status = extension_value(designation, EXT_STANDARDS_STATUS)
        if status in RETIRED_DESIGNATION_STATUSES and designation.get("value") == given:
            return designation
    return None


def _current_designations(concept: Concept) -> list[str]:
    return [
        str(d["value"])
        for d in concept.designations
        if d.get("value") and is_display_use(d.get("use")) and extension_value(d, EXT_STANDARDS_STATUS) is None
    ]


def candidate_displays(cs: CodeSystemIndex, concept: Concept, supplements: Iterable[CodeSystemIndex]) -> list[Display]:
    """Every display and designation value of a concept with its language (the code system's for the display)."""
    out: list[Display] = []
    if concept.display:
        out.append((concept.display, cs.language))
    extra = [d for _, d in supplement_designations(cs, concept, supplements)]
    for designation in [*concept.designations, *extra]:
        value = designation.get("value")
        if isinstance(value, str) and value and is_display_use(designation.get("use")):
            item = (value, designation.get("language") or None)
            if item not in out:
                out.append(item)
    return out


def preferred_display(
    cs: CodeSystemIndex, concept: Concept, languages: list[str], supplements: Iterable[CodeSystemIndex] = ()
) -> str | None:
    """The display to show in the first requested language that has one, else the code system display."""
    candidates = candidate_displays(cs, concept, supplements)
    for wanted in languages:
        for value, lang in candidates:
            if language_matches(lang, wanted):
                return value
    return concept.display or (candidates[0][0] if candidates else None)


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip())


@dataclass(frozen=True)
class Paths:
    """Where the parts of the checked coding sit in the request, for issue expressions."""

    code: str
    system: str
    display: str
    coding: str

    @property
    def version(self) -> str:
        return "version" if self.coding == "code" else f"{self.coding}.version"


def check_display(
    given: str,
    coding_text: str,
    cs: CodeSystemIndex,
    concept: Concept,
    languages: list[str],
    supplements: Iterable[CodeSystemIndex],
    path: str,
    *,
    lenient: bool,
) -> Issue | None:
    """An issue when `given` is not a valid display for the concept in the requested languages, else None."""
    retired = _retired_designation(concept, given)
    if retired is not None:
        current = [d for d in [concept.display, *_current_designations(concept)] if d]
        text = (
            f"'{given}' is no longer considered a correct display for code '{concept.code}' (status = deprecated). "
            f'The correct display is one of "{", ".join(sorted(dict.fromkeys(current)))}".'
        )
        return messages.issue("warning", "invalid", "display-comment", "INACTIVE_DISPLAY_FOUND", text, path)
    candidates = candidate_displays(cs, concept, supplements)
    severity = "warning" if lenient else "error"
    if not languages:
        valid = candidates
    else:
        valid = [(v, lang) for v, lang in candidates if any(language_matches(lang, w) for w in languages)]
        if not valid:
            if any(v == given for v, _ in candidates):
                text = (
                    f"There are no valid display names found for the code {coding_text} for language(s) "
                    f"'{','.join(languages)}'. The display is '{given}' which is a valid display for the default "
                    "language"
                )
                return messages.issue(
                    "information", "invalid", "invalid-display", "NO_VALID_DISPLAY_FOUND_NONE_FOR_LANG_OK", text, path
                )
            text = (
                f"Wrong Display Name '{given}' for {coding_text}. There are no valid display names found for "
                f"language(s) '{','.join(languages)}'. Default display is '{concept.display or ''}'"
            )
            return messages.issue(
                severity, "invalid", "invalid-display", "NO_VALID_DISPLAY_FOUND_NONE_FOR_LANG_ERR", text, path
            )
    if any(v == given for v, _ in valid):
        return None
    whitespace = any(_normalise(v) == _normalise(given) for v, _ in valid)
    text = messages.wrong_display(given, coding_text, valid, ",".join(languages) or "--", whitespace=whitespace)
    message_id = (
        "Display_Name_WS_for__should_be_one_of__instead_of"
        if whitespace
        else "Display_Name_for__should_be_one_of__instead_of"
    )
    return messages.issue(severity, "invalid", "invalid-display", message_id, text, path)


def value_set_languages(vs: Mapping[str, Any] | None) -> list[str]:
    """The display language a value set asks for: a displayLanguage expansion parameter, else its language."""
    if vs is None:
        return []
    compose = vs.get("compose")
    for ext in compose.get("extension", ()) if isinstance(compose, dict) else ():
        if ext.get("url") != EXT_VS_EXPANSION_PARAMETER:
            continue
        parts = {e.get("url"): e for e in ext.get("extension", ())}
        if parts.get("name", {}).get("valueCode") == "displayLanguage":
            value = parts.get("value", {})
            return parse_languages(value.get("valueCode") or value.get("valueString"))
    return parse_languages(vs.get("language"))
