"""From a checked hook request and the patient's current medications to the CDS Hooks response body."""

from __future__ import annotations

from collections.abc import Sequence

from fhir_ldn.apply.activitydefinition import R4, R5, ApplyContext
from fhir_ldn.cds.cards import card_json
from fhir_ldn.cds.engine import CdsRule
from fhir_ldn.cds.hookrequest import HookRequest
from fhir_ldn.cds.medications import Entry, ResourcePool, medication_facts, unresolved_medication_references
from fhir_ldn.cds.prefetch import bundle_entries

_REQUESTER_TYPES = ("Practitioner/", "PractitionerRole/")
NO_CARDS = '{"cards":[]}'


def draft_entries(request: HookRequest) -> list[Entry]:
    """The resources of `context.draftOrders` (a Bundle without `type`, as the sandbox sends, is fine)."""
    entries, _ = bundle_entries(request.draft_orders)
    return entries


def fhir_version(entries: Sequence[Entry]) -> str:
    """The client's FHIR version as the resources' shape shows it: R4 `medication[x]` or R5 `medication`."""
    for entry in entries:
        resource = entry.resource
        if "medicationCodeableConcept" in resource or "medicationReference" in resource:
            return R4
        if isinstance(resource.get("medication"), dict):
            return R5
    return R5


def build_pool(*groups: Sequence[Entry]) -> ResourcePool:
    return ResourcePool(*groups)


def apply_context(request: HookRequest, version: str) -> ApplyContext:
    user = request.context.get("userId")
    encounter = request.context.get("encounterId")
    return ApplyContext(
        subject=f"Patient/{request.patient_id}",
        encounter=f"Encounter/{encounter}" if isinstance(encounter, str) and encounter else None,
        practitioner=user if isinstance(user, str) and user.startswith(_REQUESTER_TYPES) else None,
        fhir_version=version,
    )


def concerns_rule(rule: CdsRule, request: HookRequest, drafts: Sequence[Entry]) -> bool:
    """Whether a new order of this hook (a selected draft; every draft on order-sign) can take part in a card.

    Cards are about the orders being placed: the rule's conditions need a new order it can see (naltrexone or an
    SSRI, by code, ingredient or name). When no new draft is one, no card can apply whatever the patient takes,
    so the patient's current medications need not be read (no prefetch, no fetch, no 412). A new draft whose
    Medication the request does not hold cannot be judged without it, so it counts as relevant.
    """
    if rule.visible_codes is None:
        return True
    pool = ResourcePool(drafts)
    facts = medication_facts(
        drafts, request.selections, (), pool, rule.product_strengths, rule.visible_codes, rule.names
    )
    if any(fact["origin"] == "new" for fact in facts):
        return True
    selections = request.selections
    new = [e for e in drafts if selections is None or e.reference in selections or e.full_url in selections]
    return bool(unresolved_medication_references(new, pool))


def respond(rule: CdsRule, request: HookRequest, drafts: Sequence[Entry], existing: Sequence[Entry]) -> str:
    """The response body as JSON text, `{"cards": [...]}`; `{"cards": []}` when no card applies."""
    pool = build_pool(drafts, existing)
    facts = medication_facts(
        drafts, request.selections, existing, pool, rule.product_strengths, rule.visible_codes, rule.names
    )
    templates = rule.decide(request.hook, facts)
    if not templates:
        return NO_CARDS
    context = apply_context(request, fhir_version([*drafts, *existing]))
    return '{"cards":[' + ",".join(card_json(t, context) for t in templates) + "]}"
