"""Terminology: bindings (required -> error, extensible -> warning) and codes against their code systems.

The checks go through `EngineTerminology`, a thin adapter over the project's terminology engine
(`fhir_ldn.terminology.TerminologyService`) that resolves ValueSets and CodeSystems from the validator's
definitions (the package, --ig sources, the R5 core and extensions packages).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fhir_ldn.errors import FhirLdnError
from fhir_ldn.fhirpath.nodes import FNode
from fhir_ldn.terminology import Concept, Evaluation, Member, TerminologyService
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


class EngineTerminology:
    """`Terminology` over the project's terminology engine (`fhir_ldn.terminology.TerminologyService`)."""

    def __init__(self, service: TerminologyService):
        self.service = service
        self._evaluations: dict[str, Evaluation | None] = {}  # by canonical (the service's content is fixed)

    def _evaluation(self, value_set: str) -> Evaluation | None:
        if value_set in self._evaluations:
            return self._evaluations[value_set]
        vs = self.service.find_value_set(value_set)
        found = None
        if vs is not None:
            try:
                found = self.service.evaluation(vs)
            except FhirLdnError:  # an import or a filter the engine cannot evaluate
                found = None
        self._evaluations[value_set] = found
        return found

    def value_set_title(self, value_set: str) -> str | None:
        vs = self.service.find_value_set(value_set)
        return None if vs is None else str(vs.get("title") or vs.get("name") or value_set)

    def check_code(self, value_set: str, system: str | None, code: str, version: str | None = None) -> CodeCheck:
        evaluation = self._evaluation(value_set)
        if evaluation is None:
            return CodeCheck(None)
        if system is None:  # a bare code: the value set must place it in one of its systems
            first = evaluation.first_with_code(code)
            if first is not None:
                return self._member(evaluation, first)
            return CodeCheck(False if not evaluation.unknown_systems and not evaluation.open_systems else None)
        member = evaluation.find(system, code)
        if member is not None:
            return self._member(evaluation, member)
        try:
            contained = self.service.contains(value_set, system, code)
        except (KeyError, FhirLdnError):
            return CodeCheck(None)
        if contained is None and system not in evaluation.unexpandable and system not in evaluation.open_systems:
            contained = False  # the value set lists this system's codes one by one, and not this one
        return CodeCheck(contained)

    @staticmethod
    def _member(evaluation: Evaluation, member: Member) -> CodeCheck:
        if evaluation.exclude_inactive and member.inactive:
            return CodeCheck(False, inactive=True)
        return CodeCheck(True, inactive=member.inactive)

    def concept(self, system: str, code: str) -> tuple[Concept | None, bool]:
        """(the concept, whether the code system is held complete so that an unknown code is an error)."""
        cs = self.service.find_code_system(system)
        if cs is None:
            return None, False
        return cs.find(code), cs.is_complete

    def version_of(self, system: str) -> str | None:
        cs = self.service.find_code_system(system)
        return cs.version if cs is not None else None


_SHOULD = (
    "should come from this value set unless it has no suitable code (note that the validator cannot judge what is "
    "suitable)"
)


class BindingChecker:
    """Applies bindings and code system rules to coded values and records issues on the walker."""

    def __init__(self, source: DefinitionSource, terminology: EngineTerminology | None = None):
        self.source = source
        self.external = terminology
        self.terminology = terminology or EngineTerminology(TerminologyService(fallback=source.resource))

    def reset(self) -> None:
        """Forget cached terminology after definitions were added."""
        if self.external is None:
            self.terminology = EngineTerminology(TerminologyService(fallback=self.source.resource))

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
        check = self.terminology.check_code(value_set, None, code)
        return check.member is True or check.inactive

    # -- code systems ---------------------------------------------------------------------------------
    def check_coding(self, walker: Walker, coding: dict[str, Any], path: str, pointer: Pointer) -> None:
        """A Coding against its code system, when the code system is loaded and complete."""
        system, code = coding.get("system"), coding.get("code")
        if not isinstance(system, str) or not isinstance(code, str):
            return
        concept, complete = self.terminology.concept(system, code)
        if concept is None:
            if complete:
                version = self.terminology.version_of(system)
                shown = f" version '{version}'" if version else ""
                text = f"Unknown code '{system}#{code}' in the CodeSystem '{system}'{shown}"
                walker.add("error", "code-invalid", f"{path}.code", pointer, text, "Unknown_Code_in_Version")
            return
        if concept.inactive:
            text = f"The concept '{code}' has a status of inactive and its use should be reviewed"
            walker.add("warning", "business-rule", path, pointer, text, "INACTIVE_CONCEPT_FOUND")
        display = coding.get("display")
        if isinstance(display, str) and not _display_ok(concept, display):
            expected = concept.display or ""
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
        codings = _codings(value)
        if not codings:
            if tcode == "CodeableConcept" and strength == "required" and isinstance(value, dict) and "text" in value:
                text = f"No code provided, and a code is required from the value set {self._label(value_set)}"
                walker.add(severity, "code-invalid", path, pointer, text, "Terminology_TX_Code_ValueSet")
            return
        results = [(s, c, self.terminology.check_code(value_set, s, c)) for s, c in codings]
        if any(r.member is True for _, _, r in results) or any(r.member is None for _, _, r in results):
            return
        label = self._label(value_set)
        required = strength == "required"
        if tcode in ("code", "string", "uri"):
            if required and not self._system_known(value_set, codings[0][1]):
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


def _display_ok(concept: Concept, display: str) -> bool:
    if concept.display is None:
        return True
    candidates = {concept.display.lower()}
    candidates.update(str(d.get("value", "")).lower() for d in concept.designations if isinstance(d, dict))
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
        return [pair for c in value["coding"] for pair in _codings(c) if isinstance(c, dict) and "coding" not in c]
    system = value.get("system")
    if isinstance(value.get("code"), str) and (system is None or isinstance(system, str)):
        return [(system, value["code"])]
    return []  # no code, or a system that is not a string (reported by the structure checks)
