"""HTML fragments (feed item bodies, summaries) to plain text with paragraph breaks.

A feed's ``content:encoded`` is the article body without page chrome, so whole-page extraction
(which looks for the main block and may discard a short fragment as boilerplate) is the wrong
tool; a block-aware text conversion keeps every paragraph.
"""
from __future__ import annotations

import html as htmllib
import re

import lxml.html
from lxml import etree

_BLOCK = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
    "pre", "tr", "table", "section", "article", "header", "footer", "figure", "figcaption",
    "dd", "dt", "dl", "hr", "aside", "main", "address",
}
# Elements whose text is never article prose.
_DROP = {"script", "style", "noscript", "iframe", "svg", "button", "form", "select", "template",
         "object", "embed", "video", "audio", "canvas", "input"}
_TAG = re.compile(r"<[a-zA-Z/!?][^>]*>")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BLANKS = re.compile(r"\n\s*\n+")


def looks_like_html(text: str) -> bool:
    return bool(_TAG.search(text[:5000]))


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment: one paragraph per block element, inline markup
    flattened, entities decoded, scripts and styles dropped."""
    if not fragment or not fragment.strip():
        return ""
    if not looks_like_html(fragment):
        unescaped = htmllib.unescape(fragment)
        if looks_like_html(unescaped):
            return html_to_text(unescaped)  # markup escaped twice by the publisher
        return normalize_whitespace(unescaped)
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return normalize_whitespace(htmllib.unescape(_TAG.sub(" ", fragment)))
    parts: list[str] = []

    def walk(el) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag.lower() in _DROP:
            if el.tail:
                parts.append(el.tail)
            return
        block = tag.lower() in _BLOCK
        if block:
            parts.append("\n\n")
        if el.text and tag:
            parts.append(el.text)
        for child in el:
            walk(child)
        if block:
            parts.append("\n\n")
        if el.tail:
            parts.append(el.tail)

    walk(root)
    return normalize_whitespace("".join(parts))


def normalize_whitespace(text: str) -> str:
    """Collapse runs of spaces within lines and runs of blank lines between paragraphs."""
    lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n")]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()
