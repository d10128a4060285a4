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
    EXT_STANDARDS_STATUS,
    EXT_VS_CONCEPT_DEFINITION,
    EXT_VS_CONCEPT_ORDER,
    EXT_VS_DEPRECATED,
    EXT_VS_LABEL,
    EXT_VS_UNCLOSED,
    EXT_VS_UNCLOSED_REASON,
)
from fhir_ldn.terminology import messages, status
from fhir_ldn.terminology.compose import EvalContext, ImportMissingError, Member
from fhir_ldn.terminology.display import language_matches, parse_languages, value_set_languages
from fhir_ldn.terminology.model import CodeSystemIndex, extension_value
from fhir_ldn.terminology.params import OperationParams
from fhir_ldn.terminology.supplements import for_system, resolve_supplements, supplement_concepts
from fhir_ldn.terminology.validate_request import eval_context, resolve_value_set

if TYPE_CHECKING:
    from fhir_ldn.terminology.service import TerminologyService

# Extensions of a concept that are copied to expansion.contains (the others become properties).
CONTAINS_EXTENSIONS = (
    EXT_RENDERING_STYLE,
    EXT_RENDERING_XHTML,
    EXT_VS_DEPRECATED,
    EXT_VS_CONCEPT_DEFINITION,
    EXT_STANDARDS_STATUS,
)
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
LANGUAGE_SYSTEM = "urn:ietf:bcp:47"
PREFERRED_FOR_LANGUAGE = {
    "system": "http://terminology.hl7.org/CodeSystem/hl7TermMaintInfra",
    "code": "preferredForLanguage",
    "display": "Preferred For Language",
}
VS_ONLY = (EXT_STANDARDS_STATUS,)  # copied only when the value set says it of the concept
# Without includeDefinition the expansion carries the value set's identity and status, not its definition.
SUMMARY = ("id", "language", "url", "identifier", "version", "name", "title", "status", "experimental", "date")
SUMMARY_MORE = ("publisher",)


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
    language_echo: str | None = None  # the display language in force, as expansion.parameter displayLanguage
    only_languages: bool = False  # '*;q=0': no display at all rather than one in another language
    designations: list[tuple[str, str]] = field(default_factory=list)  # designation parameters: (system, code)
    properties: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, params: OperationParams, vs: Mapping[str, Any], accept_language: str | None = None) -> Options:
        given = params.string("displayLanguage")
        vs_languages = value_set_languages(vs)
        if given:
            echo: str | None = given
        elif vs_languages:
            echo = ",".join(vs_languages)
        else:
            echo = accept_language
        wanted = [tuple(d.rpartition("|")[::2]) for d in params.strings("designation")]
        return cls(
            active_only=bool(params.boolean("activeOnly", False)),
            exclude_nested=bool(params.boolean("excludeNested", False)),
            exclude_not_for_ui=bool(params.boolean("excludeNotForUI", False)),
            include_designations=bool(params.boolean("includeDesignations", False)),
            text=params.string("filter") or None,
            count=params.integer("count"),
            offset=params.integer("offset"),
            languages=parse_languages(given) or vs_languages or parse_languages(accept_language),
            language_echo=_echo_languages(echo) if echo else None,
            only_languages=excludes_other_languages(echo),
            designations=[(system, code) for system, code in wanted],
            properties=list(dict.fromkeys(params.strings("property"))),
        )


def _echo_languages(value: str) -> str:
    """A language list as tx.fhir.org echoes it: weighted lists are re-rendered ('de,*;q=0' -> 'de, *; q=0')."""
    if ";" not in value:
        return value
    return ", ".join("; ".join(p.strip() for p in part.split(";")) for part in value.split(",") if part.strip())


