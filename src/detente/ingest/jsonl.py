"""JSON Lines corpora (one article object a line) and JSON arrays of article objects.

Fields ``id, title, date, outlet, url, text`` map onto the Document; common alternative names
(``body``, ``content``, ``headline``, ``published``, ``source``, ``link``, ``authors`` ...) are
accepted so exports from other tools load without a conversion step; every other field is kept
in ``Document.extra``.  A bad line is one problem naming ``file:line`` and the rest still loads.
"""
from __future__ import annotations

import json
from typing import Any, Iterable, Iterator, Optional

from ..io import json_object
from ..records import Document
from .clean import clean_text
from .dates import normalize_date
from .encoding import BinaryInput, detect_encoding
from .markup import html_to_text, looks_like_html
from .source import GZIP_ERRORS, Problem, Source, gzip_error, problem

# Field name -> accepted names, in order of preference.
FIELDS: dict[str, tuple[str, ...]] = {
    "text": ("text", "body", "content", "maintext", "article", "full_text", "content_text"),
    "title": ("title", "headline"),
    "date": ("date", "published", "date_publish", "published_at", "pubdate", "publish_date",
             "datetime", "timestamp"),
    "outlet": ("outlet", "source", "publisher", "source_name", "site", "site_name", "domain"),
    "url": ("url", "link", "target_uri"),
    "author": ("author", "authors", "byline"),
    "id": ("id", "uuid", "guid", "doc_id"),
    "lang": ("lang", "language"),
}
# Individual bad lines reported per file before the rest are summed up in one line.
MAX_LINE_PROBLEMS = 10


def _pick(obj: dict[str, Any], names: Iterable[str]) -> tuple[Optional[str], Any]:
    for name in names:
        value = obj.get(name)
        if value not in (None, "", [], {}):
            return name, value
    return None, None


def _as_text(value: Any) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, dict):  # {"name": "Reuters", "id": "reuters"}
        inner = value.get("name") or value.get("title") or value.get("value")
        return inner if isinstance(inner, str) else None
    if isinstance(value, (list, tuple)):
        parts = [_as_text(v) for v in value]
        return ", ".join(p for p in parts if p) or None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def record_to_document(obj: dict[str, Any], where: str, source_path: str,
                       fmt: str = "jsonl") -> Document | Problem:
    """One JSON object to a Document, or a problem naming ``where`` (``file:line``)."""
    used: set[str] = set()
    values: dict[str, Any] = {}
    for field, names in FIELDS.items():
        name, value = _pick(obj, names)
        if name:
            used.add(name)
            values[field] = value
    text = _as_text(values.get("text"))
    title = _as_text(values.get("title"))
    if not text or not text.strip():
        if "text" in values:
            return problem(where, "the text field is not a string")
        return problem(where, "no text field (expected one of: "
                       + ", ".join(FIELDS["text"][:4]) + ")")
    if looks_like_html(text):
        text = html_to_text(text)
    title = " ".join(title.split()) if title else None
    body = clean_text(text, title=title)
    if not body:
        return problem(where, "no text left after removing boilerplate", kind="skipped")
    raw_date = values.get("date")
    date = normalize_date(raw_date)
    extra = {k: v for k, v in obj.items() if k not in used}
    if raw_date is not None and date is None:
        extra["date_unparsed"] = raw_date
    source_id = _as_text(values.get("id"))
    return Document(
        text=body, title=title, date=date, outlet=_as_text(values.get("outlet")),
        url=_as_text(values.get("url")), author=_as_text(values.get("author")),
        source_id=source_id, source_path=source_path, source_format=fmt,
        lang=_as_text(values.get("lang")), extra=extra)


def line_to_document(raw_line: bytes, encoding: str, where: str,
                     source_path: str) -> Document | Problem:
    """One JSON Lines line to a Document, or a problem naming ``where`` (``file:line``)."""
    try:
        obj = json_object(raw_line.decode(encoding, errors="replace"))
    except ValueError as exc:
        return problem(where, str(exc))
    return record_to_document(obj, where, source_path)


class _LineProblems:
    """Reports the first bad lines of a file one by one, then sums up the rest."""

    def __init__(self, name: str):
        self.name = name
        self.n = 0
        self.hidden = 0

    def add(self, p: Problem) -> Optional[Problem]:
        self.n += 1
        if self.n <= MAX_LINE_PROBLEMS:
            return p
        self.hidden += 1
        return None

    def summary(self) -> Optional[Problem]:
        if self.hidden:
            return problem(self.name, f"{self.hidden} more bad lines not listed", count=self.hidden)
        return None


def read_jsonl(source: Source) -> Iterator[Document | Problem]:
    head = source.head()
    encoding = "utf-8"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is not an encoding problem.
        if exc.start < len(head) - 4:
            try:
                encoding = detect_encoding(head)
            except BinaryInput as bexc:
                yield problem(source.name, str(bexc))
                return
    bad = _LineProblems(source.name)
    lineno = 0
    try:
        with source.stream() as fh:
            for lineno, raw_line in enumerate(fh, 1):
                if not raw_line.strip():
                    continue
                item = line_to_document(raw_line, encoding, f"{source.name}:{lineno}",
                                        source.name)
                if isinstance(item, Problem):
                    if item.kind == "failed":
                        item = bad.add(item)
                    if item:
                        yield item
                    continue
                yield item
    except GZIP_ERRORS as exc:
        yield problem(source.name, f"{gzip_error(exc)}; the {lineno} lines before it were read")
    summary = bad.summary()
    if summary:
        yield summary


def read_json(source: Source, raw: bytes) -> Iterator[Document | Problem]:
    """A JSON array of article objects (or one article object)."""
    try:
        encoding = detect_encoding(raw)
        data = json.loads(raw.decode(encoding))
    except BinaryInput as exc:
        yield problem(source.name, str(exc))
        return
    except ValueError as exc:
        yield problem(source.name, f"invalid JSON ({getattr(exc, 'msg', exc)}, line "
                                   f"{getattr(exc, 'lineno', '?')})")
        return
    if isinstance(data, dict):
        # {"articles": [...]} / {"items": [...]} exports, else a single article.
        for key in ("articles", "items", "documents", "data", "results"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
        else:
            data = [data]
    if not isinstance(data, list):
        yield problem(source.name, f"JSON {type(data).__name__} is not an article list")
        return
    docs: list[Document] = []
    problems: list[Problem] = []
    for i, obj in enumerate(data):
        where = f"{source.name}:[{i}]"
        if not isinstance(obj, dict):
            problems.append(problem(where, f"not a JSON object (a {type(obj).__name__})"))
            continue
        item = record_to_document(obj, where, source.name, fmt="json")
        (problems if isinstance(item, Problem) else docs).append(item)
    if not docs and problems:
        # Not an article collection at all (a config, an index): one line, not one per entry.
        yield problem(source.name, f"JSON with {len(data)} entries but no articles "
                                   f"(first problem: {problems[0].reason})")
        return
    yield from docs
    yield from problems[:MAX_LINE_PROBLEMS]
    if len(problems) > MAX_LINE_PROBLEMS:
        rest = len(problems) - MAX_LINE_PROBLEMS
        yield problem(source.name, f"{rest} more bad entries not listed", count=rest)
