"""PlanDefinition/$apply (R5): a Bundle whose first entry is a RequestOrchestration, then the requests it proposes.

Each action whose applicability conditions hold (FHIRPath over `%medications`, the facts the CDS rule uses) goes
into the RequestOrchestration; an action with a `definitionCanonical` to an ActivityDefinition is applied by
`fhir_ldn.apply.activitydefinition` (the one ActivityDefinition → request conversion, shared with the CDS cards)
and its result added to the Bundle. A MedicationRequest whose dosage is a sequence of steps (a titration) is
proposed as one MedicationRequest per step, ordered by `relatedAction`. When no action applies, the
RequestOrchestration has no actions and `Bundle.issues` (an OperationOutcome) explains which condition failed
for which medications; when only some actions apply, the left-out ones are explained the same way, and in the
RequestOrchestration's `note`. The result is transient: nothing is stored.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fhir_ldn.apply.activitydefinition import ApplyContext, apply_activity_definition, apply_dynamic_values
from fhir_ldn.apply.parameters import ApplyInput
from fhir_ldn.apply.patient_data import medications_from_data, package_strengths
from fhir_ldn.cds.drug_names import DrugNames
from fhir_ldn.cds.engine import Condition, ConditionCompiler
from fhir_ldn.cds.valuesets import ValueSetIndex
from fhir_ldn.errors import ApplyError, Issue
from fhir_ldn.fhirpath.operators import FhirPathEvaluationError
from fhir_ldn.outcome import operation_outcome
from fhir_ldn.package.index import Package
from fhir_ldn.terminology import TerminologyService

Resource = dict[str, Any]
IdFactory = Callable[[], str]

# Elements a PlanDefinition action and a RequestOrchestration action share (copied as they are).
_COPIED = (
    "prefix",
    "title",
    "description",
    "textEquivalent",
    "priority",
    "code",
    "documentation",
    "groupingBehavior",
    "selectionBehavior",
    "requiredBehavior",
    "precheckBehavior",
    "cardinalityBehavior",
)


def _canonical(resource: Mapping[str, Any]) -> str:
    version = resource.get("version")
    return f"{resource['url']}|{version}" if isinstance(version, str) and version else str(resource["url"])


def _new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class _Result:
    """What applying a plan has produced so far."""

    new_id: IdFactory
    entries: list[Resource] = field(default_factory=list)
    unmet: list[Issue] = field(default_factory=list)

    def add(self, resource: Resource) -> dict[str, str]:
        resource["id"] = self.new_id()
        full_url = f"urn:uuid:{resource['id']}"
        self.entries.append({"fullUrl": full_url, "resource": resource})
        return {"reference": full_url}


def _describe(facts: Sequence[Mapping[str, Any]]) -> str:
    if not facts:
        return "no current medication orders or statements"
    out = []
    for fact in facts:
        codings = fact.get("code", {}).get("coding", [])
        name = next((c["display"] for c in codings if c.get("display")), codings[0]["code"] if codings else "?")
        dose = fact.get("dailyDoseMg")
        amount = f"{dose:g} mg/day" if dose is not None else "no computable daily dose"
        out.append(f"{name} ({fact.get('reference')}: {amount})")
    return "; ".join(out)


class PlanApplier:
    """Applies the package's definitions; built once (value set index, product strengths, compiled conditions)."""

    def __init__(self, package: Package, terminology: TerminologyService | None = None):
        self.package = package
        self._compiler = ConditionCompiler(ValueSetIndex(package, terminology))
        self._strengths = package_strengths(package)
        self._names = DrugNames.from_package(package)
        self._conditions: dict[str, list[tuple[Condition, str]]] = {}

    def medications(self, request: ApplyInput) -> list[dict[str, Any]]:
        """`%medications` for the request's subject from its `data` Bundle (this server keeps no patient data)."""
        return medications_from_data(request.data, request.subject, self._strengths, self._names)

    def _context(self, request: ApplyInput, facts: list[dict[str, Any]]) -> ApplyContext:
        return ApplyContext(
            subject=request.subject,
            encounter=request.encounter,
            practitioner=request.practitioner,
            organization=request.organization,
            variables={**request.variables, "medications": facts},
        )

    def apply_activity(self, definition: Mapping[str, Any], request: ApplyInput) -> Resource:
        """ActivityDefinition/$apply: the request resource for the subject."""
        return apply_activity_definition(definition, self._context(request, self.medications(request)))

    def apply_plan(self, plan: Mapping[str, Any], request: ApplyInput, new_id: IdFactory = _new_id) -> Resource:
        """PlanDefinition/$apply for one subject: the Bundle described in the module docstring."""
        facts = self.medications(request)
        context = self._context(request, facts)
        result = _Result(new_id)
        where = f"PlanDefinition/{plan.get('id')}.action"
        actions = self._actions(plan, plan.get("action") or [], where, context, result)
        orchestration: Resource = {
            "resourceType": "RequestOrchestration",
            "id": new_id(),
            "instantiatesCanonical": [_canonical(plan)],
            "status": "draft",
            "intent": "proposal",
            "subject": {"reference": request.subject},
        }
        if request.encounter:
            orchestration["encounter"] = {"reference": request.encounter}
        if request.practitioner:
            orchestration["author"] = {"reference": request.practitioner}
        if actions:
            orchestration["action"] = actions
            if result.unmet:  # some actions applied, others not: say which were left out, and why
                orchestration["note"] = [{"text": issue.text} for issue in result.unmet]
        bundle: Resource = {
            "resourceType": "Bundle",
            "id": new_id(),
            "type": "collection",
            "entry": [{"fullUrl": f"urn:uuid:{orchestration['id']}", "resource": orchestration}, *result.entries],
        }
        if result.unmet or not actions:
            issues = list(result.unmet)
            if request.data is None:
                issues.append(
                    Issue(
                        "information",
                        "informational",
                        "No patient data was sent and this server keeps no patient records: send the patient's "
                        "MedicationRequests and MedicationStatements in the 'data' Bundle.",
                        "data",
                    )
                )
            bundle["issues"] = operation_outcome(issues)
        return bundle

    def _compiled(self, action: Mapping[str, Any], where: str) -> list[tuple[Condition, str]]:
        """The action's applicability conditions, compiled once, each with its description."""
        applicability = [c for c in action.get("condition") or () if c.get("kind") == "applicability"]
        key = where + "".join(f"|{(c.get('expression') or {}).get('expression')}" for c in applicability)
        cached = self._conditions.get(key)
        if cached is None:
            compiled = self._compiler.compile(applicability, where)
            descriptions = [str((c.get("expression") or {}).get("description") or "") for c in applicability]
            cached = list(zip(compiled, descriptions, strict=True))
            self._conditions[key] = cached
        return cached

    def _actions(
        self,
        plan: Mapping[str, Any],
        actions: Sequence[Mapping[str, Any]],
        where: str,
        context: ApplyContext,
        result: _Result,
    ) -> list[Resource]:
        out: list[Resource] = []
        for i, action in enumerate(actions):
            here = f"{where}[{i}]"
            conditions = self._compiled(action, here)
            try:
                failed = [d or c.expression for c, d in conditions if not c.holds(context.variables)]
            except FhirPathEvaluationError as exc:
                raise ApplyError(f"{here}: the condition could not be evaluated: {exc}", expression=here) from exc
            if failed:
                title = action.get("title") or action.get("id") or here
                medications = _describe(context.variables.get("medications") or [])
                for description in failed:
                    result.unmet.append(
                        Issue(
                            "warning",
                            "business-rule",
                            f"'{title}' does not apply to {context.subject}: its condition is not met: {description} "
                            f"Medications in the data: {medications}.",
                            f"{here}.condition",
                        )
                    )
                continue
            made = self._action(plan, action, here, context, result)
            if made is not None:
                out.append(made)
        return out

    def _action(
        self, plan: Mapping[str, Any], action: Mapping[str, Any], where: str, context: ApplyContext, result: _Result
    ) -> Resource | None:
        link_id = str(action.get("id") or where)
        made: Resource = {"linkId": link_id, **{k: copy.deepcopy(action[k]) for k in _COPIED if k in action}}
        canonical = action.get("definitionCanonical")
        if isinstance(canonical, str):
            definition = self.package.resolve_canonical(canonical)
            if definition is None or definition.get("resourceType") != "ActivityDefinition":
                raise ApplyError(f"{where}: {canonical} is not an ActivityDefinition of this package", expression=where)
            request = apply_activity_definition(definition, context)
            apply_dynamic_values(action.get("dynamicValue"), plan, request, context)
            made["definitionCanonical"] = _canonical(definition)  # R5 MedicationRequest has no instantiatesCanonical
            steps = _dosage_steps(request)
            if len(steps) == 1:
                made["resource"] = result.add(request)
            else:
                made.setdefault("groupingBehavior", "logical-group")
                made.setdefault("selectionBehavior", "all")
                made["action"] = _step_actions(link_id, made["definitionCanonical"], steps, result)
        children = self._actions(plan, action.get("action") or [], f"{where}.action", context, result)
        if children:
            made["action"] = [*made.get("action", []), *children]
        if "resource" not in made and not made.get("action"):
            return None
        return made


