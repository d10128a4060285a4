"""Terminology bindings: required -> error, extensible -> warning, checked through a `Terminology`.

`Terminology` is the one interface the validator needs from a terminology service: is this code in that value
set? `LocalTerminology` answers from the ValueSets and CodeSystems the validator has loaded (core, package,
--ig); a fuller engine can be passed to `Session` instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from fhir_ldn.fhirpath.nodes import FNode
from fhir_ldn.validation.definitions import DefinitionSource
from fhir_ldn.validation.issues import Pointer
from fhir_ldn.validation.model import Elem

if TYPE_CHECKING:
    from fhir_ldn.validation.structure import Walker


@dataclass(frozen=True)
class CodeCheck:
    """Membership of one code in one value set: `member` is None when it cannot be decided."""

    member: bool | None
    message: str | None = None
    inactive: bool = False


class Terminology(Protocol):
    def check_code(self, value_set: str, system: str | None, code: str, version: str | None = None) -> CodeCheck: ...

    def value_set_title(self, value_set: str) -> str | None: ...


class LocalTerminology:
    """Expands ValueSets from the loaded definitions (enumerated concepts, whole code systems, is-a filters)."""

    def __init__(self, source: DefinitionSource):
        self.source = source
        self._expansions: dict[str, dict[str, set[str]] | None] = {}
        self._tables: dict[str, dict[str, dict[str, Any]] | None] = {}

    def value_set_title(self, value_set: str) -> str | None:
        vs = self.source.resource(value_set)
        if vs is None:
            return None
        return str(vs.get("title") or vs.get("name") or value_set)

    def check_code(self, value_set: str, system: str | None, code: str, version: str | None = None) -> CodeCheck:
        expansion = self.expand(value_set)
        if expansion is None:
            return CodeCheck(None)
        if system is None:
            systems = [s for s, codes in expansion.items() if code in codes]
            if len(expansion) == 1:
                return CodeCheck(bool(systems))
            return CodeCheck(True if systems else None)
        codes = expansion.get(system)
        if codes is None:
            return CodeCheck(False)
        concept = (self._table(system) or {}).get(code)
        if code in codes:
            inactive = _inactive(concept)
            if inactive and self._excludes_inactive(value_set):
                return CodeCheck(False, inactive=True)
            return CodeCheck(True, inactive=inactive)
        return CodeCheck(False)

    def _excludes_inactive(self, value_set: str) -> bool:
        vs = self.source.resource(value_set) or {}
        compose = vs.get("compose")
        return isinstance(compose, dict) and compose.get("inactive") is False

    def code_table(self, system: str) -> dict[str, dict[str, Any]] | None:
        """code -> concept for a loaded CodeSystem whose content is complete (None otherwise)."""
        table = self._table(system)
        cs = self.source.resource(system)
        if table is None or cs is None or cs.get("content") != "complete":
            return None
        return table

    def _table(self, system: str) -> dict[str, dict[str, Any]] | None:
        if system not in self._tables:
            cs = self.source.resource(system)
            if cs is None or cs.get("resourceType") != "CodeSystem":
                self._tables[system] = None
            else:
                table: dict[str, dict[str, Any]] = {}
                _flatten(cs.get("concept", []), table, None)
                self._tables[system] = table if cs.get("content") in ("complete", None, "fragment", "example") else None
        return self._tables[system]

    def expand(self, value_set: str) -> dict[str, set[str]] | None:
        """system -> codes, or None when the value set (or a code system it needs) is not fully known."""
        if value_set in self._expansions:
            return self._expansions[value_set]
        self._expansions[value_set] = None  # recursion guard
        vs = self.source.resource(value_set)
        result = self._expand(vs) if vs is not None and vs.get("resourceType") == "ValueSet" else None
        self._expansions[value_set] = result
        return result

    def _expand(self, vs: dict[str, Any]) -> dict[str, set[str]] | None:
        compose = vs.get("compose")
        if not isinstance(compose, dict):
            contains = vs.get("expansion", {}).get("contains")
            if isinstance(contains, list):
                out: dict[str, set[str]] = {}
                _from_contains(contains, out)
                return out
            return None
        out = {}
        for include in compose.get("include", []):
            part = self._include(include)
            if part is None:
                return None
            for system, codes in part.items():
                out.setdefault(system, set()).update(codes)
        for exclude in compose.get("exclude", []):
            part = self._include(exclude)
            if part is None:
                return None
            for system, codes in part.items():
                out.get(system, set()).difference_update(codes)
        return out

    def _include(self, include: dict[str, Any]) -> dict[str, set[str]] | None:
        sets = [self.expand(v) for v in include.get("valueSet", [])]
        if any(s is None for s in sets):
            return None
        system = include.get("system")
        result: dict[str, set[str]] | None = None
        if isinstance(system, str):
            if include.get("concept"):
                result = {system: {str(c.get("code")) for c in include["concept"]}}
            else:
                table = self._table(system)
                if table is None:
                    return None
                codes = set(table)
                for f in include.get("filter", []):
                    filtered = _apply_filter(table, f)
                    if filtered is None:
                        return None
                    codes &= filtered
                result = {system: codes}
        for s in sets:
            if s is None:
                return None
            if result is None:
                result = {k: set(v) for k, v in s.items()}
            else:
                result = {k: v & s.get(k, set()) for k, v in result.items()}
        return result or {}


def _flatten(concepts: list[dict[str, Any]], table: dict[str, dict[str, Any]], parent: str | None) -> None:
    for c in concepts:
        code = str(c.get("code"))
        entry = dict(c)
        entry["_parent"] = parent
        table[code] = entry
        _flatten(c.get("concept", []), table, code)


def _inactive(concept: dict[str, Any] | None) -> bool:
    if concept is None:
        return False
    for p in concept.get("property", []):
        inactive_value = p.get("valueCode") in ("retired", "inactive") or p.get("valueBoolean") is True
        if p.get("code") in ("status", "inactive") and inactive_value:
            return True
    return False


def _apply_filter(table: dict[str, dict[str, Any]], f: dict[str, Any]) -> set[str] | None:
    op, value, prop = f.get("op"), f.get("value"), f.get("property")
    if prop in ("concept", "code") and op in ("is-a", "descendent-of", "is-not-a"):
        below: set[str] = {str(value)} if op == "is-a" else set()
        changed = True
        while changed:
            changed = False
            for code, c in table.items():
                if code not in below and (c.get("_parent") in below or c.get("_parent") == value):
                    below.add(code)
                    changed = True
        if op == "descendent-of" and isinstance(value, str):
            below.discard(value)
        return set(table) - below if op == "is-not-a" else below & set(table)
    if op == "=" and isinstance(prop, str):
        return {
            code
            for code, c in table.items()
            if any(
                p.get("code") == prop and str(next((v for k, v in p.items() if k.startswith("value")), "")) == value
                for p in c.get("property", [])
            )
        }
    return None


def _from_contains(contains: list[dict[str, Any]], out: dict[str, set[str]]) -> None:
    for c in contains:
        if isinstance(c.get("system"), str) and isinstance(c.get("code"), str):
            out.setdefault(c["system"], set()).add(c["code"])
        _from_contains(c.get("contains", []), out)


_SHOULD = (
    "should come from this value set unless it has no suitable code (note that the validator cannot judge what is "
    "suitable)"
)


class BindingChecker:
    """Applies bindings and code system rules to coded values and records issues on the walker."""

    def __init__(self, source: DefinitionSource, terminology: Terminology | None):
        self.source = source
        self.external = terminology
        self.local = LocalTerminology(source)
        self.terminology: Terminology = terminology or self.local

    def reset(self) -> None:
        self.local = LocalTerminology(self.source)
        if self.external is None:
            self.terminology = self.local

    def member(self, walker: Walker, item: Any, value_set: str) -> bool | None:
        """memberOf(): whether a code, Coding or CodeableConcept is in a value set (None if unknown)."""
        value = item.v if isinstance(item, FNode) else item
        results = [self.terminology.check_code(value_set, s, c).member for s, c in _codings(value)]
        if any(r is True for r in results):
            return True
        if results and all(r is False for r in results):
            return False
        return None

    def _label(self, value_set: str) -> str:
        title = self.terminology.value_set_title(value_set) or value_set
        vs = self.source.resource(value_set)
        version = vs.get("version") if vs is not None else None
        url = value_set.split("|", 1)[0]
        return f"'{title}' ({url}|{version})" if version else f"'{title}' ({url})"

    def _system_known(self, value_set: str, code: str) -> bool:
        """Whether a bare code (no system) could be placed in one of the value set's code systems."""
        expansion = self.local.expand(value_set)
        return expansion is not None and any(code in codes for codes in expansion.values())

    # -- code systems ---------------------------------------------------------------------------------
    def check_coding(self, walker: Walker, coding: dict[str, Any], path: str, pointer: Pointer) -> None:
        """A Coding against its code system, when the code system is loaded and complete."""
        system, code = coding.get("system"), coding.get("code")
        if not isinstance(system, str) or not isinstance(code, str):
            return
        table = self.local.code_table(system)
        if table is None:
            return
        concept = table.get(code)
        if concept is None:
            cs = self.source.resource(system) or {}
            version = f" version '{cs['version']}'" if cs.get("version") else ""
            text = f"Unknown code '{system}#{code}' in the CodeSystem '{system}'{version}"
            walker.add("error", "code-invalid", f"{path}.code", pointer, text, "Unknown_Code_in_Version")
            return
        if _inactive(concept):
            text = f"The concept '{code}' has a status of inactive and its use should be reviewed"
            walker.add("warning", "business-rule", path, pointer, text, "INACTIVE_CONCEPT_FOUND")
        display = coding.get("display")
        if isinstance(display, str) and not _display_ok(concept, display):
            expected = concept.get("display", "")
            text = f"Wrong Display Name '{display}' for {system}#{code}. Valid display is '{expected}'"
            walker.add(
                "warning",
                "invalid",
                f"{path}.display",
                pointer,
                text,
                "Display_Name_for__should_be_one_of__instead_of_",
            )

    # -- bindings -------------------------------------------------------------------------------------
    def check(
        self, walker: Walker, value: Any, elem: Elem, tcode: str, path: str, pointer: Pointer, resource: Any = None
    ) -> None:
        binding = elem.binding
        if binding is None:
            return
        if binding.strength in ("required", "extensible") and binding.value_set:
            self._check_one(walker, value, binding.value_set, binding.strength, tcode, path, pointer, "")
        for additional in binding.additional:
            if additional.purpose not in ("required", "extensible"):
                continue
            context = _usage_applies(additional.usage, resource)
            if context is None:
                continue
            where = (
                f" specified in an additional binding which applies because {context}"
                if context
                else (" specified in an additional binding")
            )
            self._check_one(walker, value, additional.value_set, additional.purpose, tcode, path, pointer, where)

    def _check_one(
        self,
        walker: Walker,
        value: Any,
        value_set: str,
        strength: str,
        tcode: str,
        path: str,
        pointer: Pointer,
        where: str,
    ) -> None:
        if self.source.resource(value_set) is None:
            if strength == "required":
                text = f"ValueSet {value_set} not found by validator"
                walker.add("warning", "not-found", path, pointer, text, "Terminology_TX_ValueSet_NotFound")
            return
        severity = "error" if strength == "required" else "warning"
        label = self._label(value_set)
        codings = _codings(value)
        if not codings:
            if tcode == "CodeableConcept" and strength == "required" and isinstance(value, dict) and "text" in value:
                text = f"No code provided, and a code is required from the value set {label}"
                walker.add(severity, "code-invalid", path, pointer, text, "Terminology_TX_Code_ValueSet")
            return
        results = [(s, c, self.terminology.check_code(value_set, s, c)) for s, c in codings]
        if any(r.member is True for _, _, r in results) or any(r.member is None for _, _, r in results):
            return
        required = strength == "required"
        if tcode in ("code", "string", "uri"):
            if not self._system_known(value_set, codings[0][1]):
                vs = self.source.resource(value_set) or {}
                versioned = f"{value_set.split('|', 1)[0]}|{vs['version']}" if vs.get("version") else value_set
                code = codings[0][1]
                text = f"The System URI could not be determined for the code '{code}' in the ValueSet '{versioned}'"
                walker.add("error", "not-found", path, pointer, text, "CODE_FOUND_NO_SYSTEM")
            text = f"The value provided ('{codings[0][1]}') was not found in the value set {label}{where}, and a code "
            text += (
                "is required from this value set"
                if required
                else "should come from this value set unless it has no suitable code"
            )
            walker.add(severity, "code-invalid", path, pointer, text, "Terminology_TX_NoValid_16")
        elif tcode == "Coding":
            s, c, r = results[0]
            if r.inactive:
                text = f"The concept '{c}' is valid but is not active"
                walker.add(severity, "business-rule", f"{path}.code", pointer, text, "STATUS_CODE_WARNING_CODE")
            text = f"The Coding provided ({s}#{c}) was not found in the value set {label}{where}, and a code "
            text += "is required from this value set" if required else _SHOULD
            walker.add(severity, "code-invalid", path, pointer, text, "Terminology_TX_NoValid_12")
        else:
            codes = ", ".join(f"{s}#{c}" for s, c in codings)
            text = f"None of the codings provided are in the value set {label}{where}, and a coding "
            text += "from this value set is required)" if required else _SHOULD
            walker.add(
                severity, "code-invalid", path, pointer, f"{text} (codes = {codes})", "Terminology_TX_NoValid_1_CC"
            )


