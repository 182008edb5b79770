"""News feeds: RSS 0.9x/1.0/2.0, Atom and RDF through feedparser; JSON Feed through json.

Each item becomes an article: its full content when the feed carries it (``content:encoded``,
Atom ``content``, JSON Feed ``content_html``), otherwise headline + summary with the link kept
as the URL so the full page can be fetched later.  The outlet is the feed's title.
"""
from __future__ import annotations

import json
from typing import Any, Iterator, Optional
from urllib.parse import urljoin, urlsplit

from ..records import Document
from .clean import clean_text
from .dates import normalize_date
from .encoding import (BinaryInput, bom_encoding, declared_xml_encoding, detect_encoding,
                       decodes_as)
from .markup import html_to_text, looks_like_html, normalize_whitespace
from .source import Problem, Source, problem

_HTML_TYPES = ("text/html", "application/xhtml+xml", "html", "xhtml")


def _to_text(value: str, content_type: Optional[str]) -> str:
    """Plain text of a feed field; ``content_type`` None means "HTML if it looks like it"
    (html_to_text passes plain text through, entities decoded)."""
    if not value:
        return ""
    if content_type is None:
        return html_to_text(value)
    if not any(t in content_type for t in _HTML_TYPES):
        return normalize_whitespace(value)
    return html_to_text(value)


# Below this a body is a teaser, whatever element it came in.
FULL_CONTENT_CHARS = 400


def _body(title: str, full: str, summary: str) -> tuple[str, bool]:
    """``(text, is_full_content)``.  The item's content is its text when it is an article's
    worth and no shorter than the summary; otherwise the item is headline + summary: the
    headline is the item's main statement, and it keeps items that share a boilerplate
    summary distinct."""
    if full and len(full) >= len(summary) and (len(full) >= FULL_CONTENT_CHARS
                                                or full.count("\n\n") >= 1):
        return full, True
    summary = max(summary, full, key=len)
    if title and summary and not summary.startswith(title):
        return f"{title}\n\n{summary}", False
    return summary or title, False


def _item_document(*, title: str, full: str, summary: str, date: Optional[str],
                   outlet: Optional[str], url: Optional[str], author: Optional[str],
                   source_id: Optional[str], lang: Optional[str], name: str, fmt: str,
                   extra: dict[str, Any]) -> Optional[Document]:
    title = html_to_text(title) if looks_like_html(title or "") else " ".join((title or "").split())
    text, is_full = _body(title, clean_text(full, title=title) if full else "",
                          clean_text(summary) if summary else "")
    if not text.strip():
        return None
    extra = {k: v for k, v in extra.items() if v not in (None, "", [], {})}
    extra["content"] = "full" if is_full else "summary"
    return Document(text=text, title=title or None, date=date, outlet=outlet, url=url,
                    author=author, source_id=source_id, source_path=name, source_format=fmt,
                    lang=lang, extra=extra)


def _absolute(link: Optional[str], base: Optional[str]) -> Optional[str]:
    """Item links relative to the site (some Atom feeds omit xml:base) made absolute."""
    if link and base and not urlsplit(link).scheme:
        return urljoin(base, link)
    return link or None


def _feed_format(version: str) -> str:
    if version.startswith("atom"):
        return "atom"
    if version in ("rss090", "rss10"):
        return "rdf"
    return "rss"


def _entry_date(entry: Any) -> Optional[str]:
    # The raw string keeps the publisher's UTC offset; feedparser's *_parsed is UTC only.
    for key in ("published", "updated", "created", "dc_date", "issued"):
        date = normalize_date(entry.get(key))
        if date:
            return date
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        date = normalize_date(entry.get(key))
        if date:
            return date
    return None


def _xml_error(parsed: Any) -> Optional[str]:
    """The XML error feedparser met, ignoring its notes about encodings it sorted out itself
    (those are not malformations)."""
    if not parsed.get("bozo"):
        return None
    exc = parsed.get("bozo_exception")
    name = type(exc).__name__
    if name in ("CharacterEncodingOverride", "CharacterEncodingUnknown", "NonXMLContentType"):
        return None
    return str(exc) or name


