"""The hardened parser and the document text used for positions."""

from __future__ import annotations

import pytest

from fhir_ldn.formats.xml_safety import XmlFormatError, document_text, parse_untrusted


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
