"""Narrative XHTML: parsing without DTDs or entities, allowed names, namespace, txt-1 and txt-2."""

from __future__ import annotations

import json

from fhir_ldn.validation.validator import Validator
from fhir_ldn.validation.xhtml import html_checks, inspect
from tests.validation.conftest import errors

NS = 'xmlns="http://www.w3.org/1999/xhtml"'


def test_allowed_content() -> None:
    report = inspect(f'<div {NS}><p class="x">a&nbsp;<b>b</b> <a href="#x">c</a><img src="x.png"/></p></div>')
    assert report.parse_error is None
    assert report.problems == ()
    assert html_checks(f"<div {NS}><p>x</p></div>", 1)
    assert html_checks(f"<div {NS}><p>x</p></div>", 2)


def test_illegal_elements_attributes_and_namespace() -> None:
    report = inspect(f'<div {NS}><p onClick="x()">a</p><object/><script>alert(1)</script></div>')
    assert [p[1] for p in report.problems] == [
        "Invalid attribute name in the XHTML ('onClick' on 'p')",
        "Invalid element name in the XHTML ('object')",
        "Invalid element name in the XHTML ('script')",
    ]
    assert not html_checks(f'<div {NS}><p onClick="x()">a</p></div>', 1)
    wrong = inspect('<div xmlns="http://www.w3.org/1999/xhtmlx">a</div>')
    assert wrong.problems[0][1] == (
        "Wrong namespace on the XHTML ('http://www.w3.org/1999/xhtmlx', should be 'http://www.w3.org/1999/xhtml')"
    )


def test_unparseable_and_entity_declarations_are_refused() -> None:
    assert inspect(f"<div {NS}><p>x</pa></div>").parse_error is not None
    xxe = f'<!DOCTYPE div [<!ENTITY x SYSTEM "file:///etc/passwd">]><div {NS}>&x;</div>'
    assert "DOCTYPE" in str(inspect(xxe).parse_error)
    assert not html_checks(xxe, 1)
    assert not html_checks(xxe, 2)


def test_only_short_narratives_are_cached() -> None:
    """The check is cached by text: a long narrative must not stay in memory after its request."""
    from fhir_ldn.validation.xhtml import _inspect_cached

    _inspect_cached.cache_clear()
    inspect(f"<div {NS}>short</div>")
    long_text = f"<div {NS}>{'x' * 100_000}</div>"
    assert inspect(long_text).has_content
    assert _inspect_cached.cache_info().currsize == 1


def test_txt_2_needs_some_text_or_an_image() -> None:
    assert not html_checks(f"<div {NS}>  <p> </p></div>", 2)
    assert html_checks(f'<div {NS}><img src="a.png"/></div>', 2)


def test_in_a_resource(core_validator: Validator) -> None:
    resource = {
        "resourceType": "Basic",
        "text": {"status": "generated", "div": f"<div {NS}><p>x</pa></div>"},
        "code": {"text": "x"},
    }
    found = errors(core_validator.validate_json(json.dumps(resource)))
    assert [(c, e) for c, e, _ in found] == [
        ("invalid", "Basic.text.div"),
        ("invariant", "Basic.text.div"),
        ("invariant", "Basic.text.div"),
    ]
    assert found[0][2].startswith("Error parsing XHTML:")
