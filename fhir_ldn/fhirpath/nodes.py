"""FHIR JSON as FHIRPath items: typed nodes that keep a primitive and its `_x` extension together.

`Model` navigates FHIR JSON. The base class works without definitions (names, choice suffixes and types
are guessed from the JSON); the validator subclasses it with the StructureDefinitions, so choice types,
primitive types and `is`/`ofType` are exact.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any, Protocol

from fhir_ldn.fhirpath.values import Quantity, parse_date, parse_datetime, parse_time

FHIR_PRIMITIVES = frozenset(
    {
        "base64Binary",
        "boolean",
        "canonical",
        "code",
        "date",
        "dateTime",
        "decimal",
        "id",
        "instant",
        "integer",
        "integer64",
        "markdown",
        "oid",
        "positiveInt",
        "string",
        "time",
        "unsignedInt",
        "uri",
        "url",
        "uuid",
        "xhtml",
    }
)
_INTEGERS = frozenset({"integer", "positiveInt", "unsignedInt", "integer64"})
_DATETIMES = frozenset({"dateTime", "instant"})
_QUANTITY_TYPES = frozenset({"Quantity", "Age", "Distance", "Duration", "Count", "MoneyQuantity", "SimpleQuantity"})


class FNode:
    """One FHIR element: its JSON value (`v`), the `_x` object of a primitive (`x`), its type code and definition."""

    __slots__ = ("d", "t", "v", "x")

    def __init__(self, v: Any, x: Any, t: str, d: Any = None):
        self.v = v
        self.x = x if isinstance(x, dict) else None
        self.t = t
        self.d = d

    def __repr__(self) -> str:
        return f"FNode({self.t}: {self.v!r})"


class ChildDef(Protocol):
    """What navigation needs to know about a child element (implemented by the validator's compiled elements)."""

    @property
    def name(self) -> str: ...

    @property
    def is_choice(self) -> bool: ...

    @property
    def suffix_types(self) -> Mapping[str, str]:  # JSON name suffix -> type code ("" for a non-choice element)
        ...

    def definition_for(self, type_code: str) -> Any: ...


def primitive_value(node: FNode) -> Any:
    """The FHIRPath system value of a primitive node (None for an extension-only primitive)."""
    v = node.v
    if v is None or isinstance(v, dict | list):
        return v
    t = node.t
    if t == "boolean":
        return v if isinstance(v, bool) else None
    if t in _INTEGERS:
        return v if isinstance(v, int) and not isinstance(v, bool) else _to_int(v)
    if t == "decimal":
        return _to_decimal(v)
    if t == "date":
        return parse_date(v) or parse_datetime(v) if isinstance(v, str) else None
    if t in _DATETIMES:
        return parse_datetime(v) if isinstance(v, str) else None
    if t == "time":
        return parse_time(v) if isinstance(v, str) else None
    if isinstance(v, (bool, int | Decimal)):
        return v
    return v


def _to_int(v: Any) -> int | None:
    try:
        return int(str(v))
    except ValueError:
        return None


def _to_decimal(v: Any) -> Decimal | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, Decimal):
        return v
    try:
        return Decimal(str(v))
    except ArithmeticError:
        return None


def quantity_of(node: FNode) -> Quantity | None:
    """A Quantity-typed node as a FHIRPath Quantity (code, else unit)."""
    v = node.v
    if not isinstance(v, dict) or "value" not in v:
        return None
    value = _to_decimal(v["value"])
    if value is None:
        return None
    unit = v.get("code") or v.get("unit")
    return Quantity(value, str(unit) if unit is not None else None)


