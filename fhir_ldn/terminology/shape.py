"""Shape checks of client-supplied terminology content: the elements the engine reads have the right JSON types.

Resources sent with a request (`tx-resource`, `valueSet`) and coded parameters are checked before use, so a
malformed one is a 400 naming the element, not a crash. This is not full FHIR validation: unknown elements
(e.g. the `title:en` translation shorthand some test content uses) are left alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fhir_ldn.errors import RequestError

Schema = dict[str, Any]  # element name -> type, [schema] (list of objects), [type] or a nested schema

EXTENSION: Schema = {"url": str}
CODING: Schema = {"system": str, "version": str, "code": str, "display": str}
DESIGNATION: Schema = {"language": str, "use": CODING, "value": str, "extension": [EXTENSION]}
CONCEPT_PROPERTY: Schema = {"code": str, "extension": [EXTENSION]}
CONCEPT: Schema = {
    "code": str,
    "display": str,
    "definition": str,
    "designation": [DESIGNATION],
    "property": [CONCEPT_PROPERTY],
    "extension": [EXTENSION],
}
CONCEPT["concept"] = [CONCEPT]
CODE_SYSTEM: Schema = {
    "id": str,
    "url": str,
    "version": str,
    "name": str,
    "content": str,
    "caseSensitive": bool,
    "language": str,
    "supplements": str,
    "property": [{"code": str, "uri": str, "type": str}],
    "concept": [CONCEPT],
    "extension": [EXTENSION],
}
INCLUDE: Schema = {
    "system": str,
    "version": str,
    "concept": [{"code": str, "display": str, "designation": [DESIGNATION], "extension": [EXTENSION]}],
    "filter": [{"property": str, "op": str, "value": str}],
    "valueSet": [str],
    "extension": [EXTENSION],
}
CONTAINS: Schema = {"system": str, "version": str, "code": str, "display": str}
CONTAINS["contains"] = [CONTAINS]
VALUE_SET: Schema = {
    "id": str,
    "url": str,
    "version": str,
    "language": str,
    "extension": [EXTENSION],
    "compose": {"inactive": bool, "include": [INCLUDE], "exclude": [INCLUDE], "extension": [EXTENSION]},
    "expansion": {"contains": [CONTAINS]},
}
VALUE_SET["contained"] = [VALUE_SET]
CONCEPT_MAP: Schema = {
    "id": str,
    "url": str,
    "version": str,
    "group": [
        {
            "source": str,
            "target": str,
            "element": [{"code": str, "display": str, "target": [{"code": str, "display": str, "relationship": str}]}],
            "unmapped": {"mode": str, "code": str, "relationship": str},
        }
    ],
}
RESOURCES = {"CodeSystem": CODE_SYSTEM, "ValueSet": VALUE_SET, "ConceptMap": CONCEPT_MAP}
CODEABLE_CONCEPT: Schema = {"coding": [CODING], "text": str}

_NAMES = {str: "a string", bool: "a boolean", int: "an integer"}
MAX_DEPTH = 200  # elements: 100 levels of nested concepts is far beyond any real code system


def _fail(where: str, what: str) -> RequestError:
    return RequestError(f"{where} must be {what}", expression=where)


def _check(value: Any, schema: Any, where: str, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise RequestError(f"{where.split('[', 1)[0]} is nested more than {MAX_DEPTH // 2} levels deep")
    if isinstance(schema, dict):
        if not isinstance(value, Mapping):
            raise _fail(where, "an object")
        for name, inner in schema.items():
            if name in value and value[name] is not None:
                _check(value[name], inner, f"{where}.{name}", depth + 1)
            elif name in value:
                raise _fail(f"{where}.{name}", "present with a value, or absent")
    elif isinstance(schema, list):
        if not isinstance(value, list):
            raise _fail(where, "a list")
        for i, item in enumerate(value):
            _check(item, schema[0], f"{where}[{i}]", depth + 1)
    elif schema is bool:
        if not isinstance(value, bool):
            raise _fail(where, "a boolean")
    elif not isinstance(value, schema) or isinstance(value, bool):
        raise _fail(where, _NAMES.get(schema, schema.__name__))


def check_resource(resource: Mapping[str, Any], where: str) -> None:
    """RequestError (400) naming the element when a CodeSystem/ValueSet/ConceptMap is not usable."""
    schema = RESOURCES.get(str(resource.get("resourceType")))
    if schema is None:
        raise RequestError(
            f"{where}: a {resource.get('resourceType')} cannot be used as a terminology resource "
            "(CodeSystem, ValueSet or ConceptMap)",
            expression=where,
        )
    _check(resource, schema, str(resource["resourceType"]))


def check_coding(coding: Mapping[str, Any], where: str) -> None:
    _check(coding, CODING, where)


def check_codeable_concept(concept: Mapping[str, Any], where: str) -> None:
    _check(concept, CODEABLE_CONCEPT, where)
