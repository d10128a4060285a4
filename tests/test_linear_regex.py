"""The linear-time regex layer: Python's meaning where it runs a pattern, a clear refusal where it cannot.

Property tests (hypothesis) compare it with Python's `re` over random patterns from a regex grammar and short
random texts (short enough for `re`'s backtracking to stay cheap), and feed it arbitrary text as patterns.
"""

from __future__ import annotations

import re
from functools import partial

import fhirpathpy
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fhir_ldn.fhirpath.compiler import compile_expression
from fhir_ldn.fhirpath.operators import FhirPathEvaluationError
from fhir_ldn.linear_regex import (
    MAX_PATTERN_LENGTH,
    RegexRefusedError,
    compile_regex,
    fhirpathpy_functions,
    to_re2_syntax,
)
from tests.fuzzing import fuzz_settings

ALPHABET = "ab1 é١\u00a0_-"  # ASCII and non-ASCII letters, digits and spaces
ATOMS = ["a", "b", "é", "1", " ", ".", r"\d", r"\D", r"\w", r"\W", r"\s", r"\S", "[ab]", "[^a]", r"[\d_]", r"[\w-]"]
QUANTIFIERS = ["", "", "*", "+", "?", "{1,2}", "{2}", "*?", "+?"]


def _patterns() -> st.SearchStrategy[str]:
    """Patterns of the grammar: quantified atoms and groups, sequences, alternation and anchors."""

    def sequences(piece: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        quantified = st.tuples(piece, st.sampled_from(QUANTIFIERS)).map("".join)
        return st.lists(quantified, min_size=1, max_size=3).map("".join)

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        sequence = sequences(st.one_of(st.sampled_from(ATOMS), inner.map(lambda p: f"({p})")))
        return st.one_of(
            sequence,
            st.tuples(sequence, sequence).map(lambda ps: f"{ps[0]}|{ps[1]}"),
            sequence.map(lambda p: f"^{p}$"),
        )

    return st.recursive(sequences(st.sampled_from(ATOMS)), extend, max_leaves=6)


TEXTS = st.text(alphabet=ALPHABET, max_size=8)


@fuzz_settings(300)
@given(_patterns(), st.lists(TEXTS, min_size=1, max_size=5))
def test_generated_patterns_match_as_python_re_does(pattern: str, texts: list[str]) -> None:
    python = re.compile(pattern, re.DOTALL)
    linear = compile_regex(pattern, dot_all=True)
    for text in texts:
        assert linear.search(text) == (python.search(text) is not None), (pattern, text)
        assert linear.fullmatch(text) == (python.fullmatch(text) is not None), (pattern, text)


def _group_or_itself(match: re.Match[str], reference: re.Match[str]) -> str:
    """For `$n` in a replacement: group n of the match (empty if it took no part), or `$n` itself if none."""
    n = int(reference.group(1))
    return (match.group(n) or "") if n <= (match.re.groups) else reference.group(0)


def _java_replace_all(python: re.Pattern[str], text: str, replacement: str) -> str:
    """Java's (and JavaScript's) replaceAll with Python's `re` finding the matches: after an empty match the
    search moves on one character (Python 3.7+ would first try a non-empty match at the same place)."""
    out, last, pos = [], 0, 0
    while pos <= len(text):
        m = python.search(text, pos)
        if m is None:
            break
        expanded = re.sub(r"\$(\d{1,2})", partial(_group_or_itself, m), replacement)
        out.append(text[last : m.start()] + expanded)
        last = m.end()
        pos = m.end() if m.end() > m.start() else m.end() + 1
    return "".join(out) + text[last:]


@fuzz_settings(200)
@given(_patterns(), TEXTS, st.text(alphabet="xy$12", max_size=6))
def test_replacements_agree_with_java_replace_all(pattern: str, text: str, replacement: str) -> None:
    """FHIRPath replaceMatches: $n is group n (empty if it took no part), any other $ is itself."""
    expected = _java_replace_all(re.compile(pattern), text, replacement)
    assert compile_regex(pattern).replace(text, replacement) == expected


@fuzz_settings(300)
@given(st.text(max_size=60))
def test_any_text_as_a_pattern_is_run_or_refused_never_crashes(pattern: str) -> None:
    try:
        linear = compile_regex(pattern)
    except RegexRefusedError as exc:
        message = str(exc)
    else:
        message = ""
    if message:
        assert pattern in message or "longer than" in message
        return
    assert isinstance(linear.search("aaa bbb é"), bool)
    assert isinstance(linear.fullmatch(""), bool)


@pytest.mark.parametrize(
    ("pattern", "found_in_text", "matches_all_a"),
    [
        ("(a+)+$", False, True),
        ("(a|aa)+$", False, True),
        ("(a*)*b", False, False),
        ("((a+)+)+", True, True),
        ("(a|a?)+$", True, True),  # it matches the empty string at the end
        (r"^(\w+\s?)*$", False, True),
    ],
)
def test_catastrophic_patterns_for_backtracking_engines_are_answered(
    pattern: str, found_in_text: bool, matches_all_a: bool
) -> None:
    """Each of these takes a backtracking engine ~2^60 steps on this text; RE2 answers at once (or the test hangs)."""
    text = "a" * 60 + "!"
    linear = compile_regex(pattern)
    assert linear.search(text) == found_in_text
    assert not linear.fullmatch(text)
    assert linear.fullmatch("a" * 60) == matches_all_a


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        (r"(a)\1", "invalid escape sequence"),
        ("(?=a)b", "invalid perl operator"),
        ("(?<!a)b", "invalid perl operator"),
        ("a{1001}", "invalid repetition size"),
        ("((a{20}){20}){20}", "invalid repetition size"),  # RE2 bounds nested repetition too
        (r"(\w{100}){9}", "pattern too large"),  # the compiled program would exceed MAX_PROGRAM_MEMORY
        ("(unclosed", "missing )"),
        (r"\u12", "incomplete escape"),
    ],
)
def test_patterns_re2_cannot_run_in_linear_time_are_refused_with_the_reason(pattern: str, reason: str) -> None:
    with pytest.raises(RegexRefusedError, match=re.escape(reason)) as raised:
        compile_regex(pattern)
    assert f"'{pattern}'" in str(raised.value)


