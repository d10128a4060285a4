"""Decimal-preserving JSON: lexical forms survive a read and a write; everything else is plain json."""

from __future__ import annotations

import copy
import json
import pickle

import pytest

from fhir_ldn.formats.decimal_json import JsonDecimal, dumps, dumps_compact, lexical, loads
from fhir_ldn.package.index import Package


@pytest.mark.parametrize("text", ["1.50", "1e1", "1E+10", "-0.0", "0.000000000000000001", "123456789012345678.5"])
def test_decimal_written_back_as_read(text: str) -> None:
    data = loads(f'{{"value": {text}}}')
    assert isinstance(data["value"], JsonDecimal)
    assert data["value"].text == text
    assert dumps(data, indent=None) == f'{{"value":{text}}}'


def test_decimal_behaves_as_a_number() -> None:
    value = loads("[1.50]")[0]
    assert value == 1.5
    assert value + 1 == 2.5
    assert value > 1
    assert isinstance(value, float)
    assert str(value) == "1.50"
    assert lexical(value) == "1.50"


def test_integers_stay_integers() -> None:
    data = loads('{"a": 3, "b": -7, "c": 34534536346345345345}')
    assert data == {"a": 3, "b": -7, "c": 34534536346345345345}
    assert all(type(v) is int for v in data.values())


def test_copies_keep_the_lexical_form() -> None:
    value = JsonDecimal("2.500")
    for duplicate in (copy.copy(value), copy.deepcopy(value), pickle.loads(pickle.dumps(value))):
        assert isinstance(duplicate, JsonDecimal)
        assert duplicate.text == "2.500"


def test_lexical_forms_of_json_primitives() -> None:
    assert [lexical(v) for v in (True, False, 0, -12, 0.5, "x y")] == ["true", "false", "0", "-12", "0.5", "x y"]


def test_dumps_matches_json_dumps_for_plain_data(package: Package) -> None:
    odd: dict[str, object] = {
        "s": 'quote " backslash \\ tab \t nl \n é ☃ \u2028',
        "n": None,
        "e": [],
        "o": {},
        "f": 1e-07,
        "b": [True],
    }
    for data in [odd, *package]:
        assert dumps(data) == json.dumps(data, indent=2, ensure_ascii=False)
        assert dumps(data, indent=None) == json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def test_dumps_rejects_what_json_cannot_hold() -> None:
    with pytest.raises(TypeError):
        dumps({"x": {1, 2}})
    with pytest.raises(TypeError):
        dumps({1: "a"})


def test_dumps_compact_is_dumps_in_bytes(package: Package) -> None:
    """The served (compact) form: orjson's writer gives the same bytes as `dumps`, decimals as read included."""
    read = loads('{"a": 1.50, "b": [1e1, -0.0, 2], "c": "é ☃ \\u2028 \\" \\\\ \\n", "d": {"e": null, "f": [true]}}')
    for data in [read, *package]:
        assert dumps_compact(data) == dumps(data, indent=None).encode("utf-8")


def test_dumps_compact_falls_back_where_orjson_refuses() -> None:
    for data in ({"big": 2**70}, {"lone": "\ud800 surrogate"}):
        assert loads(dumps_compact(data)) == data
    with pytest.raises(TypeError):  # what neither writer can hold is still refused
        dumps_compact({"k": {1: "a"}})
