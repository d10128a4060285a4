"""Source positions of start tags and the exact text of div elements, matched to lxml's document order."""

from __future__ import annotations

from lxml import etree

from fhir_ldn.formats.xml_positions import LineIndex, div_spans, start_tag_ends

TRICKY = (
    '<?xml version="1.0"?>\n<!-- <fake> -->\n<a x="1>2" y=\'b>\'>\n'
    "  <![CDATA[ <notatag> ]]><?pi <nope>?>\n  <b/><c>\n</c></a>"
)


def test_start_tags_match_lxml_elements_despite_comments_cdata_and_quoted_brackets() -> None:
    ends = start_tag_ends(TRICKY)
    elements = list(etree.fromstring(TRICKY.encode()).iter(etree.Element))
    assert len(ends) == len(elements) == 3
    assert [TRICKY[:end].rsplit("<", 1)[1][:1] for end in ends] == ["a", "b", "c"]


def test_line_index_counts_all_line_ends() -> None:
    index = LineIndex("ab\ncd\r\nef\rg")
    assert [index.position(o) for o in (0, 2, 3, 7, 10)] == [(1, 1), (1, 3), (2, 1), (3, 1), (4, 1)]


def test_div_spans_nested_prefixed_and_empty() -> None:
    text = '<r><h:div xmlns:h="x"><div>1</div><div/></h:div><divider/><div a="/div>">2</div></r>'
    spans = div_spans(text)
    assert [text[s:e] for s, e in spans] == [
        '<h:div xmlns:h="x"><div>1</div><div/></h:div>',
        "<div>1</div>",
        "<div/>",
        '<div a="/div>">2</div>',
    ]
    assert len(spans) == len(list(etree.fromstring(text.encode()).iter("{*}div")))
