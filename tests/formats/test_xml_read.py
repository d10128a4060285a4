"""XML -> JSON: typed values, comments ignored, positions, and structural problems reported, never repaired."""

from __future__ import annotations

import time

import pytest

from fhir_ldn.formats.decimal_json import JsonDecimal
from fhir_ldn.formats.xml_read import read_xml
from fhir_ldn.formats.xml_safety import XmlFormatError

NS = 'xmlns="http://hl7.org/fhir"'
XXE_DTD = b'<!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>'


def _kinds(xml: str) -> list[tuple[str, str, str]]:
    return [(p.kind, p.expression, p.message) for p in read_xml(xml.encode()).problems]


def test_values_typed_per_structure_definition() -> None:
    xml = f"""<Parameters {NS}>
      <parameter><name value="a"/><valueDecimal value="1.50"/></parameter>
      <parameter><name value="b"/><valueDecimal value="7"/></parameter>
      <parameter><name value="c"/><valueInteger value="-3"/></parameter>
      <parameter><name value="d"/><valueBoolean value="false"/></parameter>
      <parameter><name value="e"/><valueString value="007"/></parameter>
      <parameter><name value="f"/><valueInteger64 value="9007199254740993"/></parameter>
      <parameter><name value="g"/><valueUnsignedInt value="0"/></parameter>
    </Parameters>"""
    document = read_xml(xml.encode())
    assert document.problems == []
    values = [next(v for k, v in p.items() if k.startswith("value")) for p in document.resource["parameter"]]
    assert values == [1.5, 7, -3, False, "007", "9007199254740993", 0]
    assert [type(v) for v in values] == [JsonDecimal, int, int, bool, str, str, int]
    assert values[0].text == "1.50"


def test_comments_are_ignored_anywhere() -> None:
    xml = f"""<!-- before --><Patient {NS}><!-- in --><id value="p"/><name><!-- deep --><family value="F"/>
      </name><birthDate value="2000"><!-- in a primitive --></birthDate></Patient><!-- after -->"""
    document = read_xml(xml.encode())
    assert document.resource == {"resourceType": "Patient", "id": "p", "name": [{"family": "F"}], "birthDate": "2000"}
    assert document.problems == []


def test_primitive_ids_and_extensions_become_underscore_properties() -> None:
    xml = f"""<Patient {NS}><name><given value="A"/><given id="g2"><extension url="http://e.org">
      <valueString value="x"/></extension></given></name><birthDate id="b" value="1970"/></Patient>"""
    resource = read_xml(xml.encode()).resource
    assert resource["name"][0]["given"] == ["A", None]
    assert resource["name"][0]["_given"] == [
        None,
        {"id": "g2", "extension": [{"url": "http://e.org", "valueString": "x"}]},
    ]
    assert resource["_birthDate"] == {"id": "b"}
    assert resource["birthDate"] == "1970"


def test_div_kept_as_written() -> None:
    div = (
        '<div xmlns="http://www.w3.org/1999/xhtml">\n <p>a &amp; b<br/>  &#8211; <span  class="x">c</span></p>\n</div>'
    )
    xml = f'<Patient {NS}><text><status value="generated"/>{div}</text></Patient>'
    assert read_xml(xml.encode()).resource["text"]["div"] == div


def test_div_relying_on_an_outer_namespace_declaration_is_serialised() -> None:
    xml = (
        f'<Patient {NS} xmlns:h="http://www.w3.org/1999/xhtml"><text><status value="generated"/>'
        "<h:div><h:p>x</h:p></h:div></text></Patient>"
    )
    div = read_xml(xml.encode()).resource["text"]["div"]
    assert div == '<h:div xmlns:h="http://www.w3.org/1999/xhtml"><h:p>x</h:p></h:div>'


def _after(xml: str, tag: str) -> tuple[int, int]:
    """1-based (line, column) just after the first start tag beginning with `tag`."""
    start = xml.index(tag)
    end = xml.index(">", start) + 1
    line = xml.count("\n", 0, end) + 1
    return line, end - (xml.rfind("\n", 0, end) + 1) + 1


def test_positions_are_where_the_hl7_validator_reports_them() -> None:
    xml = (
        f'<List {NS}>\n  <status value="current"/>\n  <entry>\n    <item><reference value="x"/></item>\n'
        "  </entry>\n</List>"
    )
    locations = read_xml(xml.encode()).locations
    assert locations["List"] == (1, 35)
    assert locations["List.status"] == (2, 28) == _after(xml, "<status")  # just after the start tag
    assert locations["List.entry[0]"] == (3, 10)
    assert locations["List.entry[0].item.reference"] == _after(xml, "<reference")


def test_contained_resource_paths() -> None:
    xml = f'<List {NS}><contained><Basic><id value="b"/><code><text value="t"/></code></Basic></contained></List>'
    document = read_xml(xml.encode())
    assert document.resource["contained"] == [{"resourceType": "Basic", "id": "b", "code": {"text": "t"}}]
    assert "List.contained[0].code.text" in document.locations


def test_unknown_element_reported_on_its_parent_and_dropped() -> None:
    xml = f'<Group {NS}><type value="person"/><characteristic><value value="true"/></characteristic></Group>'
    document = read_xml(xml.encode())
    assert document.resource["characteristic"] == [{}]
    [problem] = document.problems
    assert (problem.kind, problem.expression, problem.xpath) == (
        "unknown-element",
        "/f:Group/f:characteristic",
        "/f:Group/f:characteristic/f:value",
    )
    assert problem.message == "Undefined element 'value' at /f:Group/f:characteristic"
    assert (problem.line, problem.column) == _after(xml, "<value")