class Model:
    """FHIR JSON navigation for FHIRPath. Subclasses supply definitions through `child_defs`/`type_definition`."""

    def child_defs(self, node: FNode) -> Mapping[str, ChildDef] | None:
        """The node's child element definitions by name, or None when unknown (navigation then guesses)."""
        return None

    def type_definition(self, type_code: str) -> Any:
        return None

    def is_type(self, type_code: str, name: str) -> bool:
        """Whether a value of FHIR type `type_code` is a `name` (same type or a specialisation of it)."""
        if type_code == name:
            return True
        if name in ("Resource", "DomainResource"):
            return type_code[:1].isupper() and type_code not in _QUANTITY_TYPES and not self.is_datatype(type_code)
        if name == "Quantity":
            return type_code in _QUANTITY_TYPES
        if name == "Element":
            return not type_code[:1].isupper() or self.is_datatype(type_code)
        return False

    def is_datatype(self, type_code: str) -> bool:
        return type_code in _DATATYPE_GUESS or type_code in FHIR_PRIMITIVES

    def resource_node(self, resource: dict[str, Any]) -> FNode:
        rtype = str(resource.get("resourceType", ""))
        return FNode(resource, None, rtype, self.type_definition(rtype))

    # -- navigation --------------------------------------------------------------------------------
    def navigate(self, node: FNode, name: str) -> list[FNode]:
        v = node.v
        if not isinstance(v, dict):
            return self._primitive_children(node, name)
        defs = self.child_defs(node)
        if defs is not None:
            cd = defs.get(name)
            if cd is None:
                return []
            if cd.is_choice:
                out: list[FNode] = []
                for key in v:
                    bare = key[1:] if key[:1] == "_" else key
                    if bare.startswith(name) and bare != name:
                        t = cd.suffix_types.get(bare[len(name) :])
                        if t is not None and (key[:1] != "_" or bare not in v):
                            self._collect(v, bare, t, cd, out)
                return out
            (t,) = cd.suffix_types.values() if len(cd.suffix_types) == 1 else ("Element",)
            out = []
            self._collect(v, name, t, cd, out)
            return out
        return self._guess(v, name)

    def _collect(self, v: dict[str, Any], key: str, t: str, cd: ChildDef | None, out: list[FNode]) -> None:
        val = v.get(key)
        ext = v.get("_" + key)
        if val is None and ext is None:
            return
        if isinstance(val, list) or isinstance(ext, list):
            vals = val if isinstance(val, list) else []
            exts = ext if isinstance(ext, list) else []
            for i in range(max(len(vals), len(exts))):
                item = vals[i] if i < len(vals) else None
                item_ext = exts[i] if i < len(exts) else None
                if item is None and item_ext is None:
                    continue
                out.append(self._make(item, item_ext, t, cd))
            return
        out.append(self._make(val, ext, t, cd))

    def _make(self, value: Any, ext: Any, t: str, cd: ChildDef | None) -> FNode:
        if isinstance(value, dict) and "resourceType" in value:
            return self.resource_node(value)
        d = cd.definition_for(t) if cd is not None else self.type_definition(t)
        return FNode(value, ext, t, d)

    def _primitive_children(self, node: FNode, name: str) -> list[FNode]:
        x = node.x
        if x is None:
            return []
        if name == "extension":
            exts = x.get("extension")
            if isinstance(exts, list):
                ext_def = self.type_definition("Extension")
                return [FNode(e, None, "Extension", ext_def) for e in exts if isinstance(e, dict)]
            return []
        if name == "id" and isinstance(x.get("id"), str):
            return [FNode(x["id"], None, "string")]
        return []

    def _guess(self, v: dict[str, Any], name: str) -> list[FNode]:
        out: list[FNode] = []
        if name in v or "_" + name in v:
            sample = v.get(name)
            if isinstance(sample, list):
                sample = sample[0] if sample else None
            self._collect(v, name, _guess_type(name, sample), None, out)
            return out
        for key in v:
            bare = key[1:] if key.startswith("_") else key
            if key != bare and bare in v:
                continue  # collected with its value
            if bare.startswith(name) and len(bare) > len(name) and bare[len(name)].isupper():
                suffix = bare[len(name) :]
                t = suffix if suffix in _DATATYPE_GUESS else suffix[0].lower() + suffix[1:]
                self._collect(v, bare, t, None, out)
        return out

    def children(self, node: FNode) -> list[FNode]:
        """Every child element (children()): primitives once, with their `_x` merged."""
        v = node.v
        if not isinstance(v, dict):
            return self._primitive_children(node, "extension") + self._primitive_children(node, "id")
        out: list[FNode] = []
        defs = self.child_defs(node)
        for key in v:
            if key == "resourceType" or key == "fhir_comments":
                continue
            bare = key[1:] if key[:1] == "_" else key
            if key[:1] == "_" and bare in v:
                continue
            t, cd = self._type_of_key(defs, v, bare)
            self._collect(v, bare, t, cd, out)
        return out

    def _type_of_key(self, defs: Mapping[str, ChildDef] | None, v: dict[str, Any], key: str) -> tuple[str, Any]:
        if defs is not None:
            cd = defs.get(key)
            if cd is not None and not cd.is_choice:
                types = list(cd.suffix_types.values())
                return (types[0] if len(types) == 1 else "Element"), cd
            for name, cd in defs.items():
                if cd.is_choice and key.startswith(name) and key[len(name) :] in cd.suffix_types:
                    return cd.suffix_types[key[len(name) :]], cd
        sample = v.get(key)
        if isinstance(sample, list):
            sample = sample[0] if sample else None
        return _guess_type(key, sample), None

    def descendants(self, node: FNode) -> Iterator[FNode]:
        stack = list(reversed(self.children(node)))
        while stack:
            item = stack.pop()
            yield item
            stack.extend(reversed(self.children(item)))


_DATATYPE_GUESS = frozenset(
    {
        "Address",
        "Age",
        "Annotation",
        "Attachment",
        "Availability",
        "BackboneElement",
        "CodeableConcept",
        "CodeableReference",
        "Coding",
        "ContactDetail",
        "ContactPoint",
        "Contributor",
        "Count",
        "DataRequirement",
        "Distance",
        "Dosage",
        "Duration",
        "Element",
        "ElementDefinition",
        "Expression",
        "ExtendedContactDetail",
        "Extension",
        "HumanName",
        "Identifier",
        "MarketingStatus",
        "Meta",
        "Money",
        "MonetaryComponent",
        "Narrative",
        "ParameterDefinition",
        "Period",
        "ProductShelfLife",
        "Quantity",
        "Range",
        "Ratio",
        "RatioRange",
        "Reference",
        "RelatedArtifact",
        "SampledData",
        "Signature",
        "Timing",
        "TriggerDefinition",
        "UsageContext",
        "VirtualServiceDetail",
    }
)


def _guess_type(name: str, sample: Any) -> str:
    if name == "extension" or name == "modifierExtension":
        return "Extension"
    if isinstance(sample, bool):
        return "boolean"
    if isinstance(sample, int):
        return "integer"
    if isinstance(sample, Decimal | float):
        return "decimal"
    if isinstance(sample, str):
        return "string"
    return "Element"