def _display_ok(concept: dict[str, Any], display: str) -> bool:
    if "display" not in concept:
        return True
    candidates = {str(concept.get("display", "")).lower()}
    candidates.update(str(d.get("value", "")).lower() for d in concept.get("designation", []) if isinstance(d, dict))
    return display.strip().lower() in candidates


def _usage_applies(usage: tuple[dict[str, Any], ...], resource: Any) -> str | None:
    """'' when an additional binding applies everywhere, 'Path = code' when a usage context matches, else None."""
    if not usage:
        return ""
    if not isinstance(resource, dict):
        return None
    for context in usage:
        code = context.get("code", {}).get("code") if isinstance(context.get("code"), dict) else None
        wanted = context.get("valueCodeableConcept")
        if not isinstance(code, str) or not isinstance(wanted, dict):
            continue
        element = code.split(".", 1)[1] if "." in code else code
        values = resource.get(element)
        for value in values if isinstance(values, list) else [values]:
            for s, c in _codings(value):
                if any(w.get("code") == c and w.get("system") in (s, None) for w in wanted.get("coding", [])):
                    return f"{code} = {c}"
    return None


def _codings(value: Any) -> list[tuple[str | None, str]]:
    """(system, code) pairs of a code string, Coding, CodeableConcept, CodeableReference or Quantity."""
    if isinstance(value, str):
        return [(None, value)]
    if not isinstance(value, dict):
        return []
    if isinstance(value.get("concept"), dict):
        return _codings(value["concept"])
    if isinstance(value.get("coding"), list):
        return [(c.get("system"), str(c["code"])) for c in value["coding"] if isinstance(c, dict) and "code" in c]
    if "code" in value and isinstance(value.get("code"), str):
        return [(value.get("system"), value["code"])]
    return []
