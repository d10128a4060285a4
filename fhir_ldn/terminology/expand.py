"""$expand: a value set's members as ValueSet.expansion (filter, paging, hierarchy, designations, properties)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fhir_ldn.constants import (
    CONCEPT_PROPERTIES,
    EXT_CS_CONCEPT_ORDER,
    EXT_CS_LABEL,
    EXT_ITEM_WEIGHT,
    EXT_RENDERING_STYLE,
    EXT_RENDERING_XHTML,
    EXT_VS_CONCEPT_DEFINITION,
    EXT_VS_CONCEPT_ORDER,
    EXT_VS_DEPRECATED,
    EXT_VS_LABEL,
    EXT_VS_UNCLOSED,
)
from fhir_ldn.terminology import limits, messages
from fhir_ldn.terminology.compose import Member
from fhir_ldn.terminology.display import language_matches, parse_languages, value_set_languages
from fhir_ldn.terminology.model import CodeSystemIndex, extension_value
from fhir_ldn.terminology.params import OperationParams
from fhir_ldn.terminology.supplements import for_system, resolve_supplements, supplement_concepts
from fhir_ldn.terminology.validate_request import eval_context, resolve_value_set
from fhir_ldn.work_budget import budgeted, check_budget

if TYPE_CHECKING:
    from fhir_ldn.terminology.service import TerminologyService

# Extensions of a concept that are copied to expansion.contains (the others become properties).
CONTAINS_EXTENSIONS = (EXT_RENDERING_STYLE, EXT_RENDERING_XHTML, EXT_VS_DEPRECATED, EXT_VS_CONCEPT_DEFINITION)
AUTO_PROPERTIES = {  # property code -> (uri, value[x], value set extension, code system extension)
    "order": ("order", "valueDecimal", EXT_VS_CONCEPT_ORDER, EXT_CS_CONCEPT_ORDER),
    "label": ("label", "valueString", EXT_VS_LABEL, EXT_CS_LABEL),
    "weight": ("itemWeight", "valueDecimal", EXT_ITEM_WEIGHT, EXT_ITEM_WEIGHT),
}
BOOLEAN_ECHO = (
    "activeOnly",
    "excludeNested",
    "includeDesignations",
    "includeDefinition",
    "excludeNotForUI",
    "excludePostCoordinated",
)
_DEFINITION = ("text", "compose", "contained", "expansion", "meta")
CANONICAL_ECHO = ("system-version", "force-system-version", "check-system-version")


@dataclass
class Options:
    """The $expand parameters that shape the answer."""

    active_only: bool = False
    exclude_nested: bool = False
    exclude_not_for_ui: bool = False
    include_designations: bool = False
    text: str | None = None
    count: int | None = None
    offset: int | None = None
    languages: list[str] = field(default_factory=list)
    properties: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, params: OperationParams, vs: Mapping[str, Any]) -> Options:
        return cls(
            active_only=bool(params.boolean("activeOnly", False)),
            exclude_nested=bool(params.boolean("excludeNested", False)),
            exclude_not_for_ui=bool(params.boolean("excludeNotForUI", False)),
            include_designations=bool(params.boolean("includeDesignations", False)),
            text=params.string("filter") or None,
            count=params.integer("count"),
            offset=params.integer("offset"),
            languages=parse_languages(params.string("displayLanguage")) or value_set_languages(vs),
            properties=list(dict.fromkeys(params.strings("property"))),
        )


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[^\w]+", text.casefold()) if w]


def matches_text(member: Member, text: str) -> bool:
    """Each word of the filter starts a word of the code, display or a designation."""
    haystack = [member.code, member.display or ""]
    if member.concept is not None:
        haystack.extend(str(d.get("value", "")) for d in member.concept.designations)
    words = [w for h in haystack for w in _words(h)]
    return all(any(w.startswith(term) for w in words) for term in _words(text))


class Writer:
    """Writes the contains entries (and the property declarations they need) for one expansion."""

    def __init__(self, options: Options, supplements: list[CodeSystemIndex]):
        self.options = options
        self.supplements = supplements
        self.declared: dict[str, str | None] = {}  # property code -> uri

    def _sources(self, member: Member) -> list[Mapping[str, Any]]:
        """Concept-level elements in increasing priority: code system, supplements, value set."""
        out: list[Mapping[str, Any]] = []
        if member.concept is not None and member.cs is not None:
            out.append({"extension": member.concept.extensions})
            for _, extra in supplement_concepts(member.concept, for_system(self.supplements, member.system)):
                out.append({"extension": extra.extensions})
        if member.vs_concept is not None:
            out.append(member.vs_concept)
        return out

    def _declare(self, code: str, uri: str | None) -> None:
        self.declared.setdefault(code, uri)

    def _properties(self, member: Member) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        concept, cs = member.concept, member.cs
        if concept is None or cs is None:
            return out
        extras = supplement_concepts(concept, for_system(self.supplements, member.system))
        for code in self.options.properties:
            if code == "definition" and concept.definition:
                self._declare("definition", f"{CONCEPT_PROPERTIES}#definition")
                out.append({"code": "definition", "valueString": concept.definition})
                continue
            for owner, defined in [(cs, concept), *extras]:
                for key, value in defined.property_values(code):
                    self._declare(code, owner.property_defs.get(code, {}).get("uri"))
                    out.append({"code": code, key: value})
        if concept.status:
            self._declare("status", f"{CONCEPT_PROPERTIES}#status")
            out.append({"code": "status", "valueCode": concept.status})
        sources = self._sources(member)
        for code, (uri, key, vs_ext, cs_ext) in AUTO_PROPERTIES.items():
            value = None
            for source in sources:
                found = extension_value(source, vs_ext if source is member.vs_concept else cs_ext)
                value = found if found is not None else value
            if value is not None:
                self._declare(code, f"{CONCEPT_PROPERTIES}#{uri}")
                out.append({"code": code, key: value})
        return out

    def _extensions(self, member: Member) -> list[dict[str, Any]]:
        chosen: dict[str, dict[str, Any]] = {}
        for source in self._sources(member):
            for ext in source.get("extension", ()):
                if isinstance(ext, dict) and ext.get("url") in CONTAINS_EXTENSIONS:
                    chosen[ext["url"]] = dict(ext)
        return list(chosen.values())

    def _designations(self, member: Member) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if member.concept is not None:
            out.extend(dict(d) for d in member.concept.designations)
            for _, extra in supplement_concepts(member.concept, for_system(self.supplements, member.system)):
                out.extend(dict(d) for d in extra.designations)
        if member.vs_concept is not None:
            out.extend(dict(d) for d in member.vs_concept.get("designation", ()) if isinstance(d, dict))
        return out

    def _display(self, member: Member) -> str | None:
        if self.options.languages and member.concept is not None:
            candidates = self._designations(member)
            for wanted in self.options.languages:
                if member.cs is not None and language_matches(member.cs.language, wanted) and member.display:
                    return member.display
                for d in candidates:
                    if language_matches(d.get("language"), wanted) and d.get("value"):
                        return str(d["value"])
        return member.display

    def entry(self, member: Member) -> dict[str, Any]:
        out: dict[str, Any] = {"system": member.system}
        extensions = self._extensions(member)
        if extensions:
            out["extension"] = extensions
        if member.concept is not None and member.concept.abstract:
            out["abstract"] = True
        if member.inactive:
            out["inactive"] = True
        out["code"] = member.code
        display = self._display(member)
        if display:
            out["display"] = display
        if self.options.include_designations:
            designations = self._designations(member)
            if designations:
                out["designation"] = designations
        properties = self._properties(member)
        if properties:
            out["property"] = properties
        return out

    def property_declarations(self) -> list[dict[str, Any]]:
        return [{"code": c, "uri": u} if u else {"code": c} for c, u in self.declared.items()]


def _nestable(member: Member, options: Options) -> bool:
    return member.hierarchy == "filter" or (member.hierarchy == "all" and not options.text)


def _tree(members: list[Member], writer: Writer, options: Options) -> list[dict[str, Any]]:
    """Nested contains: each nestable member under its nearest included ancestor."""
    entries = {(m.system, m.code): writer.entry(m) for m in members}
    nestable = {(m.system, m.code) for m in members if _nestable(m, options)}
    roots = []
    for m in members:
        key = (m.system, m.code)
        parent = None
        if key in nestable and m.cs is not None:
            parent = next(((m.system, a) for a in m.cs.ancestors(m.code) if (m.system, a) in nestable), None)
        if parent is None:
            roots.append(entries[key])
        else:
            entries[parent].setdefault("contains", []).append(entries[key])
    return roots


def _parameters(params: OperationParams, options: Options, used: Mapping[str, list[str]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for name in BOOLEAN_ECHO:
        value = params.boolean(name)
        if value is not None:
            out.append({"name": name, "valueBoolean": value})
    if options.count is not None:
        out.append({"name": "count", "valueInteger": options.count})
    if options.offset is not None:
        out.append({"name": "offset", "valueInteger": options.offset})
    if options.text is not None:
        out.append({"name": "filter", "valueString": options.text})
    if params.string("displayLanguage"):
        out.append({"name": "displayLanguage", "valueCode": params.string("displayLanguage")})
    for name in CANONICAL_ECHO:
        out.extend({"name": name, "valueUri": v} for v in params.strings(name))
    for name, values in used.items():
        out.extend({"name": name, "valueUri": v} for v in values)
    return out


def expand_value_set(
    service: TerminologyService,
    params: OperationParams,
    instance: Mapping[str, Any] | None = None,
    *,
    timestamp: str,
    identifier: str,
) -> dict[str, Any]:
    """ValueSet/$expand → the ValueSet with its expansion. `timestamp` and `identifier` come from the caller.

    Expansions of held value sets (no tx-resource) are cached per parameter set; each answer is a fresh
    top-level copy carrying its own timestamp and identifier.
    """
    service = service.with_resources(params.resources("tx-resource"))
    vs = resolve_value_set(service, params, instance)
    key = (id(vs), params.fingerprint())
    result = service.cached_expansion(key) if service.holds(vs) else None
    if result is None:
        result = _expand(service, params, vs)
        if service.holds(vs):
            service.cache_expansion(key, result)
    expansion = {"identifier": identifier, "timestamp": timestamp, **result["expansion"]}
    return {**result, "expansion": expansion}


def _expand(service: TerminologyService, params: OperationParams, vs: Mapping[str, Any]) -> dict[str, Any]:
    options = Options.read(params, vs)
    supplements = resolve_supplements(service, vs, params)
    evaluation = service.evaluation(vs, eval_context(service, params, vs))
    if evaluation.unexpandable:
        system, _, version = next(iter(evaluation.unexpandable)).partition("|")
        raise messages.cannot_expand_unknown_system(system, version or None)
    members = [
        m
        for m in budgeted(evaluation.members.values())
        if not (m.inactive and (options.active_only or evaluation.exclude_inactive))
        and not (options.exclude_not_for_ui and m.concept is not None and m.concept.abstract)
        and (options.text is None or matches_text(m, options.text))
    ]
    paging = options.count is not None or options.offset is not None
    start = options.offset or 0
    window = members[start : start + options.count] if options.count is not None else members[start:]
    limits.check_expansion_size(vs, len(window))
    check_budget()
    writer = Writer(options, supplements)
    flat = paging or options.exclude_nested
    contains = [writer.entry(m) for m in window] if flat else _tree(window, writer, options)
    used = {
        "used-codesystem": list(evaluation.used_codesystems),
        "used-valueset": list(evaluation.used_valuesets),
        "used-supplement": [s.canonical for s in supplements],
    }
    expansion: dict[str, Any] = {"total": len(members)}
    if evaluation.open_systems:  # whole-system includes of fragments: codes beyond the fragment may belong
        expansion["extension"] = [{"url": EXT_VS_UNCLOSED, "valueBoolean": True}]
    if paging:
        expansion["offset"] = start
    expansion["parameter"] = _parameters(params, options, used)
    declarations = writer.property_declarations()
    if declarations:
        expansion["property"] = declarations
    if contains:
        expansion["contains"] = contains
    # includeDefinition: the value set definition (compose, and what it refers to) comes with the expansion
    dropped = ("text", "expansion", "meta") if params.boolean("includeDefinition") else _DEFINITION
    header = {k: v for k, v in vs.items() if k not in dropped}
    return {**header, "resourceType": "ValueSet", "expansion": expansion}
