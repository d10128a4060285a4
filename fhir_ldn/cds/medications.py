"""The `%medications` facts of the CDS rule: one per countable medication order or statement (R4 or R5 shape).

See docs/architecture.md ("The CDS rule's data contract"). Codes are collected from the order's own concept
and from a referenced or contained Medication (its code and its ingredients' codes); the daily dose comes from
`fhir_ldn.cds.dose`, with the strength per unit taken from the Medication's single mass ingredient strength or
from the package's product strengths.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fhir_ldn.cds.dose import daily_dose_mg, single_dose_mg, strength_from_quantity, strength_from_ratio
from fhir_ldn.cds.drug_names import DrugNames, quote, texts_of

Resource = dict[str, Any]
Strength = tuple[float, str, float]
CodeKey = tuple[str, str]

MEDICATION_TYPES = frozenset({"MedicationRequest", "MedicationStatement"})
# Statuses of an order or statement that mean the patient has (or is about to have) the medication.
# `recorded` is R5 MedicationStatement's normal state; it counts unless its effective period has ended.
COUNTABLE_STATUSES = frozenset({"active", "draft", "on-hold"})
R5_RECORDED = "recorded"


def as_list(value: Any) -> list[Any]:
    """`value` if it is a JSON array, else an empty list (client data of the wrong type is ignored)."""
    return value if type(value) is list else []


class ResourcePool:
    """Resources of the hook request (draft orders, prefetch, fetched), findable by `Type/id` and by fullUrl.

    The index is built on the first lookup: most orders name their medication by code and never need it.
    """

    def __init__(self, *groups: Sequence[Entry]):
        self._groups = groups
        self._index: dict[str, Resource] | None = None

    @property
    def by_key(self) -> dict[str, Resource]:
        if self._index is None:
            self._index = {}
            for group in self._groups:
                for entry in group:
                    self._put(entry.resource, entry.full_url)
        return self._index

    def _put(self, resource: Resource, full_url: str | None) -> None:
        index = self._index if self._index is not None else self.by_key
        rtype, rid = resource.get("resourceType"), resource.get("id")
        if isinstance(rtype, str) and isinstance(rid, str):
            index.setdefault(f"{rtype}/{rid}", resource)
        if isinstance(full_url, str) and full_url:
            index.setdefault(full_url, resource)

    def add(self, resource: Resource, full_url: str | None = None) -> None:
        self.by_key  # noqa: B018 - builds the index first, so earlier entries keep precedence
        self._put(resource, full_url)

    def resolve(self, reference: str, container: Mapping[str, Any]) -> Resource | None:
        """A contained (`#id`), bundled (`Type/id`, fullUrl) or absolute (`…/Type/id`) reference."""
        if reference.startswith("#"):
            for contained in as_list(container.get("contained")):
                if isinstance(contained, dict) and contained.get("id") == reference[1:]:
                    return contained
            return None
        found = self.by_key.get(reference)
        if found is None and "://" in reference:
            parts = reference.rstrip("/").split("/")
            if len(parts) >= 2:
                found = self.by_key.get(f"{parts[-2]}/{parts[-1]}")
        return found


def _codings(concept: Any) -> list[dict[str, Any]]:
    """The codings of a CodeableConcept that have a string system and code (others cannot be matched)."""
    codings = concept.get("coding") if type(concept) is dict else None
    if type(codings) is not list:
        return []
    return [
        c
        for c in codings
        if type(c) is dict and type(c.get("code")) is str and type(c.get("system")) is str and c["code"]
    ]


def _reference(value: Any) -> str | None:
    if isinstance(value, dict) and isinstance(value.get("reference"), str) and value["reference"]:
        return str(value["reference"])
    return None


def medication_parts(resource: Mapping[str, Any]) -> tuple[Any, str | None]:
    """(concept, reference) of an order or statement: R4 medication[x] or R5 medication (CodeableReference)."""
    if "medicationCodeableConcept" in resource or "medicationReference" in resource:
        return resource.get("medicationCodeableConcept"), _reference(resource.get("medicationReference"))
    medication = resource.get("medication")
    if isinstance(medication, dict):
        return medication.get("concept"), _reference(medication.get("reference"))
    return None, None


def _ingredient_concepts(ingredient: Mapping[str, Any], pool: ResourcePool, container: Mapping[str, Any]) -> list[Any]:
    """The CodeableConcepts naming an ingredient: R4 itemCodeableConcept, R5 item.concept, a referenced item's code."""
    concepts = [ingredient.get("itemCodeableConcept")]  # R4
    item = ingredient.get("item")  # R5 CodeableReference
    if isinstance(item, dict):
        concepts.append(item.get("concept"))
    ref = _reference(ingredient.get("itemReference")) or (_reference(item) if isinstance(item, dict) else None)
    if ref:
        target = pool.resolve(ref, container)
        if target is not None:
            code = target.get("code")
            concepts.append(code.get("concept") if isinstance(code, dict) and "concept" in code else code)
    return concepts


