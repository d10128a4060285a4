"""HL7's FHIRPath R5 test suite (../shared/conformance/fhirpath/) run against the project's compiled engine.

Each `<test>`: its expression is compiled and evaluated on its input resource (the FHIR XML or JSON file it names,
read with the project's own readers; none: an empty focus) with the R5 definitions as the model; the results are
compared in order with the expected `<output>`s by type and value (decimals and quantities by value, temporal
values with their precision and timezone); `predicate` turns the result into one boolean first; `invalid` expects
the expression to be refused (a parse or evaluation error).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from fhir_ldn.fhirpath.compiler import Environment, compile_expression
from fhir_ldn.fhirpath.nodes import FNode, Model, primitive_value, quantity_of
from fhir_ldn.fhirpath.operators import FhirPathEvaluationError
from fhir_ldn.fhirpath.parser import FhirPathParseError
from fhir_ldn.fhirpath.values import Quantity, Temporal, parse_date, parse_datetime, parse_time
from fhir_ldn.formats.decimal_json import loads
from fhir_ldn.formats.xml_read import read_xml

NS = "{http://hl7.org/fhirpath/tests}"
REFUSED = (FhirPathParseError, FhirPathEvaluationError)


@dataclass(frozen=True)
class SuiteTest:
    """One `<test>` of the suite."""

    name: str
    group: str
    expression: str
    inputfile: str | None
    mode: str | None
    predicate: bool
    invalid: str | None
    outputs: tuple[tuple[str, str], ...]


def read_suite(folder: Path) -> list[SuiteTest]:
    """Every test of tests-fhir-r5.xml, in document order."""
    root = etree.parse(str(folder / "tests-fhir-r5.xml"), etree.XMLParser(resolve_entities=False, no_network=True))
    tests = []
    for test in root.iter(f"{NS}test"):
        expression = test.find(f"{NS}expression")
        assert expression is not None, test.get("name")
        group = test.getparent()
        tests.append(
            SuiteTest(
                name=str(test.get("name")),
                group=str(group.get("name")) if group is not None else "",
                expression=expression.text or "",
                inputfile=test.get("inputfile"),
                mode=test.get("mode"),
                predicate=test.get("predicate") == "true",
                invalid=expression.get("invalid"),
                outputs=tuple((str(o.get("type")), o.text or "") for o in test.iter(f"{NS}output")),
            )
        )
    return tests


@cache
def input_resource(folder: Path, name: str) -> dict[str, Any]:
    """An input file as FHIR JSON (XML read with the project's FHIR XML reader)."""
    data = (folder / "input" / name).read_bytes()
    if name.endswith(".json"):
        resource: dict[str, Any] = loads(data)
        return resource
    return read_xml(data, locations=False).resource


def _expected(kind: str, text: str) -> Any:
    if kind == "boolean":
        return text == "true"
    if kind == "integer":
        return int(text)
    if kind == "decimal":
        return Decimal(text)
    if kind in ("date", "dateTime", "time"):
        raw = text.removeprefix("@").removeprefix("T")
        parsed = {"time": parse_time, "date": parse_date, "dateTime": parse_datetime}[kind](raw)
        return parsed if parsed is not None else text
    if kind == "Quantity":
        value, _, unit = text.partition(" ")
        return Quantity(Decimal(value), unit.strip("'") or None)
    return text


def _actual(item: Any) -> tuple[str, Any]:
    """(type name as the suite writes it, value) of one result item."""
    if isinstance(item, FNode):
        if item.t in ("Quantity", "Age", "Duration", "Distance", "Count", "SimpleQuantity", "MoneyQuantity"):
            return "Quantity", quantity_of(item)
        return item.t, primitive_value(item) if not isinstance(item.v, dict) else item.v
    if isinstance(item, bool):
        return "boolean", item
    if isinstance(item, int):
        return "integer", item
    if isinstance(item, Decimal):
        return "decimal", item
    if isinstance(item, Temporal):
        return {"date": "date", "datetime": "dateTime", "time": "time"}[item.kind], item
    if isinstance(item, Quantity):
        return "Quantity", item
    return "string", item


def _same(expected: tuple[str, str], actual: tuple[str, Any]) -> bool:
    kind, text = expected
    actual_kind, value = actual
    if kind != actual_kind:
        return False
    want = _expected(kind, text)
    if isinstance(want, Quantity):
        return isinstance(value, Quantity) and value.value == want.value and (value.unit or "1") == (want.unit or "1")
    if isinstance(want, Decimal):
        try:
            return isinstance(value, Decimal | int) and Decimal(value) == want
        except InvalidOperation:
            return False
    return bool(want == value)


def _as_boolean(items: list[Any]) -> list[Any]:
    """A predicate's result: a single boolean as it is, else whether there is anything."""
    if len(items) == 1 and isinstance(items[0], bool):
        return items
    if len(items) == 1 and isinstance(items[0], FNode) and isinstance(items[0].v, bool):
        return [items[0].v]
    return [bool(items)]


def not_run(test: SuiteTest) -> str | None:
    """Why a test cannot be run against a FHIR engine at all, or None."""
    if test.mode == "cda":
        return "its input is a CDA document (mode cda), not FHIR: the engine reads FHIR resources only"
    return None


def run_test(test: SuiteTest, folder: Path, model: Model, env: Environment | None = None) -> str | None:
    """None when the engine gives the expected result, else what it gave instead."""
    focus = input_resource(folder, test.inputfile) if test.inputfile else None
    try:
        compiled = compile_expression(test.expression)
        result = compiled.evaluate(focus, model=model, env=env)
    except REFUSED as exc:
        return None if test.invalid else f"refused: {type(exc).__name__}: {exc}"
    if test.invalid:
        return f"gave {[_actual(i) for i in result]!r} where the suite expects a {test.invalid} error"
    if test.predicate:
        result = _as_boolean(result)
    actual = [_actual(i) for i in result]
    if len(actual) == len(test.outputs) and all(_same(e, a) for e, a in zip(test.outputs, actual, strict=True)):
        return None
    return f"gave {actual!r}, expected {list(test.outputs)!r}"
