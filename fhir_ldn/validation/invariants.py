"""Evaluate ElementDefinition constraints (invariants) with the FHIRPath engine, compiled once and cached.

ele-1 is checked natively (it applies to every element). For other constraints, the result on a node that has
none of the elements an expression mentions is the same for every such node, so it is computed once per type
and reused: most invariants are `x.exists() implies ...` and cost nothing when `x` is absent.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from fhir_ldn.fhirpath.compiler import CompiledExpression, Context, compile_ast, compile_expression
from fhir_ldn.fhirpath.nodes import FNode
from fhir_ldn.fhirpath.operators import FhirPathEvaluationError, value_of
from fhir_ldn.fhirpath.parser import Ast, FhirPathParseError
from fhir_ldn.validation.model import Constraint

# Expressions published wrongly (R4, R4B, R5), replaced as the HL7 validator does: an absent element makes
# these yield an empty result (a failure) where the rule means "nothing to check".
_FIXES_BY_KEY = {"txt-2": "htmlChecks2()"}
_REF_1_R4 = (
    "reference.startsWith('#').not() or "
    "(reference.substring(1).trace('url') in %rootResource.contained.id.trace('ids'))"
)
_REF_1_R5 = _REF_1_R4 + " or (reference='#' and %rootResource!=%resource)"
_FIXES_BY_EXPRESSION = {
    _REF_1_R4: f"reference.exists() implies (reference = '#' or ({_REF_1_R4}))",  # ref-1, R4/R4B
    _REF_1_R5: f"reference.exists() implies ({_REF_1_R5})",  # ref-1, R5
    "fullUrl.contains('/_history/').not()": "fullUrl.exists() implies fullUrl.contains('/_history/').not()",  # bld-8
    "name.matches('[A-Z]([A-Za-z0-9_]){0,254}')": "name.exists() implies name.matches('^[A-Z]([A-Za-z0-9_]){0,254}$')",
    "probability is decimal implies (probability as decimal) <= 100": (
        "(probability.exists() and (probability is decimal)) implies ((probability as decimal) <= 100)"
    ),
    "enableWhen.count() > 2 implies enableBehavior.exists()": "enableWhen.count() >= 2 implies enableBehavior.exists()",
    "generated='generated' implies source.empty()": "generation='generated' implies source.empty()",
    "(component.empty() and hasMember.empty()) implies (dataAbsentReason or value)": (
        "(component.empty() and hasMember.empty()) implies (dataAbsentReason.exists() or value.exists())"
    ),
    "isModifier implies isModifierReason.exists()": (
        "(isModifier.exists() and isModifier) implies isModifierReason.exists()"
    ),
    "differential.element.all(id) and differential.element.id.trace('ids').isDistinct()": (
        "differential.element.all(id.exists()) and differential.element.id.trace('ids').isDistinct()"
    ),
    "snapshot.element.all(id) and snapshot.element.id.trace('ids').isDistinct()": (
        "snapshot.element.all(id.exists()) and snapshot.element.id.trace('ids').isDistinct()"
    ),
}
_NATIVE = frozenset({"ele-1"})
_VOLATILE_FUNCTIONS = frozenset(
    {
        "children",
        "descendants",
        "resolve",
        "memberOf",
        "conformsTo",
        "htmlChecks",
        "htmlChecks1",
        "htmlChecks2",
        "trace",
        "slice",
        "today",
        "now",
        "hasValue",
        "getValue",
        "extension",
    }
)
_CONSTANT_VARIABLES = frozenset({"ucum", "sct", "loinc"})


def expression_for(constraint: Constraint) -> str:
    fixed = _FIXES_BY_KEY.get(constraint.key)
    if fixed is not None:
        return fixed
    return _FIXES_BY_EXPRESSION.get(constraint.expression, constraint.expression)


@dataclass(eq=False)
class Guard:
    """A part of a constraint that decides it alone: a disjunct of `a or b`, or the antecedent of `a implies b`."""

    expression: CompiledExpression
    names: frozenset[str]
    decides_when: bool  # the constraint holds when this part evaluates to this value (True for or, False for implies)


@dataclass
class Plan:
    """A compiled constraint and what its result depends on."""

    expression: CompiledExpression | None
    error: str | None
    names: frozenset[str]  # element names the expression navigates to
    focus_independent: bool  # True when, without those elements, the result is the same for every node
    guards: tuple[Guard, ...] = ()


def _scan(ast: Ast, names: set[str], flags: dict[str, bool], top: bool = True) -> None:
    kind = ast[0]
    if kind == "member":
        names.add(ast[2])
        if ast[1] is not None:
            _scan(ast[1], names, flags, top)
        return
    if kind == "fn":
        if ast[2] in _VOLATILE_FUNCTIONS and ast[1] is None:
            flags["volatile"] = True
        if ast[2] == "extension":
            names.add("extension")
        if ast[1] is not None:
            _scan(ast[1], names, flags, top)
        for arg in ast[3]:
            if isinstance(arg, tuple):
                _scan(arg, names, flags, False)
        return
    if kind == "var" and ast[1] not in _CONSTANT_VARIABLES:
        flags["volatile"] = True
        return
    if kind == "this" and top:
        flags["volatile"] = True
        return
    for part in ast[1:]:
        if isinstance(part, tuple):
            _scan(part, names, flags, top)


def _disjuncts(ast: Ast) -> list[Ast]:
    if ast[0] == "op" and ast[1] == "or":
        return _disjuncts(ast[2]) + _disjuncts(ast[3])
    return [ast]


def _guards(ast: Ast) -> tuple[Guard, ...]:
    """Focus-independent parts that alone make the constraint hold when the elements they name are absent."""
    if ast[0] == "op" and ast[1] == "implies":
        candidates = [(ast[2], False)]
    else:
        candidates = [(d, True) for d in _disjuncts(ast)] if ast[0] == "op" and ast[1] == "or" else []
    out = []
    for part, decides_when in candidates:
        names: set[str] = set()
        flags = {"volatile": False}
        _scan(part, names, flags)
        if not flags["volatile"] and names:
            out.append(Guard(compile_ast(part), frozenset(names), decides_when))
    return tuple(out)


_PLANS: dict[str, Plan] = {}


def plan_for(text: str) -> Plan:
    plan = _PLANS.get(text)
    if plan is None:
        try:
            compiled = compile_expression(text)
        except (FhirPathParseError, FhirPathEvaluationError) as exc:
            plan = Plan(None, str(exc), frozenset(), False)
        else:
            names: set[str] = set()
            flags = {"volatile": False}
            _scan(compiled.ast, names, flags)
            plan = Plan(compiled, None, frozenset(names), not flags["volatile"], _guards(compiled.ast))
        _PLANS[text] = plan
    return plan


Prepared = tuple[Constraint, str, Plan]  # a constraint, the expression evaluated for it, and its plan


def prepare(constraints: Iterable[Constraint]) -> tuple[Prepared, ...]:
    """The constraints with their plans, once per element (the walker checks them on every instance)."""
    out = []
    for c in constraints:
        text = expression_for(c)
        out.append((c, text, plan_for(text)))
    return tuple(out)


def ele1_holds(value: Any, ext: Any) -> bool:
    """ele-1 natively: a primitive needs a value or extensions; a complex element needs a child besides id."""
    if isinstance(value, dict):
        return any(k not in ("id", "fhir_comments") for k in value)
    if value is not None and value != "":
        return True
    return isinstance(ext, dict) and bool(ext.get("extension"))


class InvariantEvaluator:
    """Evaluates constraints on nodes; remembers focus-independent results per (expression, type)."""

    def __init__(self) -> None:
        self._absent_results: dict[tuple[str, str], bool | str] = {}
        self._guard_results: dict[tuple[Guard, str], bool | str] = {}

    def known(self, prepared: Prepared, focus: Any, present: Collection[str] | None) -> bool | str | None:
        """The result when it is known without evaluating the expression on this node, else None."""
        _, text, plan = prepared
        if plan.expression is None:
            return plan.error or "cannot compile"
        if present is None:
            return None
        t = getattr(focus, "t", "")
        if plan.focus_independent and plan.names.isdisjoint(present):
            return self._absent_results.get((text, t))
        for guard in plan.guards:
            if guard.names.isdisjoint(present) and self._guard_results.get((guard, t)) is guard.decides_when:
                return True
        return None

    def evaluate(self, constraint: Constraint, ctx: Context, focus: Any, present: Collection[str] | None) -> bool | str:
        """True (holds), False (fails) or an error message (could not be evaluated)."""
        text = expression_for(constraint)
        plan = plan_for(text)
        if plan.expression is None:
            return plan.error or "cannot compile"
        if present is not None and plan.focus_independent and plan.names.isdisjoint(present):
            key = (text, getattr(focus, "t", ""))
            cached = self._absent_results.get(key)
            if cached is None:
                cached = self._run(plan.expression, ctx, focus)
                self._absent_results[key] = cached
            return cached
        if present is not None:
            for guard in plan.guards:
                if guard.names.isdisjoint(present) and self._guard(guard, ctx, focus) is guard.decides_when:
                    return True  # e.g. `fixed.empty() or ...` where there is no fixed[x]
        return self._run(plan.expression, ctx, focus)

    def _guard(self, guard: Guard, ctx: Context, focus: Any) -> bool | str:
        """The guard's value on a node of the focus's type without any of the elements it names (cached)."""
        key = (guard, getattr(focus, "t", ""))
        found = self._guard_results.get(key)
        if found is None:
            empty = FNode({}, None, focus.t, focus.d) if isinstance(focus, FNode) else focus
            found = self._guard_results[key] = self._run(guard.expression, ctx, empty)
        return found

    @staticmethod
    def _run(expression: CompiledExpression, ctx: Context, focus: Any) -> bool | str:
        try:
            result = expression.evaluate_in(ctx, focus)
        except FhirPathEvaluationError as exc:
            return str(exc)
        except (ArithmeticError, ValueError, TypeError, RecursionError) as exc:
            return f"{type(exc).__name__}: {exc}"
        if not result:
            return False  # like the HL7 validator: an empty result does not satisfy the constraint
        if len(result) == 1:
            v = value_of(result[0])
            if isinstance(v, bool):
                return v
        return True
