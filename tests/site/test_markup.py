"""Resource text becomes safe HTML: markdown without raw HTML or script links; narratives sanitised."""

from __future__ import annotations

from pathlib import Path

from fhir_ldn.config import Settings
from fhir_ldn.package.loader import load_package, load_traceability
from fhir_ldn.site import render_site
from fhir_ldn.site.markup import markdown_html, narrative_html
from tests.conftest import edit_json


def test_markdown_html_escapes_raw_html_and_drops_script_links() -> None:
    out = str(
        markdown_html("**bold** <script>alert(1)</script> [x](javascript:alert(1)) [doi](https://doi.org/10.1/x)")
    )
    assert "<strong>bold</strong>" in out
    assert "<script" not in out
    assert "&lt;script&gt;" in out
    assert 'href="javascript:' not in out
    assert '<a href="https://doi.org/10.1/x">doi</a>' in out


def test_markdown_html_empty_is_empty() -> None:
    assert str(markdown_html(None)) == ""
    assert str(markdown_html("")) == ""


def test_narrative_html_keeps_text_and_tables_and_strips_active_content() -> None:
    div = (
        '<div xmlns="http://www.w3.org/1999/xhtml"><p onclick="x()">Hello <b>there</b></p>'
        '<script>alert(1)</script><img src="http://evil/x.png"/><a href="javascript:alert(1)">l</a>'
        '<table><tr><td colspan="2">cell</td></tr></table></div>'
    )
    out = str(narrative_html({"text": {"status": "generated", "div": div}}))
    assert "Hello <b>there</b>" in out
    assert 'colspan="2"' in out
    for bad in ("onclick", "<script", "<img", "javascript:", "alert(1)"):
        assert bad not in out
    assert str(narrative_html({"resourceType": "Basic"})) == ""


def test_render_site_resource_text_cannot_inject_html(knowledge_copy: Settings, tmp_path: Path) -> None:
    path = knowledge_copy.resources_dir / "ActivityDefinition-monitor-mood.json"
    edit_json(path, lambda d: d.update(description="Hi <script>alert(1)</script> [x](javascript:alert(2))"))
    package = load_package(knowledge_copy)
    pages = render_site(package, load_traceability(Settings()))
    page = pages["ActivityDefinition-monitor-mood.html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in page
    assert "javascript:" not in page.replace("[x](javascript:alert(2))", "")