def excludes_other_languages(value: str | None) -> bool:
    """Whether a language list refuses every language it does not name ('*;q=0')."""
    for part in (value or "").split(","):
        tag, *weights = (p.strip() for p in part.split(";"))
        if tag == "*" and any(w.replace(" ", "") in ("q=0", "q=0.0") for w in weights):
            return True
    return False


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
        self.versioned: set[str] = set()  # systems whose codes come from more than one version: say which

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
        if concept.status and concept.status != "active":
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
                if not isinstance(ext, dict) or (ext.get("url") in VS_ONLY and source is not member.vs_concept):
                    continue
                if ext.get("url") in CONTAINS_EXTENSIONS:
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

    def _display(self, member: Member) -> tuple[str | None, dict[str, Any] | None]:
        """The display in the requested language, and the designation it was taken from (None: the display)."""
        if self.options.languages and member.concept is not None:
            candidates = self._designations(member)
            for wanted in self.options.languages:
                if member.cs is not None and language_matches(member.cs.language, wanted) and member.display:
                    return member.display, None
                for d in candidates:
                    if language_matches(d.get("language"), wanted) and d.get("value"):
                        return str(d["value"]), d
            if self.options.only_languages:
                return None, None
        return member.display, None

    def _wanted(self, designation: Mapping[str, Any]) -> bool:
        """Whether a designation is one the designation parameters ask for (all are, when none is given)."""
        if not self.options.designations:
            return True
        found = designation.get("use")
        use: Mapping[str, Any] = found if isinstance(found, dict) else {}
        for system, code in self.options.designations:
            if system == LANGUAGE_SYSTEM and designation.get("language") == code:
                return True
            if use.get("system") == system and use.get("code") == code:
                return True
        return False

    def _shown_designations(
        self, member: Member, display: str | None, chosen: Mapping[str, Any] | None
    ) -> list[dict[str, Any]]:
        """The designations of an entry; when another language's designation is the display, the code system's
        own display takes its place in the list."""
        out = self._designations(member)
        if chosen is not None or (member.display and not display):
            out = [d for d in out if d != chosen]
            own: dict[str, Any] = {"value": member.display, "use": dict(PREFERRED_FOR_LANGUAGE)}
            if member.cs is not None and member.cs.language:
                own = {"language": member.cs.language, **own}
            out.insert(0, own)
        return [d for d in out if self._wanted(d)]

    def entry(self, member: Member) -> dict[str, Any]:
        out: dict[str, Any] = {"system": member.system}
        if member.system in self.versioned and member.version:
            out["version"] = member.version
        extensions = self._extensions(member)
        if extensions:
            out["extension"] = extensions
        if member.concept is not None and member.concept.abstract:
            out["abstract"] = True
        if member.inactive:
            out["inactive"] = True
        out["code"] = member.code
        display, chosen = self._display(member)
        if display:
            out["display"] = display
        if self.options.include_designations:
            designations = self._shown_designations(member, display, chosen)
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


def _parameters(
    params: OperationParams,
    options: Options,
    used: Mapping[str, list[str]],
    rules: EvalContext | None,
    notes: Mapping[str, tuple[str, str]],
) -> list[dict[str, Any]]:
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
    if options.language_echo:
        out.append({"name": "displayLanguage", "valueCode": options.language_echo})
    out.extend({"name": "designation", "valueString": v} for v in params.strings("designation"))
    if rules is not None:  # the version parameters that chose a version
        out.extend({"name": name, "valueUri": v} for name, v in rules.used)
    for name, values in used.items():
        out.extend({"name": name, "valueUri": v} for v in values)
    out.extend(status.expansion_parameters(notes))
    return out


def expand_value_set(
    service: TerminologyService,
    params: OperationParams,
    instance: Mapping[str, Any] | None = None,
    *,
    timestamp: str,
    identifier: str,
    accept_language: str | None = None,
) -> dict[str, Any]:
    """ValueSet/$expand → the ValueSet with its expansion. `timestamp` and `identifier` come from the caller.

    Expansions of held value sets (no tx-resource) are cached per parameter set; each answer is a fresh
    top-level copy carrying its own timestamp and identifier.
    """
    service = service.with_resources(params.resources("tx-resource"))
    vs = resolve_value_set(service, params, instance)
    key = (id(vs), f"{params.fingerprint()}|{accept_language or ''}")
    result = service.cached_expansion(key) if service.holds(vs) else None
    if result is None:
        result = _expand(service, params, vs, accept_language)
        if service.holds(vs):
            service.cache_expansion(key, result)
    expansion = {"identifier": identifier, "timestamp": timestamp, **result["expansion"]}
    return {**result, "expansion": expansion}