def _ingredient_strength(ingredient: Mapping[str, Any]) -> Strength | None:
    if isinstance(ingredient.get("strength"), dict):  # R4 Ratio
        return strength_from_ratio(ingredient["strength"])
    if isinstance(ingredient.get("strengthRatio"), dict):
        return strength_from_ratio(ingredient["strengthRatio"])
    if isinstance(ingredient.get("strengthQuantity"), dict):
        return strength_from_quantity(ingredient["strengthQuantity"])
    return None


def _medication_details(
    medication: Mapping[str, Any], pool: ResourcePool, container: Mapping[str, Any]
) -> tuple[list[Any], Strength | None]:
    """The concepts of a Medication (its code and ingredients) and its strength per unit (a single ingredient only)."""
    concepts = [medication.get("code")]
    strengths: list[Strength | None] = []
    for ingredient in as_list(medication.get("ingredient")):
        if isinstance(ingredient, dict):
            concepts += _ingredient_concepts(ingredient, pool, container)
            strengths.append(_ingredient_strength(ingredient))
    # Several ingredients: which strength is "the" dose is ambiguous (another ingredient's strength may be the
    # only one given), so none is used: never guessed.
    return concepts, strengths[0] if len(strengths) == 1 else None


def _countable(resource: Mapping[str, Any]) -> bool:
    if resource.get("doNotPerform") is True:
        return False
    status = resource.get("status")
    if type(status) is not str:
        return False
    if status in COUNTABLE_STATUSES:
        return True
    if status == R5_RECORDED and resource.get("resourceType") == "MedicationStatement":
        period = resource.get("effectivePeriod")
        return not (isinstance(period, dict) and period.get("end"))
    return False


def _clean(c: Mapping[str, Any]) -> dict[str, Any]:
    """A coding with its system, code and display only."""
    display = c.get("display")
    if type(display) is str:
        return {"system": c["system"], "code": c["code"], "display": display}
    return {"system": c["system"], "code": c["code"]}


