"""A small, fast FHIRPath parser (precedence climbing) producing a tuple AST for `fhir_ldn.fhirpath.compiler`.

AST nodes are tuples whose first item names the kind:
    ("lit", value)                        literal (str, bool, int, Decimal, Temporal, Quantity) or ("empty",)
    ("member", target | None, name)       navigation; target None = the focus
    ("fn", target | None, name, args)     function call; args are ASTs
    ("index", target, expr)               indexer
    ("var", name)                         %name
    ("this",) ("index_var",) ("total",)   $this $index $total
    ("op", op, left, right)               binary operator
    ("neg", expr)                         unary minus
    ("type_op", op, expr, type_name)      `is` / `as` with a type specifier
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from typing import Any

from fhir_ldn.fhirpath.values import Quantity, parse_temporal_literal

Ast = tuple[Any, ...]


class FhirPathParseError(ValueError):
    """The expression is not valid FHIRPath."""


_TOKEN = re.compile(
    r"""
    (?P<ws>\s+|//[^\n]*|/\*.*?\*/)
  | (?P<date>@T\d{2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?)?
      |@\d{4}(?:-\d{2}(?:-\d{2})?)?(?:T(?:\d{2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+\-]\d{2}:\d{2})?)?)?)
  | (?P<num>[0-9]+(?:\.[0-9]+)?L?)
  | (?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<delim>`(?:[^`\\]|\\.)*`)
  | (?P<ext>%(?:[A-Za-z_][A-Za-z0-9_\-]*|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`))
  | (?P<special>\$this|\$index|\$total)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op><=|>=|!=|!~|\{\s*\}|[.\[\](),+\-*/&|=~<>])
    """,
    re.VERBOSE | re.DOTALL,
)

_ESCAPES = {"'": "'", '"': '"', "`": "`", "r": "\r", "n": "\n", "t": "\t", "f": "\f", "\\": "\\", "/": "/"}
_CALENDAR_UNITS = {
    "year",
    "years",
    "month",
    "months",
    "week",
    "weeks",
    "day",
    "days",
    "hour",
    "hours",
    "minute",
    "minutes",
    "second",
    "seconds",
    "millisecond",
    "milliseconds",
}
# binding power of binary operators (higher binds tighter)
_BINARY = {
    "implies": 1,
    "or": 2,
    "xor": 2,
    "and": 3,
    "in": 4,
    "contains": 4,
    "=": 5,
    "~": 5,
    "!=": 5,
    "!~": 5,
    "<": 6,
    ">": 6,
    "<=": 6,
    ">=": 6,
    "|": 7,
    "is": 8,
    "as": 8,
    "+": 9,
    "-": 9,
    "&": 9,
    "*": 10,
    "/": 10,
    "div": 10,
    "mod": 10,
}
_WORD_OPERATORS = {"implies", "or", "xor", "and", "in", "contains", "is", "as", "div", "mod"}


def _unescape(body: str) -> str:
    out = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt == "u" and i + 5 < len(body) + 1:
                out.append(chr(int(body[i + 2 : i + 6], 16)))
                i += 6
                continue
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise FhirPathParseError(f"unexpected character {text[pos]!r} at column {pos + 1}")
        kind = m.lastgroup or ""
        if kind != "ws":
            value = m.group()
            if kind == "ident" and value in _WORD_OPERATORS:
                kind = "word"
            out.append((kind, value, pos))
        pos = m.end()
    out.append(("eof", "", len(text)))
    return out


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str, int]:
        return self.toks[self.i]

    def next(self) -> tuple[str, str, int]:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expect(self, value: str) -> None:
        _kind, val, pos = self.next()
        if val != value:
            raise FhirPathParseError(f"expected '{value}' at column {pos + 1}, found '{val or 'end'}'")

    def fail(self, what: str) -> FhirPathParseError:
        _, val, pos = self.peek()
        return FhirPathParseError(f"{what} at column {pos + 1} (found '{val or 'end of expression'}')")

    # expression := unary (binop unary)*
    def expression(self, min_bp: int = 0) -> Ast:
        left = self.unary()
        while True:
            kind, val, _ = self.peek()
            if kind not in ("op", "word") or val not in _BINARY:
                return left
            bp = _BINARY[val]
            if bp <= min_bp:
                return left
            self.next()
            if val in ("is", "as"):
                left = ("type_op", val, left, self.type_specifier())
                continue
            right = self.expression(bp)
            left = ("op", val, left, right)

    def type_specifier(self) -> str:
        parts = [self.identifier()]
        while self.peek()[1] == "." and self.toks[self.i + 1][0] in ("ident", "delim"):
            self.next()
            parts.append(self.identifier())
        return ".".join(parts)

    def identifier(self) -> str:
        kind, val, _ = self.peek()
        if kind in ("ident", "word"):
            self.next()
            return val
        if kind == "delim":
            self.next()
            return _unescape(val[1:-1])
        raise self.fail("expected an identifier")

    def unary(self) -> Ast:
        kind, val, _ = self.peek()
        if kind == "op" and val in ("+", "-"):
            self.next()
            operand = self.unary()
            if val == "-":
                if operand[0] == "lit" and isinstance(operand[1], int | Decimal) and not isinstance(operand[1], bool):
                    return ("lit", -operand[1])
                if operand[0] == "lit" and isinstance(operand[1], Quantity):
                    return ("lit", Quantity(-operand[1].value, operand[1].unit))
                return ("neg", operand)
            return operand
        return self.postfix(self.term())

    def postfix(self, node: Ast) -> Ast:
        while True:
            val = self.peek()[1]
            if val == ".":
                self.next()
                name = self.identifier()
                node = ("fn", node, name, self.arguments()) if self.peek()[1] == "(" else ("member", node, name)
            elif val == "[":
                self.next()
                index = self.expression()
                self.expect("]")
                node = ("index", node, index)
            else:
                return node

    def arguments(self) -> list[Ast]:
        self.expect("(")
        args: list[Ast] = []
        if self.peek()[1] == ")":
            self.next()
            return args
        while True:
            args.append(self.expression())
            if self.peek()[1] == ",":
                self.next()
                continue
            self.expect(")")
            return args

    def term(self) -> Ast:
        kind, val, pos = self.peek()
        if kind == "num":
            self.next()
            number: int | Decimal = int(val[:-1]) if val.endswith("L") else (Decimal(val) if "." in val else int(val))
            nk, nv, _ = self.peek()
            if nk == "str":
                self.next()
                return ("lit", Quantity(Decimal(number), _unescape(nv[1:-1])))
            if nk == "ident" and nv in _CALENDAR_UNITS:
                self.next()
                return ("lit", Quantity(Decimal(number), nv))
            return ("lit", number)
        if kind == "str":
            self.next()
            return ("lit", _unescape(val[1:-1]))
        if kind == "date":
            self.next()
            try:
                return ("lit", parse_temporal_literal(val[1:]))
            except ValueError as exc:
                raise FhirPathParseError(f"bad date/time literal '{val}' at column {pos + 1}") from exc
        if kind == "ext":
            self.next()
            name = val[1:]
            if name[:1] in ("'", "`"):
                name = _unescape(name[1:-1])
            return ("var", name)
        if kind == "special":
            self.next()
            return {"$this": ("this",), "$index": ("index_var",), "$total": ("total",)}[val]
        if kind == "op" and val == "(":
            self.next()
            inner = self.expression()
            self.expect(")")
            return inner
        if kind == "op" and val.startswith("{"):
            self.next()
            return ("empty",)
        if kind in ("ident", "delim", "word"):
            if kind == "ident" and val in ("true", "false") and self.toks[self.i + 1][1] != "(":
                self.next()
                return ("lit", val == "true")
            name = self.identifier()
            if self.peek()[1] == "(":
                return ("fn", None, name, self.arguments())
            return ("member", None, name)
        raise self.fail("expected an expression")


@lru_cache(maxsize=4096)
def parse(text: str) -> Ast:
    """Parse a FHIRPath expression into a tuple AST (cached); FhirPathParseError when it is not valid."""
    parser = _Parser(text)
    if parser.peek()[0] == "eof":
        raise FhirPathParseError("empty expression")
    ast = parser.expression()
    if parser.peek()[0] != "eof":
        raise parser.fail("unexpected text after the expression")
    return ast