def _expand(
    service: TerminologyService, params: OperationParams, vs: Mapping[str, Any], accept_language: str | None
) -> dict[str, Any]:
    options = Options.read(params, vs, accept_language)
    supplements = resolve_supplements(service, vs, params)
    rules = eval_context(service, params, vs)
    try:
        evaluation = service.evaluation(vs, rules)
    except ImportMissingError as exc:
        url, sep, version = exc.url.partition("|")
        if sep:  # a pinned import (by the value set or default-valueset-version) that is not held
            raise messages.import_version_missing(url, version) from exc
        raise
    if evaluation.unexpandable:
        system, _, version = next(iter(evaluation.unexpandable)).partition("|")
        known = service.code_system_versions(system)
        if version and known:
            raise messages.cannot_expand_unknown_version(system, version, known)
        raise messages.cannot_expand_unknown_system(system, version or None)
    for system, (used_version, required) in evaluation.check_failures.items():
        raise messages.version_check_failed(system, used_version, required)
    members = [
        m
        for m in evaluation.members.values()
        if not (m.inactive and (options.active_only or evaluation.exclude_inactive))
        and not (options.exclude_not_for_ui and m.concept is not None and m.concept.abstract)
        and (options.text is None or matches_text(m, options.text))
    ]
    paging = options.count is not None or options.offset is not None
    start = options.offset or 0
    window = members[start : start + options.count] if options.count is not None else members[start:]
    writer = Writer(options, supplements)
    # a value set that draws on several versions of one code system (or pins several) says which each code is from
    pinned = {s: {v for v in found if v} for s, found in evaluation.include_versions.items()}
    drawn: dict[str, set[str | None]] = {}
    for m in members:
        drawn.setdefault(m.system, set()).add(m.version)
    writer.versioned = {s for s in drawn if len(drawn[s]) > 1 or len(pinned.get(s, ())) > 1}
    flat = paging or options.exclude_nested
    contains = [writer.entry(m) for m in window] if flat else _tree(window, writer, options)
    used = {
        "used-codesystem": list(evaluation.used_codesystems),
        "used-valueset": list(evaluation.used_valuesets),
        "used-supplement": [s.canonical for s in supplements],
        "used-fragment": [cs.canonical for cs in evaluation.code_systems.values() if cs.content == "fragment"],
    }
    expansion: dict[str, Any] = {"total": len(members)}
    if evaluation.open_systems:  # whole-system includes of fragments: codes beyond the fragment may belong
        expansion["extension"] = [{"url": EXT_VS_UNCLOSED, "valueBoolean": True}]
        expansion["extension"].extend(
            {
                "url": EXT_VS_UNCLOSED_REASON,
                "valueString": f"This extension is based on a fragment of the code system {s}",
            }
            for s in evaluation.open_systems
        )
    if paging:
        expansion["offset"] = start
    expansion["parameter"] = _parameters(params, options, used, rules, evaluation.status_notes)
    declarations = writer.property_declarations()
    if declarations:
        expansion["property"] = declarations
    if contains:
        expansion["contains"] = contains
    # includeDefinition: the value set definition (compose, and what it refers to) comes with the expansion
    if params.boolean("includeDefinition"):
        header = {k: v for k, v in vs.items() if k not in ("text", "expansion", "meta")}
    else:
        header = {k: v for k, v in vs.items() if k in SUMMARY or k in SUMMARY_MORE}
    return {**header, "resourceType": "ValueSet", "expansion": expansion}
