"""Terminology engine: $expand, $validate-code, $lookup, $translate, $subsumes and fast value set membership.

Pure code (no I/O, no clock). Build one service from CodeSystem / ValueSet / ConceptMap dicts and ask it::

    service = TerminologyService(package, fallback=core.resource)   # any iterable of resource dicts
    service.members(url)                  # frozenset of (system, code), cached: decision support
    service.coding_in(url, coding)        # True when the Coding is known to be in the value set
    service.codeable_concept_in(url, cc)  # ... any coding of the CodeableConcept
    service.contains(url, system, code)   # True / False / None (cannot tell: code system not held, fragment)
    service.validate_binding(url, coding=... | codeable_concept=...)  # ValidationResult: result, issues, message
    service.find_code_system(url, version=None) / find_value_set(canonical) / concept_maps(url)

The FHIR operations take `OperationParams` (from a Parameters resource or a query string) and return the
resource to send back; errors are `fhir_ldn.errors.TerminologyError` / `RequestError` with their HTTP status::

    params = OperationParams.from_resource(parameters)     # or OperationParams.from_query(pairs)
    service.expand(params, value_set=None, timestamp=..., identifier=...)   -> ValueSet
    service.validate_value_set_code(params, value_set=None, accept_language=None)  -> Parameters
    service.validate_code_system_code(params, code_system=None, accept_language=None) -> Parameters
    service.lookup(params, code_system=None) / translate(params, concept_map=None) / subsumes(...)

`tx-resource` parameters are layered on top of the service for that one call (`with_resources`); the
service itself never changes. Indexes (concepts by code, hierarchy) and value set evaluations are built
on first use and cached, so repeated membership checks and validations are dictionary lookups.

Code systems with `content = fragment` (the package's RxNorm and ATC) are answered honestly: a code they
do not hold is reported as not known to the fragment (a warning), never as invalid.
"""

from fhir_ldn.terminology.compose import Evaluation, Member
from fhir_ldn.terminology.model import CodeSystemIndex, Concept
from fhir_ldn.terminology.params import OperationParams
from fhir_ldn.terminology.service import TerminologyService
from fhir_ldn.terminology.validate import ValidationResult

__all__ = [
    "CodeSystemIndex",
    "Concept",
    "Evaluation",
    "Member",
    "OperationParams",
    "TerminologyService",
    "ValidationResult",
]