def _feed_encoding_headers(raw: bytes) -> dict[str, str]:
    """HTTP-style headers telling feedparser the real encoding when the file's own declaration
    is missing or wrong (feedparser would otherwise fall back to windows-1252 and garble e.g.
    Cyrillic)."""
    if bom_encoding(raw):
        return {}
    declared = declared_xml_encoding(raw)
    if declared and decodes_as(raw, declared):
        return {}
    if not declared and decodes_as(raw, "utf-8"):
        return {}
    encoding = detect_encoding(raw)
    return {"content-type": f"application/xml; charset={encoding}"}


def read_feed(source: Source, raw: bytes) -> Iterator[Document | Problem]:
    import feedparser  # ~0.2 s import, only when a feed turns up

    try:
        headers = _feed_encoding_headers(raw)
    except BinaryInput as exc:
        yield problem(source.name, str(exc))
        return
    parsed = feedparser.parse(raw, response_headers=headers, resolve_relative_uris=False)
    malformed = _xml_error(parsed)
    if not parsed.entries:
        if malformed:
            yield problem(source.name, f"malformed feed XML ({malformed})")
        else:
            yield problem(source.name, "feed has no items", kind="skipped")
        return
    if malformed:
        # feedparser's lenient parser recovered items; say so, keep them.
        yield problem(source.name, f"malformed feed XML ({malformed}); "
                                   f"{len(parsed.entries)} items recovered by lenient parsing",
                      kind="skipped", count=0)
    feed = parsed.feed
    outlet = " ".join(str(feed.get("title") or "").split()) or None
    fmt = _feed_format(parsed.get("version") or "")
    n_empty = 0
    for entry in parsed.entries:
        contents = [c for c in entry.get("content", []) if c.get("value")]
        # Prefer HTML bodies (richer than a text/plain teaser of the same item), then length.
        full = ""
        if contents:
            best = max(contents, key=lambda c: (any(t in (c.get("type") or "") for t in _HTML_TYPES),
                                                len(c.get("value", ""))))
            full = _to_text(best.get("value", ""), best.get("type"))
        detail = entry.get("summary_detail") or {}
        summary = _to_text(entry.get("summary", ""), detail.get("type") or "text/html")
        tags = [t.get("term") for t in entry.get("tags", []) if t.get("term")]
        doc = _item_document(
            title=entry.get("title", ""), full=full, summary=summary, date=_entry_date(entry),
            outlet=outlet, url=_absolute(entry.get("link"), feed.get("link")),
            author=entry.get("author"),
            source_id=entry.get("id"), lang=entry.get("language") or feed.get("language"),
            name=source.name, fmt=fmt,
            extra={"feed_url": feed.get("link"), "categories": tags})
        if doc is None:
            n_empty += 1
            continue
        yield doc
    if n_empty:
        yield problem(source.name, f"{n_empty} feed items without title or text skipped",
                      kind="skipped", count=n_empty)


def read_json_feed(source: Source, raw: bytes) -> Iterator[Document | Problem]:
    try:
        data = json.loads(raw.decode(detect_encoding(raw)))
    except BinaryInput as exc:
        yield problem(source.name, str(exc))
        return
    except ValueError as exc:
        yield problem(source.name, f"invalid JSON Feed ({getattr(exc, 'msg', exc)}, line "
                                   f"{getattr(exc, 'lineno', '?')})")
        return
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        yield problem(source.name, "JSON Feed without an items list")
        return
    if not items:
        yield problem(source.name, "feed has no items", kind="skipped")
        return
    outlet = " ".join(str(data.get("title") or "").split()) or None
    n_empty = 0
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            yield problem(f"{source.name}:items[{i}]", "feed item is not an object")
            continue
        full = _to_text(str(item.get("content_html") or item.get("content_text") or ""), None)
        authors = item.get("authors") or ([item["author"]] if item.get("author") else [])
        author = ", ".join(a.get("name") for a in authors if isinstance(a, dict) and a.get("name"))
        doc = _item_document(
            title=str(item.get("title") or ""), full=full,
            summary=_to_text(str(item.get("summary") or ""), None),
            date=normalize_date(item.get("date_published") or item.get("date_modified")),
            outlet=outlet, url=item.get("url") or item.get("external_url"),
            author=author or None, source_id=str(item["id"]) if item.get("id") else None,
            lang=item.get("language") or data.get("language"), name=source.name,
            fmt="jsonfeed",
            extra={"feed_url": data.get("home_page_url"), "categories": item.get("tags")})
        if doc is None:
            n_empty += 1
            continue
        yield doc
    if n_empty:
        yield problem(source.name, f"{n_empty} feed items without title or text skipped",
                      kind="skipped", count=n_empty)
