"""Safe HTML from resource text: FHIR markdown (raw HTML disabled) and sanitised XHTML narratives."""

from __future__ import annotations

from functools import cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_SAFE_SCHEMES = {"http", "https", "mailto"}
_NARRATIVE_TAGS = {
    "a", "b", "br", "caption", "code", "div", "em", "i", "li", "ol", "p", "pre", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip


class _SafeMarkdown(MarkdownIt):
    """CommonMark with raw HTML off (any <tag> in a resource's markdown is shown as text) and safe links only."""

    def validateLink(self, url: str) -> bool:  # markdown-it-py calls this for every link
        return _is_safe_link(url)


@cache
def _markdown() -> MarkdownIt:
    return _SafeMarkdown("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def _is_safe_link(url: str) -> bool:
    scheme, sep, _ = url.partition(":")
    return not sep or "/" in scheme or scheme.lower() in _SAFE_SCHEMES


def markdown_html(text: str | None) -> Markup:
    """FHIR `markdown` as HTML; links only to http(s), mailto or relative targets."""
    if not text:
        return Markup("")
    return Markup(_markdown().render(text))  # noqa: S704 - markdown-it escapes all text; raw HTML is disabled


def narrative_html(resource: dict[str, object]) -> Markup:
    """The resource's XHTML narrative, sanitised to a small allow-list of tags (no attributes but links)."""
    text = resource.get("text")
    div = text.get("div") if isinstance(text, dict) else None
    if not isinstance(div, str):
        return Markup("")
    cleaned = nh3.clean(
        div,
        tags=_NARRATIVE_TAGS,
        attributes={"a": {"href"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan", "scope"}},
        url_schemes=_SAFE_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return Markup(cleaned)  # noqa: S704 - sanitised by nh3 (ammonia) against an allow-list
