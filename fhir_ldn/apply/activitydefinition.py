"""ActivityDefinition → request resource: the conversion behind ActivityDefinition/$apply and CDS suggestions.

Follows the R5 "Applying an ActivityDefinition" steps: create a resource of type `kind`, set its status to
`draft`, copy the structural elements (intent, priority, doNotPerform, code, product, dosage, quantity, timing,
body site) to their counterparts, set subject, encounter and requester from the apply context, link back with
`instantiatesCanonical` where the request type has that element (R5 dropped it from MedicationRequest, and
CommunicationRequest never had it; a RequestOrchestration action's `definitionCanonical` links those), then
apply `dynamicValue`s (FHIRPath). The result is R5 by default; `fhir_version`
"4.0.1" gives the R4 shape of the elements that differ (a CDS client speaks its own FHIR version).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fhir_ldn.errors import ApplyError
from fhir_ldn.fhirpath.compiler import compile_expression
from fhir_ldn.fhirpath.host import plain, variables
from fhir_ldn.fhirpath.operators import FhirPathEvaluationError
from fhir_ldn.fhirpath.parser import FhirPathParseError

Resource = dict[str, Any]
R4 = "4.0.1"
R5 = "5.0.0"
FHIRPATH = "text/fhirpath"

# Request types this module can build, and whether each has doNotPerform / subject under another name.
SUPPORTED_KINDS = ("MedicationRequest", "ServiceRequest", "CommunicationRequest", "Task")
# The kinds with `instantiatesCanonical`, per FHIR version (Task's is one canonical, the others' a list).
INSTANTIATES_CANONICAL = {
    R5: frozenset({"ServiceRequest", "Task"}),
    R4: frozenset({"MedicationRequest", "ServiceRequest", "Task"}),
}


@dataclass(frozen=True)
class ApplyContext:
    """Who and where the activity is for: references as `Type/id` strings."""

    subject: str
    encounter: str | None = None
    practitioner: str | None = None
    organization: str | None = None
    fhir_version: str = R5
    variables: Mapping[str, Any] = field(default_factory=dict)


def _copy(value: Any) -> Any:
    """A deep copy of JSON data (much faster than copy.deepcopy for plain dicts and lists)."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _canonical(definition: Mapping[str, Any]) -> str | None:
    url = definition.get("url")
    if not isinstance(url, str):
        return None
    version = definition.get("version")
    return f"{url}|{version}" if isinstance(version, str) and version else url


def _concept(value: Any, fhir_version: str) -> Any:
    """A CodeableConcept as R5 CodeableReference (`{concept}`) or plain R4 CodeableConcept."""
    return _copy(value) if fhir_version == R4 else {"concept": _copy(value)}


def _text_of(concept: Mapping[str, Any]) -> str | None:
    if isinstance(concept.get("text"), str):
        return str(concept["text"])
    return next((c["display"] for c in concept.get("coding", []) if isinstance(c.get("display"), str)), None)


def _medication(definition: Mapping[str, Any], out: Resource, fhir_version: str) -> None:
    product, reference = definition.get("productCodeableConcept"), definition.get("productReference")
    if fhir_version == R4:
        if product is not None:
            out["medicationCodeableConcept"] = _copy(product)
        elif reference is not None:
            out["medicationReference"] = _copy(reference)
    elif product is not None:
        out["medication"] = {"concept": _copy(product)}
    elif reference is not None:
        out["medication"] = {"reference": _copy(reference)}
    if isinstance(definition.get("dosage"), list):
        out["dosageInstruction"] = _copy(definition["dosage"])
    if isinstance(definition.get("quantity"), dict):
        out["dispenseRequest"] = {"quantity": _copy(definition["quantity"])}


def _service(definition: Mapping[str, Any], out: Resource, fhir_version: str) -> None:
    if isinstance(definition.get("code"), dict):
        out["code"] = _concept(definition["code"], fhir_version)
    if isinstance(definition.get("timingTiming"), dict):
        out["occurrenceTiming"] = _copy(definition["timingTiming"])
    if isinstance(definition.get("quantity"), dict):
        out["quantityQuantity"] = _copy(definition["quantity"])
    if isinstance(definition.get("bodySite"), list):
        out["bodySite"] = _copy(definition["bodySite"])


