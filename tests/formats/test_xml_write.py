"""JSON -> XML: order from the StructureDefinitions, value attributes, primitive ids/extensions, wrapping, div."""

from __future__ import annotations

from typing import Any

import pytest
from lxml import etree

from fhir_ldn.formats.decimal_json import loads
from fhir_ldn.formats.xml_read import read_xml
from fhir_ldn.formats.xml_safety import XmlFormatError
from fhir_ldn.formats.xml_write import write_xml
from fhir_ldn.formats.xsd import validate_xsd

F = "{http://hl7.org/fhir}"
DIV = '<div xmlns="http://www.w3.org/1999/xhtml">\n  <p>A  <b>b</b> &amp; &lt;c&gt; "d" \'e\' –<br />f</p>\n</div>'


def _root(resource: dict[str, Any]) -> etree._Element:
    return etree.fromstring(write_xml(resource))


def _round_trip(resource: dict[str, Any]) -> dict[str, Any]:
    xml = write_xml(resource)
    assert validate_xsd(xml) == []
    document = read_xml(xml)
    assert document.problems == []
    return document.resource


def test_root_namespace_order_and_value_attributes() -> None:
    patient = {"resourceType": "Patient", "gender": "female", "active": True, "id": "p1", "birthDate": "1970-01-01"}
    root = _root(patient)
    assert root.tag == f"{F}Patient"
    assert [etree.QName(c).localname for c in root] == ["id", "active", "gender", "birthDate"]
    assert [c.get("value") for c in root] == ["p1", "true", "female", "1970-01-01"]
    assert _round_trip(patient) == patient


def test_decimals_keep_their_lexical_form() -> None:
    observation = loads(
        '{"resourceType": "Observation", "status": "final", "code": {"text": "x"},'
        ' "valueQuantity": {"value": 1.50, "unit": "mg"},'
        ' "referenceRange": [{"low": {"value": 1e1}, "high": {"value": 100}}]}'
    )
    xml = write_xml(observation)
    assert b'<value value="1.50"/>' in xml
    assert b'<value value="1e1"/>' in xml
    assert b'<value value="100"/>' in xml
    back = _round_trip(observation)
    assert back["valueQuantity"]["value"].text == "1.50"
    assert back["referenceRange"][0]["low"]["value"].text == "1e1"
    assert type(back["referenceRange"][0]["high"]["value"]) is int


def test_primitive_ids_and_extensions_with_null_aligned_arrays() -> None:
    ext = {"url": "http://example.org/e", "valueString": "x"}
    patient = {
        "resourceType": "Patient",
        "birthDate": "1970",
        "_birthDate": {"id": "b1", "extension": [ext]},
        "name": [{"given": ["A", None, "C"], "_given": [None, {"extension": [ext]}, {"id": "g3"}]}],
    }
    root = _root(patient)
    birth = root.find(f"{F}birthDate")
    assert birth is not None
    assert (birth.get("id"), birth.get("value")) == ("b1", "1970")
    assert birth[0].get("url") == "http://example.org/e"
    given = root.findall(f"{F}name/{F}given")
    assert [g.get("value") for g in given] == ["A", None, "C"]
    assert given[1][0].tag == f"{F}extension"
    assert given[2].get("id") == "g3"
    assert _round_trip(patient) == patient


def test_extension_only_primitive_array() -> None:
    ext = {"url": "http://example.org/e", "valueCode": "x"}
    timing = {
        "resourceType": "ActivityDefinition",
        "status": "draft",
        "timingTiming": {"_event": [{"extension": [ext]}]},
    }
    assert _round_trip(timing) == timing


def test_element_ids_and_extension_urls_are_attributes() -> None:
    patient = {
        "resourceType": "Patient",
        "extension": [{"id": "e1", "url": "http://example.org/x", "valueBoolean": False}],
        "contact": [{"id": "c1", "gender": "male"}],
    }
    root = _root(patient)
    extension, contact = root[0], root[1]
    assert (extension.get("id"), extension.get("url"), extension[0].get("value")) == (
        "e1",
        "http://example.org/x",
        "false",
    )
    assert contact.get("id") == "c1"
    assert _round_trip(patient) == patient


