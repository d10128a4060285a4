"""Operation input: a FHIR Parameters resource (POST) or query parameters (GET), read with typed getters."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from fhir_ldn.errors import RequestError
from fhir_ldn.terminology.shape import check_codeable_concept, check_coding

_PRIMITIVE_KEYS = (
    "valueString",
    "valueCode",
    "valueUri",
    "valueUrl",
    "valueCanonical",
    "valueId",
    "valueOid",
    "valueUuid",
    "valueMarkdown",
    "valueDateTime",
    "valueDate",
    "valueInstant",
)


class OperationParams:
    """The parameters of one operation call. Unknown parameters are kept and ignored by the operations."""

    def __init__(self, parameters: Iterable[Mapping[str, Any]] = ()):
        self._items: list[Mapping[str, Any]] = []
        self._by_name: dict[str, list[Mapping[str, Any]]] = {}
        for item in parameters:
            if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
                raise RequestError("every Parameters.parameter needs a name", expression="Parameters.parameter")
            self._items.append(item)
            self._by_name.setdefault(item["name"], []).append(item)

    @classmethod
    def from_resource(cls, resource: Mapping[str, Any]) -> OperationParams:
        """From a POSTed body: a Parameters resource."""
        if resource.get("resourceType") != "Parameters":
            raise RequestError(
                f"the body must be a Parameters resource, not {resource.get('resourceType')}", expression="resourceType"
            )
        items = resource.get("parameter", [])
        if not isinstance(items, list):
            raise RequestError("Parameters.parameter must be a list", expression="Parameters.parameter")
        return cls(items)

    @classmethod
    def from_query(cls, pairs: Iterable[tuple[str, str]]) -> OperationParams:
        """From a GET query string; `_format` and other `_` parameters are not operation parameters."""
        items: list[dict[str, Any]] = []
        for name, value in pairs:
            if name.startswith("_"):
                continue
            if name == "coding" and "|" in value:  # token form system|code
                system, _, code = value.rpartition("|")
                items.append({"name": name, "valueCoding": {"system": system, "code": code}})
            else:
                items.append({"name": name, "valueString": value})
        return cls(items)

    def with_defaults(self, extra: Iterable[Mapping[str, Any]]) -> OperationParams:
        """A copy with more parameters appended (e.g. url from an instance-level call)."""
        return OperationParams([*self._items, *extra])

    def without(self, name: str) -> OperationParams:
        """A copy without the parameters called `name`."""
        return OperationParams(i for i in self._items if i["name"] != name)

    def items(self) -> list[Mapping[str, Any]]:
        """The parameters, as given."""
        return list(self._items)

    def fingerprint(self) -> str:
        """A text that is equal for equal parameter lists (a cache key)."""
        return json.dumps(self._items, sort_keys=True, default=str)

    def names(self) -> set[str]:
        return set(self._by_name)

    def has(self, name: str) -> bool:
        return name in self._by_name

    def _all(self, name: str) -> list[Mapping[str, Any]]:
        return self._by_name.get(name, [])

    def strings(self, name: str) -> list[str]:
        """Every primitive value given for `name`, as text."""
        out = []
        for item in self._all(name):
            for key in _PRIMITIVE_KEYS:
                if isinstance(item.get(key), str):
                    out.append(item[key])
                    break
            else:
                for key in ("valueBoolean", "valueInteger", "valueDecimal"):
                    if key in item and not isinstance(item[key], (dict, list)):
                        out.append(str(item[key]).lower() if isinstance(item[key], bool) else str(item[key]))
                        break
                else:
                    raise RequestError(f"parameter '{name}' must have a primitive value", expression=name)
        return out

    def string(self, name: str) -> str | None:
        values = self.strings(name)
        if len(values) > 1:
            raise RequestError(f"parameter '{name}' may be given only once", expression=name)
        return values[0] if values else None

    def boolean(self, name: str, default: bool | None = None) -> bool | None:
        items = self._all(name)
        if not items:
            return default
        item = items[-1]
        value = item.get("valueBoolean")
        if isinstance(value, bool):
            return value
        text = self.strings(name)[-1]
        if text not in ("true", "false"):
            raise RequestError(f"parameter '{name}' must be true or false, not '{text}'", expression=name)
        return text == "true"

    def integer(self, name: str) -> int | None:
        text = self.string(name)
        if text is None:
            return None
        try:
            value = int(text)
        except ValueError:
            raise RequestError(f"parameter '{name}' must be an integer, not '{text}'", expression=name) from None
        if value < 0:
            raise RequestError(f"parameter '{name}' must not be negative", expression=name)
        return value

    def complex(self, name: str, key: str) -> dict[str, Any] | None:
        """The single `valueX` object (e.g. valueCoding) given for `name`."""
        items = self._all(name)
        if len(items) > 1:
            raise RequestError(f"parameter '{name}' may be given only once", expression=name)
        if not items:
            return None
        value = items[0].get(key)
        if not isinstance(value, dict):
            raise RequestError(f"parameter '{name}' must be a {key[5:]}", expression=name)
        if key == "valueCoding":
            check_coding(value, name)
        elif key == "valueCodeableConcept":
            check_codeable_concept(value, name)
        return value

    def resources(self, name: str) -> list[dict[str, Any]]:
        """Every `resource` given for `name`."""
        out = []
        for item in self._all(name):
            resource = item.get("resource")
            if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
                raise RequestError(f"parameter '{name}' must carry a resource", expression=name)
            out.append(resource)
        return out

    def resource(self, name: str, resource_type: str) -> dict[str, Any] | None:
        found = self.resources(name)
        if len(found) > 1:
            raise RequestError(f"parameter '{name}' may be given only once", expression=name)
        if found and found[0]["resourceType"] != resource_type:
            raise RequestError(f"parameter '{name}' must be a {resource_type}", expression=name)
        return found[0] if found else None

    def echo(self, name: str) -> dict[str, Any] | None:
        """The parameter as given (for expansion.parameter), or None."""
        items = self._all(name)
        return dict(items[-1]) if items else None
