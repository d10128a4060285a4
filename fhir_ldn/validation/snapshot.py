"""Generate a StructureDefinition snapshot from its differential and the base definition's snapshot.

The base snapshot becomes a tree (element -> children, slices); each differential element is located in the
tree by id (computed from path and slice names when absent), creating slices and expanding data types on
the way, and its constraints are merged in. The tree is then written out in snapshot order.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fhir_ldn.validation.registry import StructureRegistry


class SnapshotError(ValueError):
    """The differential cannot be applied to the base definition."""


class AmbiguousTypeError(SnapshotError):
    """A differential path goes into a choice element whose types have more than one such child."""


@dataclass
class _Node:
    ed: dict[str, Any]
    children: list[_Node] = field(default_factory=list)
    slices: list[_Node] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.ed["id"])

    @property
    def name(self) -> str:
        return str(self.ed["path"]).rsplit(".", 1)[-1]


def split_id(element_id: str) -> list[str]:
    """Element id segments: 'A.b:s1/s2.c' -> ['A', 'b:s1/s2', 'c'] (slice names cannot contain '.')."""
    return element_id.split(".")


def _tree(elements: list[dict[str, Any]]) -> _Node:
    nodes: dict[str, _Node] = {}
    root: _Node | None = None
    for ed in elements:
        ed = dict(ed)
        ed.setdefault("id", ed.get("path"))
        node = _Node(ed)
        nodes[node.id] = node
        if root is None:
            root = node
            continue
        segs = split_id(node.id)
        parent_id = ".".join(segs[:-1])
        last = segs[-1]
        if ":" in last:
            name, _, slice_name = last.partition(":")
            sliced_id = f"{parent_id}.{name}"
            if "/" in slice_name:
                sliced_id += ":" + slice_name.rsplit("/", 1)[0]
            target = nodes.get(sliced_id)
            if target is not None:
                target.slices.append(node)
            continue
        parent = nodes.get(parent_id)
        if parent is not None:
            parent.children.append(node)
    if root is None:
        raise SnapshotError("the base definition has an empty snapshot")
    return root


def _flatten(node: _Node, out: list[dict[str, Any]]) -> None:
    out.append(node.ed)
    for child in node.children:
        _flatten(child, out)
    for s in node.slices:
        _flatten(s, out)


def _rebase(node: _Node, old_id: str, new_id: str, old_path: str, new_path: str) -> _Node:
    """A deep copy of a subtree with ids and paths moved from one prefix to another."""
    ed = copy.deepcopy(node.ed)
    if ed["id"].startswith(old_id):
        ed["id"] = new_id + ed["id"][len(old_id) :]
    if str(ed.get("path", "")).startswith(old_path):
        ed["path"] = new_path + str(ed["path"])[len(old_path) :]
    return _Node(
        ed,
        [_rebase(c, old_id, new_id, old_path, new_path) for c in node.children],
        [_rebase(s, old_id, new_id, old_path, new_path) for s in node.slices],
    )


def diff_ids(elements: list[dict[str, Any]]) -> list[str]:
    """Element ids for a differential, computed from paths and slice names where ids are missing."""
    current: dict[str, str] = {}  # path -> slice name in force
    out = []
    for ed in elements:
        path = str(ed.get("path", ""))
        slice_name = ed.get("sliceName")
        if isinstance(slice_name, str):
            current[path] = slice_name
        else:
            current.pop(path, None)
        for p in [p for p in current if p.startswith(path + ".")]:
            del current[p]
        element_id = ed.get("id")
        if isinstance(element_id, str) and _id_matches_path(element_id, path):
            out.append(element_id)
            continue
        segs = path.split(".")
        parts = []
        for i, seg in enumerate(segs):
            prefix = ".".join(segs[: i + 1])
            s = current.get(prefix)
            parts.append(f"{seg}:{s}" if s else seg)
        out.append(".".join(parts))
    return out


def _is_value_constraint(key: str) -> bool:
    return any(
        key.startswith(prefix) and key[len(prefix) : len(prefix) + 1].isupper() for prefix in ("fixed", "pattern")
    )


def _id_matches_path(element_id: str, path: str) -> bool:
    """Whether an element id names the element its path does (ids that contradict their path are ignored)."""
    return ".".join(seg.split(":", 1)[0] for seg in element_id.split(".")) == path


class _Builder:
    def __init__(self, sd: dict[str, Any], registry: StructureRegistry):
        self.sd = sd
        self.url = str(sd.get("url", ""))
        self.registry = registry

    def type_elements(self, code: str, profiles: list[str]) -> list[dict[str, Any]]:
        source = self.registry.source
        candidates = [source.structure(p) for p in profiles] if profiles else []
        sd = next((c for c in candidates if c is not None), None) or source.type_structure(code)
        if sd is None:
            raise SnapshotError(f"unknown type {code}")
        elements = self.registry.snapshot(sd)
        if not elements:
            raise SnapshotError(f"no snapshot for type {code}")
        return elements

    def expand(self, node: _Node, child_name: str) -> None:
        """Give `node` the children of its type (or content reference)."""
        ref = node.ed.get("contentReference")
        if isinstance(ref, str):
            raise SnapshotError(f"cannot constrain inside the content reference at {node.id}")
        types = [t for t in node.ed.get("type", []) if isinstance(t, dict)]
        if len(types) > 1:
            types = [t for t in types if self._type_has_child(t, child_name)]
        if len(types) > 1:
            raise AmbiguousTypeError(f"{node.id}: cannot choose a type to expand for '{child_name}'")
        if len(types) != 1:
            raise SnapshotError(f"{node.id}: cannot choose a type to expand for '{child_name}'")
        t = types[0]
        elements = self.type_elements(str(t.get("code")), list(t.get("profile", [])))
        base_root = _tree(elements)
        root_id, root_path = base_root.id, str(base_root.ed["path"])
        node.children = [_rebase(c, root_id, node.id, root_path, str(node.ed["path"])) for c in base_root.children]

    def _type_has_child(self, t: dict[str, Any], name: str) -> bool:
        try:
            elements = self.type_elements(str(t.get("code")), list(t.get("profile", [])))
        except SnapshotError:
            return False
        root_path = str(elements[0].get("path"))
        return any(e.get("path") in (f"{root_path}.{name}", f"{root_path}.{name}[x]") for e in elements)

    def child(self, node: _Node, name: str) -> _Node:
        if not node.children:
            self.expand(node, name)
        for c in node.children:
            if c.name == name:
                return c
        for c in node.children:  # a renamed choice: valueQuantity -> value[x], slice valueQuantity
            base = c.name[:-3] if c.name.endswith("[x]") else None
            if base and name.startswith(base) and name[len(base) :][:1].isupper():
                suffix = name[len(base) :]
                codes = [
                    t
                    for t in c.ed.get("type", [])
                    if str(t.get("code", ""))[:1].upper() + str(t.get("code", ""))[1:] == suffix
                ]
                if not codes:
                    raise SnapshotError(f"{c.id} has no type {suffix}")
                return self.slice(c, name, type_restriction=codes)
        raise SnapshotError(f"no element '{name}' in {node.id}")

    def slice(
        self,
        node: _Node,
        slice_name: str,
        type_restriction: list[dict[str, Any]] | None = None,
        inherit: dict[str, Any] | None = None,
    ) -> _Node:
        for s in node.slices:
            if s.ed.get("sliceName") == slice_name:
                return s
        if "slicing" not in node.ed:
            if inherit is not None and node.ed.get("sliceName"):
                node.ed["slicing"] = copy.deepcopy(inherit)  # a re-slice without its own slicing uses the parent's
            elif type_restriction is not None:
                node.ed["slicing"] = {
                    "discriminator": [{"type": "type", "path": "$this"}],
                    "ordered": False,
                    "rules": "open",
                }
            elif node.name in ("extension", "modifierExtension"):
                node.ed["slicing"] = {
                    "discriminator": [{"type": "value", "path": "url"}],
                    "ordered": False,
                    "rules": "open",
                }
        last = slice_name.rsplit("/", 1)[-1]
        new_id = f"{node.id}/{last}" if node.ed.get("sliceName") else f"{node.id}:{slice_name}"
        ed = copy.deepcopy(node.ed)
        ed.pop("slicing", None)
        ed["id"] = new_id
        ed["sliceName"] = slice_name
        ed["min"] = 0
        if type_restriction is not None:
            ed["type"] = copy.deepcopy(type_restriction)
        created = _Node(ed, [_rebase(c, node.id, new_id, str(node.ed["path"]), str(ed["path"])) for c in node.children])
        node.slices.append(created)
        return created

    def locate(self, root: _Node, element_id: str) -> _Node:
        segs = split_id(element_id)
        head = segs[0].partition(":")[0]
        if head != root.name:
            raise SnapshotError(f"element {element_id} is not inside {root.name}")
        node = root
        for seg in segs[1:]:
            name, _, slice_name = seg.partition(":")
            node = self.child(node, name)
            if slice_name:
                parts = slice_name.split("/")
                sliced = node
                for k in range(len(parts)):
                    node = self.slice(node, "/".join(parts[: k + 1]), inherit=sliced.ed.get("slicing"))
        return node

    def merge(self, target: dict[str, Any], diff: dict[str, Any]) -> None:
        for key, value in diff.items():
            if key in ("id", "path", "sliceName"):
                continue
            if key == "constraint":
                existing = list(target.get("constraint", []))
                keys = {c.get("key") for c in existing}
                for c in value:
                    c = dict(c)
                    if c.get("key") in keys:
                        existing = [e for e in existing if e.get("key") != c.get("key")]
                    existing.append(c)
                target["constraint"] = existing
                continue
            if _is_value_constraint(key):
                for old in [k for k in target if _is_value_constraint(k)]:
                    del target[old]
            if key == "extension":
                target["extension"] = list(target.get("extension", [])) + list(value)
                continue
            if key == "binding" and isinstance(value, dict) and isinstance(target.get("binding"), dict):
                merged = dict(target["binding"])
                merged.update(value)
                target["binding"] = merged
                continue
            target[key] = copy.deepcopy(value)


def generate_snapshot(sd: dict[str, Any], registry: StructureRegistry) -> list[dict[str, Any]]:
    """The snapshot elements for a differential-only StructureDefinition."""
    base_url = sd.get("baseDefinition")
    if not isinstance(base_url, str):
        raise SnapshotError("a differential without a baseDefinition cannot be expanded")
    base = registry.source.structure(base_url)
    if base is None:
        raise SnapshotError(f"the base definition {base_url} could not be found")
    base_elements = registry.snapshot(base)
    if not base_elements:
        raise SnapshotError(f"the base definition {base_url} has no snapshot")
    root = _tree(base_elements)
    for node_ed in [root.ed]:
        for key in ("sliceName",):
            node_ed.pop(key, None)
    differential = sd.get("differential", {}).get("element", []) if isinstance(sd.get("differential"), dict) else []
    builder = _Builder(sd, registry)
    for ed, element_id in zip(differential, diff_ids(differential), strict=True):
        if not isinstance(ed, dict):
            continue
        try:
            node = builder.locate(root, element_id)
        except AmbiguousTypeError:
            continue  # a path into a choice of several types with that child: left out, as the HL7 validator does
        builder.merge(node.ed, ed)
    out: list[dict[str, Any]] = []
    _flatten(root, out)
    return out
