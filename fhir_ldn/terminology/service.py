"""TerminologyService: the code systems, value sets and concept maps one answers from, indexed and cached."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from fhir_ldn.errors import RequestError
from fhir_ldn.terminology.canonical import pick_version, split_canonical
from fhir_ldn.terminology.compose import EvalContext, Evaluation, evaluate
from fhir_ldn.terminology.expand import expand_value_set
from fhir_ldn.terminology.lookup import lookup_code
from fhir_ldn.terminology.model import CodeSystemIndex
from fhir_ldn.terminology.params import OperationParams
from fhir_ldn.terminology.shape import check_resource
from fhir_ldn.terminology.subsumes import subsumes
from fhir_ldn.terminology.translate import translate
from fhir_ldn.terminology.validate import (
    Checker,
    ValidationResult,
    check_codeable_concept,
    check_coding_element,
)
from fhir_ldn.terminology.validate_request import (
    batch_validate_code,
    validate_code_system_code,
    validate_value_set_code,
    value_set_label,
)

Resolver = Callable[[str], Mapping[str, Any] | None]
TYPES = ("CodeSystem", "ValueSet", "ConceptMap")
MAX_CACHED_EXPANSIONS = 512


class TerminologyService:
    """Answers terminology questions from CodeSystem, ValueSet and ConceptMap resources (pure, no I/O).

    `fallback(url)` may supply more resources on demand (e.g. the R5 core definitions); an overlay made with
    `with_resources` adds request-scoped resources on top of this service without changing it.
    """

    def __init__(
        self,
        resources: Iterable[Mapping[str, Any]] = (),
        *,
        fallback: Resolver | None = None,
        base: TerminologyService | None = None,
    ):
        self._base = base
        self._fallback = fallback
        self._by_url: dict[str, dict[str, list[Mapping[str, Any]]]] = {t: {} for t in TYPES}
        self._own: set[int] = set()
        for resource in resources:
            self._add(resource)
        self._indexes: dict[int, CodeSystemIndex] = {}
        self._evaluations: dict[int, Evaluation] = {}
        self._members: dict[str, frozenset[tuple[str, str]]] = {}
        self._expansions: dict[tuple[int, str], dict[str, Any]] = {}
        self._fallen_back: dict[str, Mapping[str, Any] | None] = {}

    def _add(self, resource: Mapping[str, Any]) -> None:
        rtype = resource.get("resourceType")
        if rtype not in TYPES:
            raise RequestError(
                f"a {rtype} cannot be used as a terminology resource (CodeSystem, ValueSet or ConceptMap)"
            )
        url = resource.get("url")
        if isinstance(url, str) and url:
            self._by_url[str(rtype)].setdefault(url, []).append(resource)
            self._own.add(id(resource))

    def with_resources(self, resources: Iterable[Mapping[str, Any]]) -> TerminologyService:
        """A service that also knows `resources` (used for one request), or this one if there are none."""
        extra = list(resources)
        for i, resource in enumerate(extra):
            check_resource(resource, f"tx-resource[{i}]")
        return TerminologyService(extra, base=self) if extra else self

    # --- resolution ---------------------------------------------------------------------------------

    def candidates(self, resource_type: str, url: str) -> list[Mapping[str, Any]]:
        """Every resource of a type with this url: request-scoped first, then held, then the fallback."""
        own = list(self._by_url[resource_type].get(url, ()))
        if self._base is not None:
            own.extend(self._base.candidates(resource_type, url))
        elif not own and self._fallback is not None:
            if url not in self._fallen_back:
                found = self._fallback(url)
                self._fallen_back[url] = found if found and found.get("resourceType") in TYPES else None
            found = self._fallen_back[url]
            if found is not None and found.get("resourceType") == resource_type:
                own.append(found)
        return own

    def index(self, resource: Mapping[str, Any]) -> CodeSystemIndex:
        """The (cached) index of a CodeSystem resource."""
        if self._base is not None and id(resource) not in self._own:
            return self._base.index(resource)
        found = self._indexes.get(id(resource))
        if found is None or found.resource is not resource:
            found = self._indexes[id(resource)] = CodeSystemIndex(resource)
        return found

    def find_code_system(self, url: str, version: str | None = None) -> CodeSystemIndex | None:
        """The code system (not a supplement) with this url, of this version or the latest."""
        found = [c for c in self.candidates("CodeSystem", url) if c.get("content") != "supplement"]
        chosen = pick_version(found, version)
        return self.index(chosen) if chosen is not None else None

    def code_system_versions(self, url: str) -> list[str]:
        """The versions held of a code system, sorted as text, each once."""
        found = (str(c["version"]) for c in self.candidates("CodeSystem", url) if c.get("version"))
        return sorted(set(found))

    def find_supplement(self, canonical: str) -> CodeSystemIndex | None:
        url, version = split_canonical(canonical)
        found = [c for c in self.candidates("CodeSystem", url) if c.get("content") == "supplement"]
        chosen = pick_version(found, version)
        return self.index(chosen) if chosen is not None else None

    def find_value_set(self, canonical: str) -> Mapping[str, Any] | None:
        url, version = split_canonical(canonical)
        return pick_version(self.candidates("ValueSet", url), version)

    def concept_maps(self, url: str | None = None) -> list[Mapping[str, Any]]:
        """Concept maps with this url, or every one held (the fallback is not searched without a url)."""
        if url is not None:
            return self.candidates("ConceptMap", url)
        out = [r for rs in self._by_url["ConceptMap"].values() for r in rs]
        return out + (self._base.concept_maps() if self._base is not None else [])

    # --- evaluation ---------------------------------------------------------------------------------

    def evaluation(self, vs: Mapping[str, Any], ctx: EvalContext | None = None) -> Evaluation:
        """The members of a value set; cached for held value sets evaluated without version overrides."""
        cacheable = ctx is None and self.holds(vs)
        if cacheable and id(vs) in self._evaluations:
            return self._evaluations[id(vs)]
        result = evaluate(self, vs, ctx or EvalContext(self, root=vs))
        if cacheable:
            self._evaluations[id(vs)] = result
        return result

    def cached_expansion(self, key: tuple[int, str]) -> dict[str, Any] | None:
        """A finished expansion of a held value set (treat as read-only), or None."""
        return self._expansions.get(key)

    def cache_expansion(self, key: tuple[int, str], expansion: dict[str, Any]) -> None:
        if len(self._expansions) >= MAX_CACHED_EXPANSIONS:
            self._expansions.clear()  # simple bound: expansions are cheap to redo
        self._expansions[key] = expansion

    def holds(self, vs: Mapping[str, Any]) -> bool:
        """Whether the value set is one of this service's own (or its base's) resources, not an inline one."""
        url = vs.get("url")
        return isinstance(url, str) and any(r is vs for r in self.candidates("ValueSet", url))

    def members(self, url: str) -> frozenset[tuple[str, str]]:
        """(system, code) of every member of a value set (`url` or `url|version`), cached.

        Codes of code systems that are not held, and codes a fragment does not know, are members only when
        the value set lists them explicitly. KeyError if the value set is unknown; TerminologyError if it
        cannot be evaluated (missing import, broken filter).
        """
        if url not in self._members:
            vs = self.find_value_set(url)
            if vs is None:
                raise KeyError(f"value set {url} is not known")
            evaluation = self.evaluation(vs)
            keys = (k for k, m in evaluation.members.items() if not (evaluation.exclude_inactive and m.inactive))
            self._members[url] = frozenset(keys)
        return self._members[url]

    def contains(self, url: str, system: str, code: str) -> bool | None:
        """Is system#code in the value set? None when that cannot be known (code system not held, or a fragment).

        KeyError if the value set is unknown.
        """
        vs = self.find_value_set(url)
        if vs is None:
            raise KeyError(f"value set {url} is not known")
        evaluation = self.evaluation(vs)
        member = evaluation.find(system, code)
        if member is not None:
            return not (evaluation.exclude_inactive and member.inactive)
        if system in evaluation.unknown_systems:
            return None
        if system in evaluation.open_systems:
            cs = self.find_code_system(system)
            if cs is None or cs.find(code) is None:
                return None
        return False

    def coding_in(self, url: str, coding: Mapping[str, Any]) -> bool:
        """Whether a Coding is (known to be) in the value set: the fast check for decision support."""
        system, code = coding.get("system"), coding.get("code")
        if not isinstance(system, str) or not isinstance(code, str):
            return False
        return (system, code) in self.members(url) or self.contains(url, system, code) is True

    def codeable_concept_in(self, url: str, concept: Mapping[str, Any]) -> bool:
        """Whether any coding of a CodeableConcept is (known to be) in the value set."""
        return any(self.coding_in(url, c) for c in concept.get("coding", ()) if isinstance(c, Mapping))

    # --- operations (each takes OperationParams; tx-resource parameters apply to that call only) ------

    def expand(
        self,
        params: OperationParams,
        value_set: Mapping[str, Any] | None = None,
        *,
        timestamp: str,
        identifier: str,
        accept_language: str | None = None,
    ) -> dict[str, Any]:
        """ValueSet/$expand → ValueSet (the caller supplies the expansion's timestamp and identifier)."""
        return expand_value_set(
            self, params, value_set, timestamp=timestamp, identifier=identifier, accept_language=accept_language
        )

    def validate_value_set_code(
        self, params: OperationParams, value_set: Mapping[str, Any] | None = None, *, accept_language: str | None = None
    ) -> dict[str, Any]:
        """ValueSet/$validate-code → Parameters."""
        return validate_value_set_code(self, params, value_set, accept_language=accept_language)

    def batch_validate_code(self, params: OperationParams, *, accept_language: str | None = None) -> dict[str, Any]:
        """ValueSet/$batch-validate-code → Parameters (one `validation` answer per `validation` input)."""
        return batch_validate_code(self, params, accept_language=accept_language)

    def validate_code_system_code(
        self,
        params: OperationParams,
        code_system: Mapping[str, Any] | None = None,
        *,
        accept_language: str | None = None,
    ) -> dict[str, Any]:
        """CodeSystem/$validate-code → Parameters."""
        return validate_code_system_code(self, params, code_system, accept_language=accept_language)

    def lookup(self, params: OperationParams, code_system: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """CodeSystem/$lookup → Parameters."""
        return lookup_code(self, params, code_system)

    def translate(self, params: OperationParams, concept_map: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """ConceptMap/$translate → Parameters."""
        return translate(self, params, concept_map)

    def subsumes(self, params: OperationParams, code_system: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """CodeSystem/$subsumes → Parameters."""
        return subsumes(self, params, code_system)

    def validate_binding(
        self,
        url: str,
        *,
        coding: Mapping[str, Any] | None = None,
        codeable_concept: Mapping[str, Any] | None = None,
        languages: list[str] | None = None,
    ) -> ValidationResult:
        """Check a Coding or CodeableConcept against a value set, as $validate-code does (for the validator).

        KeyError if the value set is unknown; TerminologyError if it cannot be evaluated; RequestError for a
        Coding without a code.
        """
        vs = self.find_value_set(url)
        if vs is None:
            raise KeyError(f"value set {url} is not known")
        checker = Checker(self, self.evaluation(vs), value_set_label(vs), languages=list(languages or []))
        if codeable_concept is not None:
            return check_codeable_concept(checker, codeable_concept)
        return check_coding_element(checker, coding or {})