def _dosage_steps(request: Resource) -> list[Resource]:
    """A MedicationRequest whose dosage instructions are numbered steps, split into one request per step."""
    dosages = request.get("dosageInstruction")
    if request.get("resourceType") != "MedicationRequest" or not isinstance(dosages, list) or len(dosages) < 2:
        return [request]
    sequences = [d.get("sequence") for d in dosages]
    if any(not isinstance(s, int) for s in sequences) or len(set(sequences)) != len(sequences):
        return [request]  # simultaneous instructions, not steps
    return [
        {**copy.deepcopy(request), "dosageInstruction": [copy.deepcopy(d)]}
        for d in sorted(dosages, key=lambda d: d["sequence"])
    ]


def _step_actions(link_id: str, canonical: str, steps: list[Resource], result: _Result) -> list[Resource]:
    out: list[Resource] = []
    for step in steps:
        dosage = step["dosageInstruction"][0]
        step_id = f"{link_id}-step-{dosage['sequence']}"
        action: Resource = {"id": step_id, "linkId": step_id}
        if isinstance(dosage.get("text"), str):
            action["title"] = dosage["text"]
        action["definitionCanonical"] = canonical
        if out:
            action["relatedAction"] = [{"targetId": out[-1]["id"], "relationship": "after-end"}]
        action["resource"] = result.add(step)
        out.append(action)
    return out
