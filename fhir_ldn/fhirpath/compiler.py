"""Compile a FHIRPath AST into nested Python closures (compiled once, evaluated many times).

    fn = compile_expression("name.where(use = 'official').exists()")
    fn.evaluate(resource_node, model=model, env=env)   # -> list of items

Items are `FNode`s (FHIR elements) or system values (str, bool, int, Decimal, Temporal, Quantity).
Host services that need the outside world (resolve(), memberOf(), conformsTo(), htmlChecks()) come from an
`Environment`; variables from `variables`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fhir_ldn.fhirpath import function_args, functions
from fhir_ldn.fhirpath.nodes import FNode, Model
from fhir_ldn.fhirpath.operators import (
    FhirPathEvaluationError,
    arithmetic,
    compare,
    equal,
    equivalent,
    item_equal,
    logic_and,
    logic_implies,
    logic_or,
    logic_xor,
    to_boolean,
)
from fhir_ldn.fhirpath.parser import Ast, parse

Item = Any
Compiled = Callable[["Context", list[Item]], list[Item]]


class Environment:
    """Host services for the FHIR-specific functions; the defaults know nothing of the outside world."""

    def resolve(self, reference: str, ctx: Context) -> dict[str, Any] | None:
        return None

    def member_of(self, item: Item, value_set: str, ctx: Context) -> bool | None:
        raise FhirPathEvaluationError("memberOf() needs a terminology service")

    def conforms_to(self, item: Item, profile: str, ctx: Context) -> bool | None:
        raise FhirPathEvaluationError("conformsTo() needs a validator")

    def html_checks(self, item: Item, which: int, ctx: Context) -> bool:
        raise FhirPathEvaluationError("htmlChecks() needs an XHTML checker")

    def slice(self, items: list[Item], profile: str, name: str, ctx: Context) -> list[Item]:
        raise FhirPathEvaluationError("slice() needs a profile")

    def trace(self, name: str, items: list[Item]) -> None:
        return None


class Context:
    """State of one evaluation: model, environment, variables and the $this/$index of the current iteration."""

    __slots__ = ("cache", "env", "index", "model", "navigation", "this", "total", "variables")

    def __init__(self, model: Model, env: Environment, variables: Mapping[str, Any], this: Item):
        self.model = model
        self.env = env
        self.variables = variables
        self.this = this
        self.index = 0
        self.total: list[Item] = []
        self.cache: dict[int, list[Item]] = {}  # results of focus-independent sub-expressions
        self.navigation: dict[tuple[int, str], list[Item]] = {}  # children by (JSON object, name)


def _vs_url(name: str) -> str | None:
    for prefix, base in (
        ("vs-", "http://hl7.org/fhir/ValueSet/"),
        ("ext-", "http://hl7.org/fhir/StructureDefinition/"),
        ("cs-", "http://hl7.org/fhir/"),
    ):
        if name.startswith(prefix):
            return base + name[len(prefix) :]
    return None


_MEMOISED = frozenset({"children", "descendants"})
_CONSTANTS = {"ucum": "http://unitsofmeasure.org", "sct": "http://snomed.info/sct", "loinc": "http://loinc.org"}


def _type_name(ast: Ast) -> str:
    if ast[0] == "member":
        return ast[2] if ast[1] is None else f"{_type_name(ast[1])}.{ast[2]}"
    raise FhirPathEvaluationError("a type name was expected")


def _invariant(ast: Ast) -> bool:
    """Whether a sub-expression gives the same result wherever it is evaluated in one context (no focus, no $this)."""
    kind = ast[0]
    if kind in ("lit", "empty", "var"):
        return True
    if kind in ("this", "index_var", "total"):
        return False
    if kind == "member":
        return ast[1] is not None and _invariant(ast[1])
    if kind == "fn":
        if ast[1] is None or not _invariant(ast[1]):
            return False
        spec = functions.FUNCTIONS.get(ast[2])
        if spec is None or spec.kind in ("lambda", "type", "sort"):
            return spec is not None
        return all(_invariant(a) for a in ast[3])
    if kind in ("index", "op"):
        return all(_invariant(a) for a in ast[2:] if isinstance(a, tuple)) and _invariant(
            ast[1] if kind == "index" else ast[2]
        )
    if kind == "neg":
        return _invariant(ast[1])
    if kind == "type_op":
        return _invariant(ast[2])
    return False


def _cached(fn: Compiled) -> Compiled:
    key = id(fn)

    def cached(ctx: Context, focus: list[Item]) -> list[Item]:
        found = ctx.cache.get(key)
        if found is None:
            found = fn(ctx, focus)
            ctx.cache[key] = found
        return found

    return cached


def _compile(ast: Ast) -> Compiled:
    fn = _compile_node(ast)
    if ast[0] not in ("lit", "empty", "var") and _invariant(ast):
        return _cached(fn)
    return fn


def _compile_node(ast: Ast) -> Compiled:
    kind = ast[0]
    if kind == "lit":
        value = ast[1]
        return lambda ctx, focus: [value]
    if kind == "empty":
        return lambda ctx, focus: []
    if kind == "this":
        return lambda ctx, focus: [ctx.this]
    if kind == "index_var":
        return lambda ctx, focus: [ctx.index]
    if kind == "total":
        return lambda ctx, focus: list(ctx.total)
    if kind == "var":
        return _compile_var(ast[1])
    if kind == "member":
        return _compile_member(ast[1], ast[2])
    if kind == "index":
        target, index = _compile(ast[1]), _compile(ast[2])

        def indexer(ctx: Context, focus: list[Item]) -> list[Item]:
            items = target(ctx, focus)
            idx = index(ctx, [ctx.this])
            if not idx:
                return []
            i = int(idx[0])
            return [items[i]] if 0 <= i < len(items) else []

        return indexer
    if kind == "neg":
        operand = _compile(ast[1])
        return lambda ctx, focus: arithmetic("-", [0], operand(ctx, focus))
    if kind == "type_op":
        return _compile_type_op(ast[1], _compile(ast[2]), ast[3])
    if kind == "op":
        return _compile_op(ast[1], _compile(ast[2]), _compile(ast[3]))
    if kind == "fn":
        return _compile_function(ast[1], ast[2], ast[3])
    raise FhirPathEvaluationError(f"unknown expression node {kind}")


def _compile_var(name: str) -> Compiled:
    if name in _CONSTANTS:
        constant = _CONSTANTS[name]
        return lambda ctx, focus: [constant]
    url = _vs_url(name)

    def variable(ctx: Context, focus: list[Item]) -> list[Item]:
        if name in ctx.variables:
            value = ctx.variables[name]
            if value is None:
                return []
            return list(value) if isinstance(value, list) else [value]
        if url is not None:
            return [url]
        raise FhirPathEvaluationError(f"unknown variable %{name}")

    return variable


def _compile_member(target_ast: Ast | None, name: str) -> Compiled:
    target = _compile(target_ast) if target_ast is not None else None
    type_filter = target_ast is None and name[:1].isupper()

    def member(ctx: Context, focus: list[Item]) -> list[Item]:
        items = target(ctx, focus) if target is not None else focus
        model = ctx.model
        cache = ctx.navigation
        out: list[Item] = []
        for item in items:
            if not isinstance(item, FNode):
                continue
            if type_filter and model.is_type(item.t, name):
                out.append(item)
                continue
            if isinstance(item.v, dict):  # the same element is often navigated by several constraints
                key = (id(item.v), name)
                found = cache.get(key)
                if found is None:
                    found = cache[key] = model.navigate(item, name)
                out.extend(found)
            else:
                out.extend(model.navigate(item, name))
        return out

    return member


def _compile_type_op(op: str, operand: Compiled, type_name: str) -> Compiled:
    def type_op(ctx: Context, focus: list[Item]) -> list[Item]:
        items = operand(ctx, focus)
        if not items:
            return []
        if len(items) > 1:
            raise FhirPathEvaluationError(f"'{op}' needs a single item")
        matches = function_args.type_matches(ctx.model, items[0], type_name)
        if op == "is":
            return [matches]
        return [items[0]] if matches else []

    return type_op


def _compile_op(op: str, left: Compiled, right: Compiled) -> Compiled:
    if op in ("and", "or", "xor", "implies"):
        combine = {"and": logic_and, "or": logic_or, "xor": logic_xor, "implies": logic_implies}[op]

        def logic(ctx: Context, focus: list[Item]) -> list[Item]:
            a = to_boolean(left(ctx, focus))
            if op == "and" and a is False:
                return [False]
            if op == "or" and a is True:
                return [True]
            if op == "implies" and a is False:
                return [True]
            result = combine(a, to_boolean(right(ctx, focus)))
            return [] if result is None else [result]

        return logic
    if op in ("=", "!="):
        negate = op == "!="

        def eq(ctx: Context, focus: list[Item]) -> list[Item]:
            result = equal(left(ctx, focus), right(ctx, focus))
            if result is None:
                return []
            return [result != negate]

        return eq
    if op in ("~", "!~"):
        negate = op == "!~"
        return lambda ctx, focus: [equivalent(left(ctx, focus), right(ctx, focus)) != negate]
    if op in ("<", ">", "<=", ">="):
        test: Callable[[int], bool] = {
            "<": lambda c: c < 0,
            ">": lambda c: c > 0,
            "<=": lambda c: c <= 0,
            ">=": lambda c: c >= 0,
        }[op]

        def cmp(ctx: Context, focus: list[Item]) -> list[Item]:
            c = compare(left(ctx, focus), right(ctx, focus))
            return [] if c is None else [test(c)]

        return cmp
    if op == "|":
        return lambda ctx, focus: function_args.union(left(ctx, focus), right(ctx, focus))
    if op in ("in", "contains"):
        element, collection = (left, right) if op == "in" else (right, left)

        def membership(ctx: Context, focus: list[Item]) -> list[Item]:
            items = element(ctx, focus)
            if not items:
                return []
            if len(items) > 1:
                raise FhirPathEvaluationError(f"'{op}' needs a single item")
            return [any(item_equal(items[0], other) for other in collection(ctx, focus))]

        return membership
    return lambda ctx, focus: arithmetic(op, left(ctx, focus), right(ctx, focus))


def _compile_function(target_ast: Ast | None, name: str, arg_asts: list[Ast]) -> Compiled:
    target = _compile(target_ast) if target_ast is not None else None
    spec = functions.FUNCTIONS.get(name)
    if spec is None:
        raise FhirPathEvaluationError(f"unknown function {name}()")
    if len(arg_asts) not in spec.arity:
        raise FhirPathEvaluationError(f"{name}() takes {sorted(spec.arity)} arguments, not {len(arg_asts)}")
    if spec.kind == "type":
        type_name = _type_name(arg_asts[0])

        def typed(ctx: Context, focus: list[Item]) -> list[Item]:
            items = target(ctx, focus) if target is not None else focus
            return spec.impl(ctx, items, type_name)

        return typed
    if spec.kind == "sort":
        keys = [(_compile(a[1]), True) if a[0] == "neg" else (_compile(a), False) for a in arg_asts]

        def sort_fn(ctx: Context, focus: list[Item]) -> list[Item]:
            return spec.impl(ctx, target(ctx, focus) if target is not None else focus, keys)

        return sort_fn
    args = [_compile(a) for a in arg_asts]
    if spec.kind == "lambda":

        def lambda_fn(ctx: Context, focus: list[Item]) -> list[Item]:
            items = target(ctx, focus) if target is not None else focus
            return spec.impl(ctx, items, *args)

        return lambda_fn

    impl = spec.impl
    if not args:
        if target is None and name in _MEMOISED:  # children()/descendants() of the focus, often repeated
            key = id(impl)

            def memoised(ctx: Context, focus: list[Item]) -> list[Item]:
                if len(focus) != 1:
                    return impl(ctx, focus)
                cache_key = key ^ id(focus[0])
                found = ctx.cache.get(cache_key)
                if found is None or found[0] is not focus[0]:
                    found = [focus[0], impl(ctx, focus)]
                    ctx.cache[cache_key] = found
                return found[1]  # type: ignore[no-any-return]

            return memoised

        def no_args(ctx: Context, focus: list[Item]) -> list[Item]:
            return impl(ctx, target(ctx, focus) if target is not None else focus)

        return no_args

    def plain(ctx: Context, focus: list[Item]) -> list[Item]:
        items = target(ctx, focus) if target is not None else focus
        this = [ctx.this]
        values = [arg(ctx, this) for arg in args]
        return impl(ctx, items, *values)

    return plain


@dataclass(frozen=True)
class CompiledExpression:
    """A compiled FHIRPath expression."""

    text: str
    ast: Ast
    fn: Compiled

    def evaluate(
        self,
        focus: Item,
        *,
        model: Model | None = None,
        env: Environment | None = None,
        variables: Mapping[str, Any] | None = None,
    ) -> list[Item]:
        """Evaluate on one focus item (a node, or a raw resource dict) and return the result collection."""
        model = model or _DEFAULT_MODEL
        if isinstance(focus, dict):
            focus = model.resource_node(focus)
        defaults = {"resource": focus, "rootResource": focus, "context": focus}
        ctx = Context(model, env or _DEFAULT_ENV, {**defaults, **(variables or {})}, focus)
        return self.fn(ctx, [focus] if focus is not None else [])

    def evaluate_in(self, ctx: Context, focus: Item) -> list[Item]:
        """Evaluate inside an existing context (same model, environment and variables)."""
        saved = ctx.this
        ctx.this = focus
        try:
            return self.fn(ctx, [focus])
        finally:
            ctx.this = saved


_DEFAULT_MODEL = Model()
_DEFAULT_ENV = Environment()
_CACHE: dict[str, CompiledExpression] = {}


def compile_ast(ast: Ast, text: str = "") -> CompiledExpression:
    """Compile an already-parsed expression (or part of one)."""
    return CompiledExpression(text, ast, _compile(ast))


def compile_expression(text: str) -> CompiledExpression:
    """Parse and compile (cached by text); FhirPathParseError / FhirPathEvaluationError if it is not usable."""
    compiled = _CACHE.get(text)
    if compiled is None:
        ast = parse(text)
        compiled = CompiledExpression(text, ast, _compile(ast))
        _CACHE[text] = compiled
    return compiled


def evaluate(text: str, focus: Item, **kwargs: Any) -> list[Item]:
    """Convenience: compile (cached) and evaluate."""
    return compile_expression(text).evaluate(focus, **kwargs)
