"""ValueSet.compose evaluation: includes, nested value sets (intersected), filters and excludes → members."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from fhir_ldn.errors import TerminologyError
from fhir_ldn.terminology import filters, limits, messages, status
from fhir_ldn.terminology.canonical import version_matches
from fhir_ldn.terminology.model import CodeSystemIndex, Concept
from fhir_ldn.work_budget import budgeted, check_budget

if TYPE_CHECKING:
    from fhir_ldn.terminology.service import TerminologyService

Key = tuple[str, str]
MAX_DEPTH = 20


@dataclass(slots=True)
class Member:
    """One (system, code) of a value set, with where it came from."""

    system: str
    version: str | None
    code: str
    concept: Concept | None  # None when the code system is not held, or the code is unknown to a fragment
    cs: CodeSystemIndex | None
    vs_concept: Mapping[str, Any] | None = None  # the compose.include.concept entry that listed it
    hierarchy: str = "none"  # "all" (whole code system), "filter" (is-a and friends) or "none"
    include_version: str | None = None  # the version the include (compose.include.version) asks for

    @property
    def inactive(self) -> bool:
        return self.concept is not None and self.concept.inactive

    @property
    def display(self) -> str | None:
        if self.vs_concept is not None and self.vs_concept.get("display"):
            return str(self.vs_concept["display"])
        return self.concept.display if self.concept is not None else None


class ImportMissingError(TerminologyError):
    """A value set imported by compose.include.valueSet cannot be found."""

    def __init__(self, url: str):
        missing = messages.value_set_import_missing(url)
        super().__init__(
            missing.text, http_status=404, issue_code="not-found", message_id=missing.message_id, tx_code="not-found"
        )
        self.url = url


@dataclass
class Evaluation:
    """The members of a value set (before activeOnly and text filters) and what was used to get them."""

    members: dict[Key, Member] = field(default_factory=dict)
    used_codesystems: dict[str, None] = field(default_factory=dict)
    used_valuesets: dict[str, None] = field(default_factory=dict)
    unknown_systems: dict[str, None] = field(default_factory=dict)  # included, not held: members unknown
    unexpandable: dict[str, None] = field(default_factory=dict)  # whole/filter includes of unknown systems
    open_systems: dict[str, None] = field(default_factory=dict)  # whole/filter includes of fragments
    systems: dict[str, None] = field(default_factory=dict)  # every system an include names
    code_systems: dict[str, CodeSystemIndex] = field(default_factory=dict)  # the version used, per system
    include_versions: dict[str, list[str | None]] = field(default_factory=dict)  # per system, as authored
    check_failures: dict[str, tuple[str | None, str]] = field(default_factory=dict)  # system -> (used, required)
    status_notes: dict[str, tuple[str, str]] = field(default_factory=dict)  # canonical -> (label, type): status.py
    exclude_inactive: bool = False  # compose.inactive = false at the top level
    _folded: dict[Key, Member] | None = field(default=None, repr=False)  # case-insensitive lookups, built lazily
    _by_code: dict[str, Member] | None = field(default=None, repr=False)  # first member per bare code, lazily

    def merge_usage(self, other: Evaluation) -> None:
        names = (
            "used_codesystems",
            "used_valuesets",
            "unknown_systems",
            "unexpandable",
            "open_systems",
            "systems",
            "code_systems",
            "check_failures",
            "status_notes",
        )
        for name in names:
            getattr(self, name).update(getattr(other, name))
        for system, versions in other.include_versions.items():
            self.include_versions.setdefault(system, []).extend(versions)

    def find(self, system: str, code: str) -> Member | None:
        """The member for system+code (case-insensitively for case-insensitive code systems)."""
        member = self.members.get((system, code))
        if member is not None:
            return member
        if self._folded is None:
            self._folded = {
                (m.system, m.code.casefold()): m
                for m in self.members.values()
                if m.cs is not None and not m.cs.case_sensitive
            }
        return self._folded.get((system, code.casefold()))

    def first_with_code(self, code: str) -> Member | None:
        """The first member (in value set order) with this code, whatever its system."""
        if self._by_code is None:
            by_code: dict[str, Member] = {}
            for (_, c), m in self.members.items():
                by_code.setdefault(c, m)
            self._by_code = by_code
        return self._by_code.get(code)


@dataclass
class EvalContext:
    """Request-wide settings of one evaluation."""

    service: TerminologyService
    system_versions: Mapping[str, str] = field(default_factory=dict)  # system-version: default versions
    force_versions: Mapping[str, str] = field(default_factory=dict)  # force-system-version: override
    check_versions: Mapping[str, str] = field(default_factory=dict)  # check-system-version: must agree
    root: Mapping[str, Any] | None = None  # the value set whose contained resources '#id' refers to
    stack: tuple[str, ...] = ()
    used: dict[tuple[str, str], None] = field(default_factory=dict)  # (parameter, url|version) that chose a version
    value_set_versions: Mapping[str, str] = field(default_factory=dict)  # default-valueset-version: for imports

    def value_set_canonical(self, canonical: str) -> str:
        """A value set reference with the default-valueset-version applied when it names no version."""
        url, sep, _ = canonical.partition("|")
        if sep or url not in self.value_set_versions:
            return canonical
        pinned = f"{url}|{self.value_set_versions[url]}"
        self.used[("default-valueset-version", pinned)] = None
        return pinned

    def base_version(self, system: str, version: str | None) -> str | None:
        """The version to use: force-system-version, else the one asked for, else system-version, else the
        check-system-version pattern (each parameter that decides is noted in `used`)."""
        for name, rules in (
            ("force-system-version", self.force_versions),
            ("", {system: version} if version else {}),
            ("system-version", self.system_versions),
            ("check-system-version", self.check_versions),
        ):
            if system in rules:
                if name:
                    self.used[(name, f"{system}|{rules[system]}")] = None
                return rules[system]
        return None

    def check_failure(self, system: str, used: str | None) -> str | None:
        """The check-system-version pattern the used version violates, or None."""
        required = self.check_versions.get(system)
        return required if required is not None and not version_matches(required, used) else None


def _system_part(ctx: EvalContext, include: Mapping[str, Any], path: str, out: Evaluation) -> dict[Key, Member]:
    system = str(include["system"])
    out.systems[system] = None
    asked = include.get("version") if isinstance(include.get("version"), str) else None
    out.include_versions.setdefault(system, []).append(asked)
    version = ctx.base_version(system, asked)
    cs = ctx.service.find_code_system(system, version)
    if cs is not None:
        required = ctx.check_failure(system, cs.version)
        if required is not None:
            out.check_failures[system] = (cs.version, required)
    concepts = [c for c in include.get("concept", ()) if isinstance(c, dict) and isinstance(c.get("code"), str)]
    members: dict[Key, Member] = {}
    if cs is None:
        out.unknown_systems[system] = None
        if not concepts:
            out.unexpandable[f"{system}|{version}" if version else system] = None
        for c in concepts:  # listed codes of a code system we do not hold: members, but not checkable
            members[(system, c["code"])] = Member(system, version, c["code"], None, None, c, include_version=asked)
        return members
    out.used_codesystems[cs.canonical] = None
    status.note(out.status_notes, cs.resource)
    out.code_systems.setdefault(system, cs)
    if concepts:
        for c in concepts:
            concept = cs.find(c["code"])
            if concept is not None:
                members[(system, concept.code)] = Member(
                    system, cs.version, concept.code, concept, cs, c, include_version=asked
                )
            elif not cs.is_complete:  # not known to a fragment: listed, so a member, but unverified
                members[(system, c["code"])] = Member(system, cs.version, c["code"], None, cs, c, include_version=asked)
        return members
    if not cs.is_complete:
        out.open_systems[system] = None
    flts = [f for f in include.get("filter", ()) if isinstance(f, dict)]
    codes: list[str] | None = None
    for i, flt in enumerate(flts):
        check_budget()
        selected = filters.filter_codes(cs, flt, f"{path}.filter[{i}]")
        if codes is None:
            codes = selected
        else:
            chosen = set(selected)
            codes = [c for c in codes if c in chosen]
    hierarchy = "all" if not flts else ("filter" if all(filters.is_hierarchical(f) for f in flts) else "none")
    for code in budgeted(codes if codes is not None else list(cs.concepts)):
        members[(system, code)] = Member(system, cs.version, code, cs.concepts[code], cs, None, hierarchy, asked)
    return members


def _resolve_import(ctx: EvalContext, canonical: str) -> tuple[Mapping[str, Any], bool]:
    """The imported value set and whether it is contained (contained ones are not 'used-valueset')."""
    if canonical.startswith("#") and ctx.root is not None:
        for res in ctx.root.get("contained", ()):
            if isinstance(res, dict) and res.get("resourceType") == "ValueSet" and res.get("id") == canonical[1:]:
                return res, True
        raise ImportMissingError(canonical)
    canonical = ctx.value_set_canonical(canonical)
    found = ctx.service.find_value_set(canonical)
    if found is None:
        raise ImportMissingError(canonical)
    return found, False


def _include(ctx: EvalContext, include: Mapping[str, Any], path: str, out: Evaluation) -> dict[Key, Member]:
    parts: list[dict[Key, Member]] = []
    if isinstance(include.get("system"), str):
        parts.append(_system_part(ctx, include, path, out))
    for canonical in include.get("valueSet", ()):
        imported, contained = _resolve_import(ctx, str(canonical))
        sub = evaluate(ctx.service, imported, ctx, top=False)
        out.merge_usage(sub)
        if not contained:
            label = imported.get("url", canonical)
            out.used_valuesets[f"{label}|{imported['version']}" if imported.get("version") else str(label)] = None
        # an imported value set's codes come without their code system's hierarchy
        parts.append({k: replace(m, hierarchy="none") if m.hierarchy != "none" else m for k, m in sub.members.items()})
    if not parts:
        return {}
    result = parts[0]
    for other in parts[1:]:  # several valueSets (and a system) in one include: their intersection
        result = {k: m for k, m in result.items() if k in other}
    return result


def evaluate(
    service: TerminologyService, vs: Mapping[str, Any], ctx: EvalContext | None = None, *, top: bool = True
) -> Evaluation:
    """Evaluate a ValueSet's compose (or read its stored expansion) into members."""
    ctx = ctx or EvalContext(service, root=vs)
    check_budget()
    label = limits.value_set_key(vs)
    if label in ctx.stack:
        raise limits.circular_reference(label, ctx.stack)
    if len(ctx.stack) >= MAX_DEPTH:
        raise limits.too_deep(label, MAX_DEPTH)
    inner = EvalContext(
        ctx.service,
        ctx.system_versions,
        ctx.force_versions,
        ctx.check_versions,
        ctx.root or vs,
        (*ctx.stack, label),
        ctx.used,
        ctx.value_set_versions,
    )
    out = Evaluation()
    status.note(out.status_notes, vs)
    compose = vs.get("compose")
    if not isinstance(compose, dict):
        _from_stored_expansion(service, vs, out)
        return out
    for i, include in enumerate(compose.get("include", ())):
        for key, member in _include(inner, include, f"ValueSet.compose.include[{i}]", out).items():
            out.members.setdefault(key, member)
    for i, exclude in enumerate(compose.get("exclude", ())):
        for key in _include(inner, exclude, f"ValueSet.compose.exclude[{i}]", Evaluation()):
            out.members.pop(key, None)
    if compose.get("exclude"):  # what is left after an exclude is a list, not the code system's hierarchy
        out.members = {k: replace(m, hierarchy="none") if m.hierarchy != "none" else m for k, m in out.members.items()}
    if compose.get("inactive") is False:
        if top:
            out.exclude_inactive = True
        else:
            out.members = {k: m for k, m in out.members.items() if not m.inactive}
    return out


def _from_stored_expansion(service: TerminologyService, vs: Mapping[str, Any], out: Evaluation) -> None:
    stack = list(vs.get("expansion", {}).get("contains", ()))
    for item in budgeted(stack):  # breadth first; the list grows as nested items are met
        stack.extend(item.get("contains", ()))
        system, code = item.get("system"), item.get("code")
        if not isinstance(system, str) or not isinstance(code, str):
            continue
        cs = service.find_code_system(system, item.get("version"))
        concept = cs.find(code) if cs is not None else None
        out.systems[system] = None
        out.members.setdefault((system, code), Member(system, item.get("version"), code, concept, cs, item))
