"""FAQ answers: Markdown in, safe HTML out.

The answer is stored as the Markdown the author typed (a plain textarea, and the tickets
plugin's "convert to FAQ" writes plain text, which is valid Markdown). It is rendered with
raw HTML switched off, so ``<script>`` or ``<img onerror=…>`` typed into an answer comes
out as visible text, and links with a ``javascript:`` address are not made into links.
The result then goes through the nh3 sanitiser with a short allow-list as a second line of
defence: whatever the Markdown renderer produced, no script, event-handler attribute or
unsafe address reaches a page or the portal.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_markdown = MarkdownIt("commonmark", {"html": False, "breaks": True}).enable(
    ["table", "strikethrough"]
)

#: What a rendered answer may contain: the elements Markdown produces, nothing more.
TAGS = {
    "p", "br", "hr", "strong", "em", "s", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "img", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}


def answer_html(markdown_text: str | None) -> Markup:
    """The answer as HTML that is safe to put into any page."""
    rendered = _markdown.render(markdown_text or "")
    cleaned = nh3.clean(
        rendered,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(cleaned)  # noqa: S704 - sanitised by nh3 just above
