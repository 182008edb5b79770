"""Saved web pages: one article per page, main text and metadata from
:func:`detente.ingest.html.extract_html` (owned by the HTML-extraction module)."""
from __future__ import annotations

from typing import Iterator, Optional
from urllib.parse import urlsplit

from ..records import Document
from .dates import normalize_date
from .encoding import BinaryInput, charset_from_content_type, declared_html_encoding, detect_encoding
from .source import Problem, Source, problem


class ExtractorMissing(RuntimeError):
    pass


def _extractor():
    try:
        from .html import extract_html
    except ImportError as exc:  # the HTML module is developed separately
        raise ExtractorMissing(f"HTML extraction unavailable ({exc})") from exc
    return extract_html


def html_encoding(raw: bytes, content_type: Optional[str] = None) -> str:
    """HTTP charset, else ``<meta charset>``, each only when the bytes agree; else UTF-8 or a
    detected encoding.  Raises BinaryInput."""
    declared = charset_from_content_type(content_type) or declared_html_encoding(raw)
    return detect_encoding(raw, declared)


def host_of(url: Optional[str]) -> Optional[str]:
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or None


def page_document(raw: bytes, *, name: str, url: Optional[str] = None,
                  content_type: Optional[str] = None, fallback_date: Optional[str] = None,
                  source_id: Optional[str] = None, fmt: str = "html") -> Document | Problem:
    """One HTML page to a Document, or a 'skipped' problem when it holds no article text."""
    try:
        encoding = html_encoding(raw, content_type)
    except BinaryInput as exc:
        return problem(name, str(exc))
    try:
        page = _extractor()(raw, url=url, encoding=encoding)
    except ExtractorMissing as exc:
        return problem(name, str(exc))
    if page is None or not (page.text or "").strip():
        return problem(name, "no article text found in the page", kind="skipped")
    page_url = url or page.url
    extra = {}
    if page.description:
        extra["description"] = page.description
    if url and page.url and page.url != url:
        extra["canonical_url"] = page.url
    if encoding not in ("utf-8", "ascii"):
        extra["encoding"] = encoding
    return Document(
        text=page.text.strip(), title=(page.title or None), date=normalize_date(page.date) or fallback_date,
        outlet=page.site or host_of(page_url), url=page_url, author=page.author or None,
        source_id=source_id, source_path=name, source_format=fmt, lang=page.lang or None,
        extra=extra)


def read_html(source: Source, raw: bytes) -> Iterator[Document | Problem]:
    yield page_document(raw, name=source.name)
