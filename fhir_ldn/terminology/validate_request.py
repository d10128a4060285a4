"""The $validate-code operations: read the request, check the code, write the Parameters answer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from fhir_ldn.errors import FhirLdnError, RequestError
from fhir_ldn.outcome import operation_outcome
from fhir_ldn.terminology import messages, status
from fhir_ldn.terminology.compose import EvalContext, Evaluation, ImportMissingError
from fhir_ldn.terminology.display import parse_languages, value_set_languages
from fhir_ldn.terminology.params import OperationParams
from fhir_ldn.terminology.shape import check_resource
from fhir_ldn.terminology.supplements import resolve_supplements
from fhir_ldn.terminology.validate import (
    CODE_PATHS,
    Checker,
    ValidationResult,
    check_codeable_concept,
    check_coding,
    check_coding_element,
    from_coding,
    to_parameters,
)

if TYPE_CHECKING:
    from fhir_ldn.terminology.service import TerminologyService


def value_set_label(vs: Mapping[str, Any]) -> str:
    """url|version as messages name a value set; '(unidentified)' for one without url."""
    url = vs.get("url")
    if not url:
        return "(unidentified)"
    return f"{url}|{vs['version']}" if vs.get("version") else str(url)


def eval_context(service: TerminologyService, params: OperationParams, vs: Mapping[str, Any]) -> EvalContext | None:
    """Version rules from system-version, force-system-version, check-system-version and
    default-valueset-version (None when there are none: cacheable)."""
    defaults = dict(_canonical_pairs(params, "system-version"))
    forced = dict(_canonical_pairs(params, "force-system-version"))
    checked = dict(_canonical_pairs(params, "check-system-version"))
    value_sets = dict(_canonical_pairs(params, "default-valueset-version"))
    if not defaults and not forced and not checked and not value_sets:
        return None
    return EvalContext(service, defaults, forced, checked, root=vs, value_set_versions=value_sets)


def _canonical_pairs(params: OperationParams, name: str) -> list[tuple[str, str]]:
    out = []
    for value in params.strings(name):
        url, sep, version = value.partition("|")
        if not sep or not url or not version:
            raise RequestError(f"parameter '{name}' must be a canonical url|version, not '{value}'", expression=name)
        out.append((url, version))
    return out


def resolve_value_set(
    service: TerminologyService, params: OperationParams, instance: Mapping[str, Any] | None
) -> Mapping[str, Any]:
    """The value set of the request: the instance, `valueSet`, or `url` (+ `valueSetVersion`)."""
    if instance is not None:
        return instance
    given = params.resource("valueSet", "ValueSet")
    if given is not None:
        check_resource(given, "valueSet")
        return given
    url = params.string("url")
    if url is None:
        if params.has("context"):
            raise RequestError("the 'context' parameter is not supported: give url or valueSet", expression="context")
        raise RequestError("give the value set: url or valueSet", expression="url")
    version = params.string("valueSetVersion")
    canonical = f"{url.partition('|')[0]}|{version}" if version else url
    found = service.find_value_set(canonical)
    if found is None:
        raise messages.unknown_value_set(canonical)
    return found


def _checker(
    service: TerminologyService,
    params: OperationParams,
    evaluation: Evaluation | None,
    label: str,
    languages: list[str],
) -> Checker:
    return Checker(
        service,
        evaluation,
        label,
        languages=languages,
        lenient_display=bool(params.boolean("lenient-display-validation", False)),
        membership_only=bool(params.boolean("valueset-membership-only", False)),
        infer_system=bool(params.boolean("inferSystem", False)),
        active_only=bool(params.boolean("activeOnly", False)),
        abstract_allowed=params.boolean("abstract") is not False,
    )


def _check(
    checker: Checker, params: OperationParams, default_system: str | None = None, default_version: str | None = None
) -> ValidationResult:
    """Check whichever of code (+system), coding or codeableConcept the request gives (exactly one)."""
    given = [n for n in ("code", "coding", "codeableConcept") if params.has(n)]
    if not given:
        raise RequestError(
            "Unable to find code to validate (looked for coding | codeableConcept | code+system | code+inferSystem "
            "in parameters"
        )
    if len(given) != 1:
        raise RequestError("give exactly one of code, coding or codeableConcept", expression="code")
    if given[0] == "codeableConcept":
        return check_codeable_concept(checker, params.complex("codeableConcept", "valueCodeableConcept") or {})
    if given[0] == "coding":
        return check_coding_element(checker, params.complex("coding", "valueCoding") or {})
    code = params.string("code") or ""
    system = params.string("system") or default_system
    version = params.string("systemVersion") or params.string("version") or default_version
    return from_coding(check_coding(checker, system, code, version, params.string("display"), CODE_PATHS))


def _languages(params: OperationParams, vs: Mapping[str, Any] | None, accept_language: str | None) -> list[str]:
    return (
        parse_languages(params.string("displayLanguage")) or value_set_languages(vs) or parse_languages(accept_language)
    )


def _import_failure(params: OperationParams, error: ImportMissingError) -> ValidationResult:
    out = ValidationResult(False, [messages.value_set_import_missing(error.url)])
    if params.has("codeableConcept"):
        out.codeable_concept = params.complex("codeableConcept", "valueCodeableConcept")
    elif params.has("coding"):
        coding = params.complex("coding", "valueCoding") or {}
        out.code, out.system = coding.get("code"), coding.get("system")
    else:
        out.code, out.system = params.string("code"), params.string("system")
    return out


def validate_value_set_code(
    service: TerminologyService,
    params: OperationParams,
    instance: Mapping[str, Any] | None = None,
    *,
    accept_language: str | None = None,
) -> dict[str, Any]:
    """ValueSet/$validate-code → Parameters (result, message, display, issues...)."""
    service = service.with_resources(params.resources("tx-resource"))
    vs = resolve_value_set(service, params, instance)
    supplements = resolve_supplements(service, vs, params)
    rules = eval_context(service, params, vs)
    try:
        evaluation = service.evaluation(vs, rules)
    except ImportMissingError as exc:
        return to_parameters(_import_failure(params, exc), echo_location=bool(vs.get("url")))
    checker = _checker(service, params, evaluation, value_set_label(vs), _languages(params, vs, accept_language))
    checker.supplements, checker.rules = supplements, rules
    outcome = _check(checker, params)
    outcome.issues = [*status.issues(evaluation.status_notes), *outcome.issues]
    return to_parameters(outcome, echo_location=bool(vs.get("url")))


def validate_code_system_code(
    service: TerminologyService,
    params: OperationParams,
    instance: Mapping[str, Any] | None = None,
    *,
    accept_language: str | None = None,
) -> dict[str, Any]:
    """CodeSystem/$validate-code → Parameters: is the code defined by the code system?"""
    service = service.with_resources(params.resources("tx-resource"))
    url = str(instance["url"]) if instance is not None and instance.get("url") else params.string("url")
    if url is None and not params.has("coding") and not params.has("codeableConcept"):
        raise RequestError("give the code system: url (or a coding with a system)", expression="url")
    checker = _checker(service, params, None, "", _languages(params, None, accept_language))
    checker.supplements = resolve_supplements(service, None, params)
    system, _, version = (url or "").partition("|")  # url may be a canonical url|version
    result = _check(checker, params, default_system=system or None, default_version=version or None)
    return to_parameters(result, echo_location=True)


def batch_validate_code(
    service: TerminologyService, params: OperationParams, *, accept_language: str | None = None
) -> dict[str, Any]:
    """ValueSet/$batch-validate-code → Parameters with one `validation` per `validation` input.

    Each input (a Parameters resource) is validated with the request's other parameters (url, tx-resource,
    defaults...) under its own; one that cannot be validated answers with its OperationOutcome.
    """
    shared = params.without("validation")
    service = service.with_resources(shared.resources("tx-resource"))
    shared = shared.without("tx-resource")
    answers = []
    for request in params.resources("validation"):
        try:
            one = shared.with_defaults(OperationParams.from_resource(request).items())
            answer = validate_value_set_code(service, one, accept_language=accept_language)
        except FhirLdnError as error:
            answer = operation_outcome(error.issues())
        answers.append({"name": "validation", "resource": answer})
    return {"resourceType": "Parameters", "parameter": answers}