def _communication(definition: Mapping[str, Any], out: Resource, fhir_version: str) -> None:
    code = definition.get("code")
    if not isinstance(code, dict):
        return
    if fhir_version == R4:
        text = _text_of(code)
        if text:
            out["payload"] = [{"contentString": text}]
    else:
        out["payload"] = [{"contentCodeableConcept": _copy(code)}]


def _task(definition: Mapping[str, Any], out: Resource, fhir_version: str) -> None:
    if isinstance(definition.get("code"), dict):
        out["code"] = _copy(definition["code"])


_BY_KIND = {
    "MedicationRequest": _medication,
    "ServiceRequest": _service,
    "CommunicationRequest": _communication,
    "Task": _task,
}


def _set_path(resource: Resource, path: str, value: Any) -> None:
    """Set a dotted element path (`a.b.c`), creating objects on the way; an empty result removes the element."""
    parts = path.split(".")
    if parts and parts[0] == resource.get("resourceType"):
        parts = parts[1:]
    if not parts or not all(p.isidentifier() for p in parts):
        raise ApplyError(f"dynamicValue path '{path}' is not a simple element path", expression="dynamicValue.path")
    node = resource
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    if value is None:
        node.pop(parts[-1], None)
    else:
        node[parts[-1]] = value


def apply_dynamic_values(dynamic_values: Any, source: Mapping[str, Any], out: Resource, context: ApplyContext) -> None:
    """Evaluate `dynamicValue`s (FHIRPath over `source`, with the context as %variables) and set them on `out`.

    Used for an ActivityDefinition's own dynamic values and for a PlanDefinition action's (R5 $apply), in order.
    """
    env = {
        "subject": context.subject,
        "encounter": context.encounter,
        "practitioner": context.practitioner,
        "organization": context.organization,
        **context.variables,
    }
    for dynamic in dynamic_values or ():
        expression = dynamic.get("expression") or {}
        if expression.get("language") != FHIRPATH or not isinstance(expression.get("expression"), str):
            raise ApplyError(
                f"dynamicValue '{dynamic.get('path')}': only {FHIRPATH} expressions are supported",
                expression="dynamicValue.expression.language",
            )
        try:
            compiled = compile_expression(expression["expression"])
            result = plain(compiled.evaluate(dict(source), variables=variables(env)))
        except (FhirPathParseError, FhirPathEvaluationError) as exc:
            raise ApplyError(
                f"dynamicValue '{dynamic.get('path')}' could not be evaluated: {exc}", expression="dynamicValue"
            ) from exc
        value = None if not result else result[0] if len(result) == 1 else list(result)
        _set_path(out, str(dynamic.get("path", "")), value)


def apply_activity_definition(definition: Mapping[str, Any], context: ApplyContext) -> Resource:
    """The request resource the ActivityDefinition describes, for the context's subject (ApplyError if it cannot)."""
    kind = definition.get("kind")
    build = _BY_KIND.get(kind) if isinstance(kind, str) else None
    if build is None:
        raise ApplyError(
            f"ActivityDefinition kind '{kind}' cannot be applied (supported: {', '.join(SUPPORTED_KINDS)})",
            expression="ActivityDefinition.kind",
        )
    out: Resource = {"resourceType": kind, "status": "draft", "intent": definition.get("intent") or "proposal"}
    if isinstance(definition.get("priority"), str):
        out["priority"] = definition["priority"]
    if kind != "Task" and isinstance(definition.get("doNotPerform"), bool):
        out["doNotPerform"] = definition["doNotPerform"]
    build(definition, out, context.fhir_version)
    out["for" if kind == "Task" else "subject"] = {"reference": context.subject}
    if context.encounter:
        out["encounter"] = {"reference": context.encounter}
    requester = context.practitioner or context.organization
    if requester:
        out["requester"] = {"reference": requester}
    canonical = _canonical(definition)
    if canonical and kind in INSTANTIATES_CANONICAL.get(context.fhir_version, INSTANTIATES_CANONICAL[R5]):
        out["instantiatesCanonical"] = canonical if kind == "Task" else [canonical]
    apply_dynamic_values(definition.get("dynamicValue"), definition, out, context)
    return out