def test_out_of_order_reported_not_fixed() -> None:
    problems = _kinds(f'<List {NS}><id value="val1"/><mode value="changes"/><status value="current"/></List>')
    assert problems == [
        (
            "order",
            "List.status",
            "As specified by profile http://hl7.org/fhir/StructureDefinition/List|5.0.0, "
            "Element 'status' is out of order (found after mode)",
        )
    ]


def test_empty_elements_reported_with_their_xpath() -> None:
    document = read_xml(f'<List {NS}><status value="current"/><title/><entry/></List>'.encode())
    assert [(p.kind, p.expression) for p in document.problems] == [
        ("empty", "/f:List/f:title"),
        ("empty", "/f:List/f:entry"),
    ]
    assert document.resource["entry"] == [{}]  # kept, so the validator sees the missing item
    assert "title" not in document.resource


@pytest.mark.parametrize(
    ("body", "kind", "expression"),
    [
        ('<active value="TRUE"/>', "lexical", "Patient.active"),
        ('<multipleBirthInteger value="1e4"/>', "lexical", "Patient.multipleBirth.ofType(integer)"),
        ("<gender>male</gender>", "text", "/f:Patient/f:gender"),
        ('<gender value="male" colour="red"/>', "unknown-attribute", "/f:Patient/f:gender"),
        ('<gender value="male"/><gender value="female"/>', "repeated", "Patient.gender"),
        ('<x:gender xmlns:x="urn:x" value="male"/>', "wrong-namespace", "/f:Patient/?:gender"),
        ('<name><?pi x?><family value="F"/></name>', "processing-instruction", "/f:Patient/f:name"),
        (
            '<contained><Basic><code><text value="x"/></code></Basic><Basic/></contained>',
            "resource",
            "/f:Patient/f:contained",
        ),
        ("<contained><Nothing/></contained>", "resource", "/f:Patient/f:contained/f:Nothing"),
        ('<name><family value="F"><given value="G"/></family></name>', "unknown-element", "/f:Patient/f:name/f:family"),
    ],
)
def test_structural_problems(body: str, kind: str, expression: str) -> None:
    document = read_xml(f"<Patient {NS}>{body}</Patient>".encode())
    assert [(p.kind, p.expression) for p in document.problems] == [(kind, expression)]


def test_schema_location_is_its_own_kind() -> None:
    xml = (
        f'<Patient {NS} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://hl7.org/fhir patient.xsd"><active value="true"/></Patient>'
    )
    assert [p.kind for p in read_xml(xml.encode()).problems] == ["schema-location"]


def test_bad_lexical_forms_stay_strings() -> None:
    document = read_xml(f'<Patient {NS}><active value="yes"/></Patient>'.encode())
    assert document.resource["active"] == "yes"
    assert document.problems[0].message == "Boolean values must be 'true' or 'false'"


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        (b"<Patient", "malformed XML"),
        (b'<Patient xmlns="http://hl7.org/fhirx"/>', "FHIR namespace"),
        (b"<Patient/>", "FHIR namespace"),
        (b'<Unicorn xmlns="http://hl7.org/fhir"/>', "unknown resource type 'Unicorn'"),
        (b'<HumanName xmlns="http://hl7.org/fhir"/>', "unknown resource type 'HumanName'"),
        (b'<!DOCTYPE Patient><Patient xmlns="http://hl7.org/fhir"/>', "DOCTYPE"),
    ],
)
def test_fatal_input_raises(xml: bytes, message: str) -> None:
    with pytest.raises(XmlFormatError, match=message):
        read_xml(xml)


@pytest.mark.parametrize(
    "xxe",
    [
        XXE_DTD + b'<Patient xmlns="http://hl7.org/fhir"><id value="&x;"/></Patient>',
        XXE_DTD + b'<Patient xmlns="http://hl7.org/fhir">&x;</Patient>',
        b'<!DOCTYPE p SYSTEM "http://127.0.0.1:9/evil.dtd"><Patient xmlns="http://hl7.org/fhir"/>',
    ],
)
def test_external_entities_are_never_read(xxe: bytes) -> None:
    with pytest.raises(XmlFormatError, match=r"DOCTYPE|external entity"):
        read_xml(xxe)


def test_billion_laughs_is_refused_quickly() -> None:
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    bomb = f'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY l0 "lol">{entities}]><Patient {NS}><id value="&l9;"/></Patient>'
    started = time.perf_counter()
    with pytest.raises(XmlFormatError):
        read_xml(bomb.encode())
    assert time.perf_counter() - started < 1.0


def test_deep_nesting_is_bounded() -> None:
    deep = f"<Patient {NS}>" + "<name>" * 100_000 + "</name>" * 100_000 + "</Patient>"
    with pytest.raises(XmlFormatError, match="malformed XML"):
        read_xml(deep.encode())


def test_non_utf8_documents() -> None:
    xml = f'<?xml version="1.0" encoding="ISO-8859-1"?><Patient {NS}><name><family value="Müller"/></name></Patient>'
    document = read_xml(xml.encode("iso-8859-1"))
    assert document.resource["name"] == [{"family": "Müller"}]
    assert document.locations["Patient.name[0].family"][0] == 1
