"""Which version of a code system a coding is checked against, when a value set and the request say otherwise.

The value set's include may pin a version (exactly, or as a wildcard such as 1.x), the request may give
system-version (a default), force-system-version (an override) or check-system-version (a pattern the used
version must fit), and the coding may carry its own version. The version used is the forced one, else the
include's, else the default, else the check pattern; a coding version within a wildcard refines it. When the
version used differs from the coding's own, the difference is reported (an error, or a warning when only the
latest version was taken for a versionless include), as is a coding version that is not held at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fhir_ldn.terminology import messages
from fhir_ldn.terminology.canonical import more_detailed
from fhir_ldn.terminology.compose import EvalContext, Evaluation
from fhir_ldn.terminology.display import Paths
from fhir_ldn.terminology.model import CodeSystemIndex

if TYPE_CHECKING:
    from fhir_ldn.terminology.service import TerminologyService
    from fhir_ldn.terminology.validate import CodingResult


def include_version(evaluation: Evaluation, system: str, code: str) -> str | None:
    """The version the value set's include asks for: of the include that holds the code, else the first."""
    member = evaluation.find(system, code)
    if member is not None and member.system == system:
        return member.include_version
    versions = evaluation.include_versions.get(system) or [None]
    return versions[0]


def resolve_version(
    service: TerminologyService,
    rules: EvalContext,
    evaluation: Evaluation,
    result: CodingResult,
    coding_version: str | None,
    paths: Paths,
) -> CodeSystemIndex | None:
    """The code system version to check the coding against, with the issues a version conflict raises.

    None (with an unknown-version issue) when the version the value set selects is not held.
    """
    system = str(result.system)
    vs_version = include_version(evaluation, system, result.code)
    resolved = rules.base_version(system, vs_version)
    if coding_version:
        if resolved and more_detailed(resolved, coding_version):
            resolved = coding_version
        if not resolved and any(
            v == coding_version or more_detailed(coding_version, v) for v in service.code_system_versions(system)
        ):
            resolved = coding_version
        used = service.find_code_system(system, rules.base_version(system, resolved))
        if used is not None and used.version != coding_version and not more_detailed(coding_version, used.version):
            result.issues.append(
                messages.version_mismatch(system, resolved, vs_version, used.version, coding_version, paths.version)
            )
            if service.find_code_system(system, coding_version) is None:
                _unknown_version(service, result, system, coding_version, paths)
        elif used is None and resolved != coding_version:
            result.issues.append(
                messages.version_mismatch(system, resolved, resolved, None, coding_version, paths.version)
            )
    cs = service.find_code_system(system, rules.base_version(system, resolved))
    if cs is None:
        _unknown_version(service, result, system, resolved, paths)
        return None
    required = rules.check_failure(system, cs.version)
    if required is not None:
        result.issues.append(messages.version_not_allowed(system, cs.version, required, paths.version))
    return cs


def _unknown_version(
    service: TerminologyService, result: CodingResult, system: str, version: str | None, paths: Paths
) -> None:
    known = service.code_system_versions(system)
    result.issues.append(messages.unknown_code_system_version(system, version or "", known, paths.system))
    result.unknown_system = f"{system}|{version}" if version else system
    result.caused_by_unknown_system = True
