"""The hardened parser: refusals, the attack corpus of tests/data/xml-attacks, an audit of every parse."""

from __future__ import annotations

import pytest

from fhir_ldn.formats.xml import parse_xml_resource, validate_xsd
from fhir_ldn.formats.xml_safety import XmlFormatError, document_text, parse_untrusted
from tests.conftest import REPO
from tests.formats.xml_attacks import SECRET, CanaryServer, attack_document, attack_names


def test_parses_plain_documents_from_bytes_or_text() -> None:
    assert parse_untrusted(b"<a><b/></a>").tag == "a"
    assert parse_untrusted("<a>é</a>").text == "é"


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        (b"<a>", "malformed XML"),
        (b"<!DOCTYPE a><a/>", "DOCTYPE"),
        (b'<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>', "DOCTYPE"),
        (b'<?xml version="1.0" encoding="no-such-encoding"?><a/>', "XML"),
    ],
)
def test_refusals(xml: bytes, message: str) -> None:
    with pytest.raises(XmlFormatError, match=message):
        parse_untrusted(xml)


def test_document_text_honours_the_declared_encoding_and_a_bom() -> None:
    latin = '<?xml version="1.0" encoding="ISO-8859-1"?><a>ü</a>'.encode("iso-8859-1")
    assert document_text(latin, parse_untrusted(latin)) == '<?xml version="1.0" encoding="ISO-8859-1"?><a>ü</a>'
    bom = b"\xef\xbb\xbf<a/>"
    assert document_text(bom, parse_untrusted(bom)) == "<a/>"


@pytest.fixture(scope="module")
def secret_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    secret = tmp_path_factory.mktemp("secret") / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    return secret.as_uri()


@pytest.mark.parametrize("name", [n for n in attack_names() if n != "huge-attribute"])
def test_every_attack_document_is_refused_without_reading_anything(name: str, secret_url: str) -> None:
    with CanaryServer() as canary:
        document = attack_document(name, secret_url, canary.url)
        with pytest.raises(XmlFormatError) as refused:
            parse_xml_resource(document)
        problems = validate_xsd(document)  # the validator's schema check parses with the same parser
    assert SECRET not in str(refused.value)
    assert all(SECRET not in p for p in problems)
    assert canary.requests == []


def test_a_huge_attribute_is_bounded_by_the_parser_too(secret_url: str) -> None:
    """Under the service's 2 MiB body limit it is plain (valid) data; past libxml2's 10 MB limit it is refused."""
    with CanaryServer() as canary:
        within = attack_document("huge-attribute", secret_url, canary.url)
    assert len(parse_xml_resource(within)["parameter"][0]["valueString"]) == 3_000_000
    beyond = within.replace(b"A" * 3_000_000, b"A" * 11_000_000)
    with pytest.raises(XmlFormatError, match="malformed XML"):
        parse_xml_resource(beyond)


def test_every_lxml_parser_of_the_project_is_the_hardened_one() -> None:
    """An audit that stays true: untrusted XML is parsed only with HARDENED_PARSER (xsd.py reads the trusted,
    hash-pinned R5 schema files of the core package)."""
    sources = [p for folder in ("fhir_ldn", "server") for p in (REPO / folder).rglob("*.py")]
    parsers = {str(p.relative_to(REPO)) for p in sources if "etree.XMLParser(" in p.read_text(encoding="utf-8")}
    assert parsers == {"fhir_ldn/formats/xml_safety.py", "fhir_ldn/formats/xsd.py"}
    for path in sources:
        text = path.read_text(encoding="utf-8")
        for call in ("etree.fromstring(", "etree.XML(", "etree.parse(", "etree.iterparse("):
            for line in (line for line in text.splitlines() if call in line):
                assert "HARDENED_PARSER" in line or path.name == "xsd.py", (path, line)