def _dedupe(codings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Codings without repeats (system, code, display only)."""
    seen: set[CodeKey] = set()
    out: list[dict[str, Any]] = []
    for c in codings:
        key = (c["system"], c["code"])
        if key not in seen:
            seen.add(key)
            out.append(_clean(c))
    return out


def medication_fact(
    resource: Resource,
    origin: str,
    pool: ResourcePool,
    product_strengths: Mapping[CodeKey, Strength],
    reference: str,
    visible: frozenset[CodeKey] | None = None,
    names: DrugNames | None = None,
) -> dict[str, Any] | None:
    """The fact for one order or statement, or None when it does not count (status, doNotPerform, no drug).

    The drug is recognised by its codes (the order's, a referenced or contained Medication's and its
    ingredients'); when none of them is one of the package's verified codes, by name (`names`): the fact then
    gets the named drug's verified coding and `recognisedBy` 'name', `recognisedAs`, `recognisedFrom` (the text).
    With `visible` (the codes the rule can see at all), a medication with none of them is left out before its
    dose is worked out: no condition could tell it is there.
    """
    if not _countable(resource):
        return None
    concept, ref = medication_parts(resource)
    concepts = [concept]
    strength: Strength | None = None
    if ref:
        medication = pool.resolve(ref, resource)
        if medication is not None:
            more, strength = _medication_details(medication, pool, resource)
            concepts += more
    codings = [c for item in concepts for c in _codings(item)]
    recognised = None
    if names is not None and not any((c["system"], c["code"]) in names.known for c in codings):
        recognised = names.recognise([t for item in concepts for t in texts_of(item)])
        if recognised is not None and recognised.counts:
            codings.append(recognised.drug.coding())
        else:
            recognised = None
    if not codings:
        return None
    if visible is not None and not any((c["system"], c["code"]) in visible for c in codings):
        return None
    if strength is None:
        strength = next(
            (product_strengths[k] for c in codings if (k := (c["system"], c["code"])) in product_strengths), None
        )
    dosages = resource.get("dosageInstruction") if "dosageInstruction" in resource else resource.get("dosage")
    coding = _dedupe(codings) if len(codings) > 1 else [_clean(codings[0])]
    fact: dict[str, Any] = {"origin": origin, "code": {"coding": coding}, "reference": reference}
    fact["name"] = _name(concepts, coding, names)
    if recognised is not None:
        fact.update(recognisedBy="name", recognisedAs=recognised.drug.display, recognisedFrom=recognised.text)
    dosages = dosages if isinstance(dosages, list) else []
    dose = daily_dose_mg(dosages, strength)
    if dose is not None:
        fact["dailyDoseMg"] = dose
    single = single_dose_mg(dosages, strength)
    if single is not None:
        fact["singleDoseMg"] = single
    return fact


def _name(concepts: Sequence[Any], codings: Sequence[Mapping[str, Any]], names: DrugNames | None) -> str:
    """What the order calls its drug, as a card may quote it: its text, else a coding's display, else the package's
    display of its verified code, else its code."""
    for concept in concepts:
        if type(concept) is dict and isinstance(concept.get("text"), str) and concept["text"].strip():
            return quote(concept["text"])
    display = next((c["display"] for c in codings if isinstance(c.get("display"), str) and c["display"].strip()), None)
    if display is None and names is not None:
        display = next((d for c in codings if (d := names.displays.get((c["system"], c["code"])))), None)
    return quote(display) if display else str(codings[0]["code"])


class Entry:
    """A resource from a Bundle (or a bare resource) with its fullUrl, and the reference that names it."""

    __slots__ = ("full_url", "identified", "reference", "resource")

    def __init__(self, resource: Resource, full_url: str | None = None):
        self.resource = resource
        self.full_url = full_url
        rtype, rid = resource.get("resourceType"), resource.get("id")
        self.identified = bool(isinstance(rid, str) and rid) or bool(full_url)  # nameable: may be a duplicate
        self.reference: str = f"{rtype}/{rid}" if isinstance(rid, str) and rid else (full_url or str(rtype))

    def __repr__(self) -> str:
        return f"Entry({self.reference})"


def medication_facts(
    drafts: Sequence[Entry],
    selections: frozenset[str] | None,
    existing: Sequence[Entry],
    pool: ResourcePool,
    product_strengths: Mapping[CodeKey, Strength],
    visible: frozenset[CodeKey] | None = None,
    names: DrugNames | None = None,
) -> list[dict[str, Any]]:
    """`%medications`: drafts are `new` when selected (order-select) or always (`selections` None: order-sign).

    Unselected drafts and the patient's current medications are `existing`. A resource present both as a new
    draft and among the current medications counts once, as new. Every fact's `reference` is unique in the
    list (a resource with neither id nor fullUrl gets `Type#n`), so no two facts are ever equal: the decision
    cache relies on it.
    """
    facts: list[dict[str, Any]] = []
    seen: set[str] = set()
    ordered: list[tuple[Entry, str]] = []
    for entry in drafts:
        is_new = selections is None or entry.reference in selections or (entry.full_url in selections)
        ordered.append((entry, "new" if is_new else "existing"))
    ordered.sort(key=lambda pair: pair[1] != "new")
    ordered += [(entry, "existing") for entry in existing]
    for n, (entry, origin) in enumerate(ordered):
        rtype = entry.resource.get("resourceType")
        if type(rtype) is not str or rtype not in MEDICATION_TYPES or entry.reference in seen:
            continue
        reference = entry.reference if entry.identified else f"{rtype}#{n}"
        seen.add(reference)
        fact = medication_fact(entry.resource, origin, pool, product_strengths, reference, visible, names)
        if fact is not None:
            facts.append(fact)
    return facts


def unresolved_medication_references(entries: Iterable[Entry], pool: ResourcePool) -> list[str]:
    """`Medication` references of countable orders that neither the request nor a contained resource holds."""
    missing: list[str] = []
    for entry in entries:
        resource = entry.resource
        rtype = resource.get("resourceType")
        if type(rtype) is not str or rtype not in MEDICATION_TYPES or not _countable(resource):
            continue
        _, ref = medication_parts(resource)
        if ref and not ref.startswith("#") and pool.resolve(ref, resource) is None and ref not in missing:
            missing.append(ref)
    return missing
