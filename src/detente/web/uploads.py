"""POST /api/ingest bodies -> Documents, read by the ingest stage's own readers.

JSON bodies (one document, a list, or ``{"documents": [...]}``) are checked field by field so
an error names the document and field; HTML pages go through the HTML extractor; feeds (RSS,
Atom, RDF, JSON Feed), JSON Lines and plain text through the same reader `detente ingest`
uses for files.  Nothing here touches the filesystem: the body is read from memory.
"""
from __future__ import annotations

import io
import json
from typing import Any, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..records import Document, IngestProblem
from .errors import ApiError, bad, validation_message

MAX_DOCUMENTS = 500
MAX_TEXT_CHARS = 1_000_000
SOURCE_NAME = "POST /api/ingest"

JSON_TYPES = ("application/json",)
HTML_TYPES = ("text/html", "application/xhtml+xml")
READER_TYPES = {  # content type -> a file name the format sniffer may use as a hint
    "application/rss+xml": "upload.rss", "application/atom+xml": "upload.atom",
    "application/rdf+xml": "upload.rdf", "application/xml": "upload.xml", "text/xml": "upload.xml",
    "application/feed+json": "upload.json", "application/x-ndjson": "upload.jsonl",
    "application/jsonl": "upload.jsonl", "application/jsonlines": "upload.jsonl",
    "text/plain": "upload.txt", "text/markdown": "upload.md",
}


class IngestDocument(BaseModel):
    """One article.  Other fields are kept with the article (``extra``), as `detente ingest`
    keeps the extra fields of JSON Lines records."""

    model_config = ConfigDict(extra="allow")

    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS, description="article body (plain text or HTML)")
    title: Optional[str] = Field(None, max_length=2000)
    date: Optional[str] = Field(None, max_length=100, description="publication date, ISO 8601 or free form")
    outlet: Optional[str] = Field(None, max_length=500)
    url: Optional[str] = Field(None, max_length=2000)
    author: Optional[str] = Field(None, max_length=1000)
    id: Optional[str] = Field(None, max_length=500, description="the document's own id")
    lang: Optional[str] = Field(None, max_length=20)


class IngestBatch(BaseModel):
    documents: list[IngestDocument] = Field(min_length=1, max_length=MAX_DOCUMENTS)


def media_type(content_type: Optional[str]) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def read_body(raw: bytes, content_type: Optional[str], url: Optional[str] = None
              ) -> list[Union[Document, IngestProblem]]:
    """Documents (and reader problems) from one request body.  Raises :class:`ApiError` for a
    body that cannot be read at all."""
    if not raw.strip():
        raise bad("body", "empty: send one or more documents", status=400)
    kind = media_type(content_type)
    if kind in JSON_TYPES or kind.endswith("+json") and kind != "application/feed+json":
        return _json_documents(raw)
    if kind in HTML_TYPES:
        return [_html_document(raw, content_type, url)]
    if kind in READER_TYPES:
        return _read_with_sniffer(raw, READER_TYPES[kind])
    raise ApiError(415, f"content-type: {kind or 'none'!r} is not accepted; send application/json "
                        "documents, a text/html page, a feed (application/rss+xml, "
                        "application/atom+xml, application/feed+json), application/x-ndjson "
                        "or text/plain", "content-type")


def _json_documents(raw: bytes) -> list[Union[Document, IngestProblem]]:
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise bad("body", "not UTF-8 encoded JSON", status=400) from None
    except json.JSONDecodeError as exc:
        raise bad("body", f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})",
                  status=400) from None
    if isinstance(data, dict) and "documents" in data:
        payload, prefix = data, ""
    elif isinstance(data, list):
        payload, prefix = {"documents": data}, ""
    elif isinstance(data, dict):
        payload, prefix = {"documents": [data]}, "single"
    else:
        raise bad("body", f"expected a document object, a list of them or {{\"documents\": [...]}}, "
                          f"got a JSON {type(data).__name__}")
    try:
        batch = IngestBatch.model_validate(payload)
    except ValidationError as exc:
        message, field = validation_message(exc.errors())
        if prefix == "single":  # one object sent: name its fields without "documents[0]."
            message = message.replace("documents[0].", "").replace("documents[0]", "document")
            field = (field or "").replace("documents[0].", "") or None
        raise ApiError(422, message, field) from None
    from ..ingest.dates import normalize_date
    from ..ingest.jsonl import record_to_document

    out: list[Union[Document, IngestProblem]] = []
    for i, doc in enumerate(batch.documents):
        where = "document" if prefix == "single" else f"documents[{i}]"
        if doc.date and normalize_date(doc.date) is None:
            raise bad(f"{where}.date" if prefix != "single" else "date",
                      f"{doc.date[:60]!r} is not a date (use ISO 8601, e.g. 2024-06-19)")
        record = doc.model_dump(exclude_none=True)
        out.append(record_to_document(record, where=where, source_path=SOURCE_NAME, fmt="json"))
    if not any(isinstance(item, Document) for item in out):
        # Nothing storable at all (e.g. text that is only boilerplate): say why, store nothing.
        first = next(item for item in out if isinstance(item, IngestProblem))
        raise ApiError(422, f"{first.path}: {first.reason}",
                       "text" if prefix == "single" else f"{first.path}.text")
    return out


def _html_document(raw: bytes, content_type: Optional[str], url: Optional[str]) -> Document:
    from ..ingest.htmlpage import page_document

    item = page_document(raw, name=SOURCE_NAME, url=url, content_type=content_type)
    if isinstance(item, IngestProblem):
        raise bad("body", item.reason)
    return item


def _read_with_sniffer(raw: bytes, name: str) -> list[Union[Document, IngestProblem]]:
    from ..ingest.inputs import read_source
    from ..ingest.source import Source

    source = Source(name=name, opener=lambda: io.BytesIO(raw), size=len(raw))
    items = list(read_source(source))
    for item in items:
        if isinstance(item, Document):
            item.source_path = SOURCE_NAME
    if not any(isinstance(i, Document) for i in items):
        reasons = "; ".join(i.reason for i in items if isinstance(i, IngestProblem)) or "no documents"
        raise bad("body", reasons)
    if sum(isinstance(i, Document) for i in items) > MAX_DOCUMENTS:
        raise bad("body", f"more than {MAX_DOCUMENTS} documents in one request; split it")
    return items


def report_body(report: Any) -> dict[str, Any]:
    """The JSON answer to an ingest: the ids in input order and what happened to each kind."""
    return {
        "ids": list(report.article_ids),
        "ingested": report.ingested, "near_duplicate": report.near_duplicate,
        "duplicate": report.duplicate, "skipped": report.skipped, "failed": report.failed,
        "coded": report.coded, "events": report.events,
        "problems": [str(p) for p in report.problems],
        "seconds": round(report.seconds, 3),
    }
