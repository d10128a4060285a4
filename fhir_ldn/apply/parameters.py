"""The input Parameters of PlanDefinition/$apply and ActivityDefinition/$apply, read into one checked object.

R5 inputs (`subject`, `encounter`, `practitioner`, `organization`, `url`, `version`, the definition itself) plus
the CPG data inputs `data` (a Bundle of the patient's data) and `useServerData`. Every input is also offered to
`dynamicValue` expressions as `%name`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from fhir_ldn.errors import BusinessRuleError, RequestError

Resource = dict[str, Any]

_PATIENT = re.compile(r"^(?:.*/)?Patient/[A-Za-z0-9\-.]{1,64}$")
_REFERENCES = ("subject", "encounter", "practitioner", "organization")
_STRINGS = (*_REFERENCES, "url", "version")


@dataclass(frozen=True)
class ApplyInput:
    """What the caller asked to apply, for whom, with which patient data."""

    subject: str
    encounter: str | None = None
    practitioner: str | None = None
    organization: str | None = None
    url: str | None = None
    version: str | None = None
    definition: Resource | None = None  # the planDefinition / activityDefinition input
    data: Resource | None = None  # a Bundle
    use_server_data: bool = True
    variables: dict[str, Any] = field(default_factory=dict)  # every input, for %name in dynamicValue


def _value(parameter: dict[str, Any]) -> Any:
    if "resource" in parameter:
        return parameter["resource"]
    values = [v for k, v in parameter.items() if k.startswith("value")]
    if len(values) != 1:
        raise RequestError(
            f"parameter '{parameter.get('name')}' needs exactly one value", expression="Parameters.parameter"
        )
    value = values[0]
    if isinstance(value, dict) and "reference" in value:  # valueReference: accepted for the reference inputs
        return value["reference"]
    return value


def parse_apply_parameters(body: Resource, definition_name: str) -> ApplyInput:
    """Read the Parameters body of an $apply call (RequestError naming the parameter when one is wrong)."""
    if body.get("resourceType") != "Parameters":
        raise RequestError(f"the body must be a Parameters resource, not {body.get('resourceType')}")
    parameters = body.get("parameter", [])
    if not isinstance(parameters, list):
        raise RequestError("Parameters.parameter must be an array", expression="Parameters.parameter")
    found: dict[str, list[Any]] = {}
    for parameter in parameters:
        name = parameter.get("name") if isinstance(parameter, dict) else None
        if not isinstance(name, str) or not name:
            raise RequestError("every parameter needs a name", expression="Parameters.parameter.name")
        found.setdefault(name, []).append(_value(parameter))
    for name, values in found.items():
        if len(values) > 1:
            if name == "subject":
                raise BusinessRuleError(
                    "this server applies a definition to one subject per call", expression="subject"
                )
            raise RequestError(f"parameter '{name}' may appear only once", expression=name)
    one = {name: values[0] for name, values in found.items()}
    for name in _STRINGS:
        if name in one and (not isinstance(one[name], str) or not one[name]):
            raise RequestError(f"parameter '{name}' must be a non-empty string", expression=name)
    subject = one.get("subject")
    if subject is None:
        raise RequestError(
            "the 'subject' parameter is required (a Patient reference, e.g. Patient/123)", expression="subject"
        )
    if not _PATIENT.match(subject):
        raise BusinessRuleError(f"subject '{subject}' is not a Patient reference (Patient/<id>)", expression="subject")
    definition = one.get(definition_name)
    if definition is not None and not (isinstance(definition, dict) and definition.get("resourceType")):
        raise RequestError(f"parameter '{definition_name}' must hold a resource", expression=definition_name)
    data = one.get("data")
    if data is not None and not (isinstance(data, dict) and data.get("resourceType") == "Bundle"):
        raise RequestError("parameter 'data' must hold a Bundle of the patient's data", expression="data")
    use_server_data = one.get("useServerData", True)
    if not isinstance(use_server_data, bool):
        raise RequestError("parameter 'useServerData' must be a boolean", expression="useServerData")
    return ApplyInput(
        subject=subject,
        encounter=one.get("encounter"),
        practitioner=one.get("practitioner"),
        organization=one.get("organization"),
        url=one.get("url"),
        version=one.get("version"),
        definition=definition,
        data=data,
        use_server_data=use_server_data,
        variables=dict(one),
    )