def test_contained_and_bundle_resources_are_wrapped() -> None:
    organization = {"resourceType": "Organization", "id": "o1", "name": "Org"}
    patient = {"resourceType": "Patient", "contained": [organization], "managingOrganization": {"reference": "#o1"}}
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"fullUrl": "urn:uuid:1", "resource": patient}]}
    root = _root(bundle)
    wrapper = root.find(f"{F}entry/{F}resource")
    assert wrapper is not None
    assert [c.tag for c in wrapper] == [f"{F}Patient"]
    contained = wrapper[0].find(f"{F}contained")
    assert contained is not None
    assert contained[0].tag == f"{F}Organization"
    parameters = {"resourceType": "Parameters", "parameter": [{"name": "r", "resource": organization}]}
    assert _round_trip(bundle) == bundle
    assert _round_trip(parameters) == parameters


def test_narrative_div_is_inserted_verbatim() -> None:
    patient = {"resourceType": "Patient", "text": {"status": "generated", "div": DIV}}
    xml = write_xml(patient, pretty=True).decode("utf-8")
    assert DIV in xml  # no reformatting, no added whitespace
    assert _round_trip(patient) == patient


def test_carriage_returns_in_a_div_survive() -> None:
    div = '<div xmlns="http://www.w3.org/1999/xhtml"><p>a\r\nb</p></div>'
    patient = {"resourceType": "Patient", "text": {"status": "generated", "div": div}}
    assert _round_trip(patient) == patient


def test_pretty_output_reads_back_identically() -> None:
    patient = loads(
        '{"resourceType": "Patient", "id": "p", "name": [{"family": "F", "given": ["A"]}],'
        ' "extension": [{"url": "http://e.org", "valueDecimal": 2.50}]}'
    )
    pretty = write_xml(patient, pretty=True)
    assert b"\n  <extension" in pretty
    assert read_xml(pretty).resource == read_xml(write_xml(patient)).resource == patient


def test_special_characters_are_escaped() -> None:
    patient = {"resourceType": "Patient", "name": [{"text": 'a & b < c > "d"\n\te\r'}]}
    xml = write_xml(patient)
    assert b"&amp;" in xml
    assert b"&#10;" in xml
    assert _round_trip(patient) == patient


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        ({"resourceType": "Nope"}, "not a FHIR resource"),
        ({"id": "x"}, "not a FHIR resource"),
        ({"resourceType": "Patient", "colour": "blue"}, "unknown property 'colour'"),
        ({"resourceType": "Patient", "_name": {}}, "unknown property '_name'"),
        ({"resourceType": "Patient", "gender": ["male"]}, "single value"),
        ({"resourceType": "Patient", "name": {"text": "x"}}, "array is expected"),
        ({"resourceType": "Patient", "name": [None]}, "null is not a value"),
        ({"resourceType": "Patient", "gender": {"x": 1}}, "expected a primitive"),
        ({"resourceType": "Patient", "_gender": {"url": "x"}}, "only id and extension"),
        ({"resourceType": "Patient", "name": [{"text": "bell \x07"}]}, "character XML cannot represent"),
        ({"resourceType": "Patient", "text": {"status": "generated", "div": "<p>x</p>"}}, "XHTML namespace"),
        ({"resourceType": "Patient", "text": {"status": "generated", "div": "<div"}}, "not well-formed"),
        (
            {"resourceType": "Patient", "text": {"status": "generated", "div": '<div xmlns="x">&nbsp;</div>'}},
            "not well-formed",
        ),
        (  # an internal DTD would leave entity references in the XML written: ill-formed output
            {
                "resourceType": "Patient",
                "text": {
                    "status": "generated",
                    "div": '<!DOCTYPE div [<!ENTITY e "x">]> <div xmlns="http://www.w3.org/1999/xhtml">&e;</div>',
                },
            },
            "DOCTYPE",
        ),
    ],
)
def test_invalid_json_is_refused_with_the_path(resource: dict[str, Any], message: str) -> None:
    with pytest.raises(XmlFormatError, match=message):
        write_xml(resource)


def test_div_with_surroundings_is_normalised() -> None:
    div = '  <div xmlns="http://www.w3.org/1999/xhtml"><p>x</p></div>\n'
    patient = {"resourceType": "Patient", "text": {"status": "generated", "div": div}}
    assert read_xml(write_xml(patient)).resource["text"]["div"] == div.strip()


def test_div_in_a_wrong_namespace_is_kept_for_the_validator() -> None:
    div = '<div xmlns="http://www.w3.org/1999/xhtmlx"><p>x</p></div>'
    patient = {"resourceType": "Patient", "text": {"status": "generated", "div": div}}
    xml = write_xml(patient)
    assert validate_xsd(xml) != []
    assert read_xml(xml).resource == patient
