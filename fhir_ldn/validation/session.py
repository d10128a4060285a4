"""A validation session: definitions, options and the host services FHIRPath needs (resolve, memberOf...).

One Session is built per set of definitions and reused for many validations (compiled structures,
FHIRPath expressions and primitive regexes are cached on it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fhir_ldn.fhirpath.compiler import Context, Environment
from fhir_ldn.fhirpath.nodes import FNode
from fhir_ldn.validation import xhtml
from fhir_ldn.validation.bindings import BindingChecker, EngineTerminology
from fhir_ldn.validation.definitions import DefinitionSource
from fhir_ldn.validation.fhirpath_model import DefinitionModel
from fhir_ldn.validation.invariants import InvariantEvaluator, Prepared
from fhir_ldn.validation.model import Elem
from fhir_ldn.validation.registry import StructureRegistry

if TYPE_CHECKING:
    from fhir_ldn.validation.structure import ResourceContext, Walker

LOINC = "http://loinc.org"
VITAL_SIGNS = "http://hl7.org/fhir/StructureDefinition/vitalsigns"
# The core profiles of the vital-signs panel; the FHIR specification requires them by LOINC code.
VITAL_SIGN_PROFILES = (
    "bodyheight",
    "bodytemp",
    "bodyweight",
    "bmi",
    "bp",
    "headcircum",
    "heartrate",
    "oxygensat",
    "resprate",
    "vitalspanel",
)
# Regexes published wrongly in R5 5.0.0, as the HL7 validator corrects them.
_REGEX_FIXES = {
    r"-?(0|[1-9][0-9]{0,17})(\.[0-9]{1,17})?([eE][+-]?[0-9]{1,9}})?": (
        r"-?(0|[1-9][0-9]{0,17})(\.[0-9]{1,17})?([eE](0|[+\-]?[1-9][0-9]{0,9}))?"
    ),
}
Resolver = Callable[[str], dict[str, Any] | None]


@dataclass(frozen=True)
class Options:
    """How strict to be (defaults follow the HL7 validator's test settings)."""

    best_practice: bool = False  # report best-practice invariants (as warnings)
    any_extension_allowed: bool = False
    allowed_extension_domains: tuple[str, ...] = ()
    vital_signs: bool = True  # validate Observations against the core vital-signs profiles their LOINC code requires


class ValidationEnvironment(Environment):
    """FHIRPath host services bound to one walk."""

    def __init__(self, session: Session, walker: Walker, rc: ResourceContext):
        self.session = session
        self.walker = walker
        self.rc = rc

    def resolve(self, reference: str, ctx: Context) -> dict[str, Any] | None:
        ref = reference.split("|", 1)[0]
        if ref.startswith("#"):
            container = self.rc.root.v if isinstance(self.rc.root.v, dict) else self.rc.resource
            if ref == "#":
                return container if isinstance(container, dict) else None
            for contained in container.get("contained", []) if isinstance(container, dict) else []:
                if isinstance(contained, dict) and contained.get("id") == ref[1:]:
                    return contained
            return None
        found = self.walker.bundle_resources.get(ref)
        if found is None and "/" in ref:
            parts = ref.rstrip("/").split("/")
            if len(parts) >= 2:
                found = self.walker.bundle_resources.get("/".join(parts[-2:]))
        if found is None and self.session.resolver is not None:
            found = self.session.resolver(ref)
        return found

    def member_of(self, item: Any, value_set: str, ctx: Context) -> bool | None:
        return self.session.bindings.member(self.walker, item, value_set)

    def conforms_to(self, item: Any, profile: str, ctx: Context) -> bool | None:
        if isinstance(item, FNode) and isinstance(item.v, dict):
            return self.session.conforms(self.walker, item.v, profile)
        return None

    def html_checks(self, item: Any, which: int, ctx: Context) -> bool:
        text = item.v if isinstance(item, FNode) else item
        return isinstance(text, str) and xhtml.html_checks(text, which, self.walker)

    def slice(self, items: list[Any], profile: str, name: str, ctx: Context) -> list[Any]:
        from fhir_ldn.validation import slicing
        from fhir_ldn.validation.shape import Item

        structure = self.session.registry.compiled(profile)
        if structure is None:
            return []
        target = next((e for e in structure.by_id.values() if e.slice_name == name), None)
        sliced = next((e for e in structure.by_id.values() if target is not None and target in e.slices), None)
        if target is None or sliced is None or sliced.slicing is None:
            return []
        out = []
        for node in items:
            if not isinstance(node, FNode):
                continue
            item = Item(node.v, node.x, node.t, "", None, "", ())
            if slicing.matches(self.walker, item, target, sliced.slicing, self.rc):
                out.append(node)
        return out


class Session:
    """Definitions plus caches; `validator.Validator` wraps it with the input handling."""

    def __init__(
        self,
        source: DefinitionSource,
        *,
        options: Options | None = None,
        terminology: EngineTerminology | None = None,
        resolver: Resolver | None = None,
    ):
        self.source = source
        self.registry = StructureRegistry(source)
        self.options = options or Options()
        self.model = DefinitionModel(self.registry)
        self.invariants = InvariantEvaluator()
        self.bindings = BindingChecker(source, terminology)
        self.resolver = resolver
        self._regex: dict[str, str | None] = {}
        self._vital_signs: dict[str, str] | None = None
        self.merged_constraints: dict[tuple[Elem, ...], tuple[Prepared, ...]] = {}  # walker cache

    def add_definitions(self, resources: Iterable[dict[str, Any]]) -> None:
        self.source.add(resources)
        self.merged_constraints.clear()
        self.registry = StructureRegistry(self.source)
        self.model = DefinitionModel(self.registry)
        self._regex.clear()
        self._vital_signs = None
        self.bindings.reset()

    def primitive_regex(self, type_code: str) -> str | None:
        if type_code not in self._regex:
            regex = None
            root = self.registry.type_root(type_code)
            value = root.children.get("value") if root is not None else None
            if value is not None:
                regex = value.regex
            self._regex[type_code] = _REGEX_FIXES.get(regex or "", regex)
        return self._regex[type_code]

    def fhirpath_context(
        self, walker: Walker, rc: ResourceContext, focus: FNode, profile: str | None = None
    ) -> Context:
        variables = {"resource": rc.node, "rootResource": rc.root, "context": focus}
        if profile is not None:
            variables["profile"] = profile  # type: ignore[assignment]
        return Context(self.model, ValidationEnvironment(self, walker, rc), variables, focus)

    def required_profiles(self, resource: dict[str, Any]) -> list[str]:
        """Core profiles the FHIR specification requires for this resource (vital signs by LOINC code)."""
        if not self.options.vital_signs or resource.get("resourceType") != "Observation":
            return []
        table = self._vital_sign_table()
        code = resource.get("code")
        codings = code.get("coding") if isinstance(code, dict) else None
        out = []
        for coding in codings if isinstance(codings, list) else []:
            if isinstance(coding, dict) and coding.get("system") == LOINC and coding.get("code") in table:
                out.append(table[str(coding["code"])])
        return out

    def _vital_sign_table(self) -> dict[str, str]:
        if self._vital_signs is None:
            table: dict[str, str] = {}
            for name in VITAL_SIGN_PROFILES:
                sd = self.source.structure(f"http://hl7.org/fhir/StructureDefinition/{name}")
                if sd is None or sd.get("baseDefinition") != VITAL_SIGNS:
                    continue
                for ed in sd.get("snapshot", {}).get("element", []):
                    if ed.get("path") == "Observation.code":  # a pattern on the code...
                        for coding in (ed.get("patternCodeableConcept") or {}).get("coding", []):
                            if coding.get("system") == LOINC:
                                table[str(coding.get("code"))] = str(sd["url"])
                    elif ed.get("path") == "Observation.code.coding.code" and "fixedCode" in ed:  # ...or a coding slice
                        table[str(ed["fixedCode"])] = str(sd["url"])
            self._vital_signs = table
        return self._vital_signs

    def conforms(self, walker: Walker, resource: dict[str, Any], profile: str) -> bool:
        """Whether a resource validates against a profile without errors (for profile discriminators, conformsTo)."""
        key = (id(resource), profile)
        cache = walker.conformance
        if key not in cache:
            from fhir_ldn.validation.structure import Walker as _Walker

            structure = self.registry.compiled(profile)
            if structure is not None and structure.type not in self.registry.ancestors(
                str(resource.get("resourceType"))
            ):
                cache[key] = False  # a profile of another type (a Patient profile never fits an Observation)
                return False

            inner = _Walker(self, walker.duplicates)
            inner.bundle_resources = walker.bundle_resources
            inner.validate_resource(resource, str(resource.get("resourceType", "")), (), None, [profile])
            cache[key] = not any(i.severity in ("error", "fatal") for i in inner.issues)
        return cache[key]
