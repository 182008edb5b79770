"""WARC and ARC web archives (via warcio).

HTTP responses (and ``resource`` records) with an HTML payload become articles through the
page extractor: URL from ``WARC-Target-URI``, date from the page or else ``WARC-Date``.  Every
other record (requests, metadata, revisits, images, redirects, pages without article text) is
skipped and counted, and reported in one line per file.  A truncated file or a whole-file-gzip
WARC keeps the records read before the break and adds one problem line saying what broke.
"""
from __future__ import annotations

import contextlib
import io
import logging
import re
from collections import Counter
from typing import Iterator, Optional

from ..records import Document
from .dates import normalize_date
from .htmlpage import page_document
from .source import GZIP_ERRORS, Problem, Source, problem

# warcio logs a warning for every malformed target URI it repairs; the record is still usable.
logging.getLogger("warcio").setLevel(logging.ERROR)

_HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml+html")
_HTML_SNIFF = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b", re.I | re.S)
_INC_RECORD = re.compile(r"Record not followed by newline.*?Offset:\s*(\d+)", re.S)


def _is_html(content_type: Optional[str], payload: bytes) -> bool:
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype:
        return ctype in _HTML_TYPES
    return bool(_HTML_SNIFF.match(payload[:2048]))


def _target_uri(record) -> Optional[str]:
    uri = record.rec_headers.get_header("WARC-Target-URI")
    if not uri:
        return None
    uri = uri.strip().strip("<>").strip()
    return uri or None


def read_archive(source: Source, fmt: str) -> Iterator[Document | Problem]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    skipped: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    n_records = 0
    break_reason: Optional[str] = None
    # warcio prints its warnings (Content-Length mismatches) straight to stderr; capture them
    # and turn them into one problem line instead.
    warnings = io.StringIO()
    with source.raw() as fh:
        iterator = iter(ArchiveIterator(fh, arc2warc=True))
        while True:
            try:
                with contextlib.redirect_stderr(warnings):
                    record = next(iterator)
                    n_records += 1
                    item = _record_item(record, source.name, fmt, n_records)
                    # Drain the record so that a short (truncated) one is noticed here.
                    while record.raw_stream.read(1 << 16):
                        pass
                    truncated = getattr(record.raw_stream, "limit", 0) > 0
            except StopIteration:
                break
            except ArchiveLoadFailed as exc:
                message = " ".join(str(exc).split())
                if "non-chunked gzip" in message:
                    break_reason = ("whole-file gzip WARC (records must be gzipped one by one; "
                                    "fix with `warcio recompress IN OUT`)")
                else:
                    break_reason = f"not a readable {fmt.upper()} record: {message[:200]}"
                break
            except GZIP_ERRORS as exc:
                break_reason = f"truncated or corrupt gzip ({type(exc).__name__}: {exc})"
                break
            except (ValueError, IndexError, KeyError, OSError) as exc:
                break_reason = f"unreadable record ({type(exc).__name__}: {exc})"
                break
            if truncated:
                # The payload is cut short: its text would be a fragment, so it is not kept.
                break_reason = f"truncated: record {n_records} ends before its declared length"
                break
            if isinstance(item, Document):
                yield item
            elif isinstance(item, Problem):
                failed[item.reason] += 1
            else:
                skipped[item] += 1
    if skipped:
        total = sum(skipped.values())
        detail = ", ".join(f"{n} {why}" for why, n in skipped.most_common())
        yield problem(source.name, f"{total} of {n_records} records skipped ({detail})",
                      kind="skipped", count=total)
    for reason, n in failed.items():
        yield problem(source.name, f"{n} records failed: {reason}", count=n)
    if break_reason:
        before = n_records - 1 if break_reason.startswith("truncated: record") else n_records
        kept = f"; the {before} records before it were read" if before > 0 else ""
        yield problem(source.name, break_reason + kept)
    else:
        mismatches = _INC_RECORD.findall(warnings.getvalue())
        if mismatches:
            # A warning, not a failure: warcio resynchronised and the records were read.
            yield problem(source.name, f"{len(mismatches)} record(s) whose Content-Length does "
                                       f"not match the data (truncated or padded), first at byte "
                                       f"{mismatches[0]}; read anyway", kind="skipped", count=0)


def _record_item(record, name: str, fmt: str, index: int) -> Document | Problem | str:
    """The record's article, a failure, or the reason it is skipped (a short counting label)."""
    rec_type = record.rec_type
    if rec_type not in ("response", "resource"):
        return rec_type or "unknown"
    http = record.http_headers
    if rec_type == "response":
        if http is None:
            return "response without HTTP headers"
        status = http.get_statuscode() or ""
        if not status.startswith("2"):
            return f"HTTP {status[:1]}xx" if status else "no HTTP status"
        content_type = http.get_header("Content-Type")
    else:
        content_type = record.rec_headers.get_header("Content-Type")
    uri = _target_uri(record)
    if uri and uri.startswith(("dns:", "metadata:", "filedesc:")):
        return uri.split(":", 1)[0] + " record"
    payload = record.content_stream().read()
    if not payload.strip():
        return "empty payload"
    if not _is_html(content_type, payload):
        ctype = (content_type or "unknown type").split(";")[0].strip().lower()
        return f"non-HTML ({ctype})" if len(ctype) < 40 else "non-HTML"
    warc_date = normalize_date(record.rec_headers.get_header("WARC-Date"))
    record_id = record.rec_headers.get_header("WARC-Record-ID")
    item = page_document(payload, name=f"{name}#{index}", url=uri, content_type=content_type,
                         fallback_date=warc_date, source_id=record_id, fmt=fmt)
    if isinstance(item, Problem):
        return item if item.kind == "failed" else "without article text"
    item.source_path = name
    return item