def test_a_pattern_longer_than_the_limit_is_refused() -> None:
    compile_regex("a" * MAX_PATTERN_LENGTH)
    with pytest.raises(RegexRefusedError, match="longer than"):
        compile_regex("a" * (MAX_PATTERN_LENGTH + 1))


def test_python_syntax_is_translated_to_re2_with_python_meaning() -> None:
    assert to_re2_syntax(r"\d+\Z") == r"\p{Nd}+\z"
    assert to_re2_syntax(r"[\w.]") == r"[\p{L}\p{N}_.]"
    assert to_re2_syntax("[]a]") == r"[\]a]"
    assert to_re2_syntax(r"\u00e9") == r"\x{00e9}"
    assert compile_regex(r"\d+").fullmatch("١٢٣")  # Arabic-Indic digits are digits, as in Python
    assert compile_regex(r"\s").fullmatch("\u3000")
    assert not compile_regex(r"\w").search("!")


def test_java_classes_are_ascii_as_the_hl7_validator_runs_primitive_regexes() -> None:
    code = r"[^\s]+(\s[^\s]+)*"  # the R4 `code` regex; v2-0550 has codes ending in a no-break space
    assert compile_regex(code, java_classes=True).fullmatch("CHEST\u00a0")
    assert not compile_regex(code).fullmatch("CHEST\u00a0")  # Python's (Unicode) \s: a trailing space
    assert not compile_regex(code, java_classes=True).fullmatch("a\tb ")
    assert not compile_regex(r"\d", java_classes=True).fullmatch("١")
    assert compile_regex(r"[\w]+\W", java_classes=True).fullmatch("a_9!")
    assert not compile_regex(r"\w", java_classes=True).fullmatch("é")


def test_fhirpath_regex_functions_run_in_linear_time() -> None:
    text = "a" * 60 + "!"
    assert compile_expression(f"'{text}'.matches('^(a+)+$')").evaluate({}) == [False]
    assert compile_expression("'a1b22'.replaceMatches('(\\\\d+)', '<$1>')").evaluate({}) == ["a<1>b<22>"]
    with pytest.raises(FhirPathEvaluationError, match="refused"):
        compile_expression("'ab'.matches('(a)\\\\1')").evaluate({})


def test_fhirpathpy_functions_replace_its_backtracking_matches() -> None:
    options = {"userInvocationTable": fhirpathpy_functions()}
    resource = {"resourceType": "Basic", "id": "a" * 60 + "-"}
    assert fhirpathpy.evaluate(resource, "id.matches('^(a+)+$')", {}, options=options) == [False]
    assert fhirpathpy.evaluate(resource, "id.replaceMatches('(a+)-', '$1!')", {}, options=options) == ["a" * 60 + "!"]
