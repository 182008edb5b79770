"""Which reader a file needs, judged from its first bytes (many feed files have no extension,
and a ``.xml`` may be a feed or a web page); the extension only breaks ties."""
from __future__ import annotations

import json
import re

from .encoding import bom_encoding, looks_binary

# Known binary formats, so the rejection line can say what the file is.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "ZIP archive (or an Office document)"),
    (b"\x89PNG", "PNG image"),
    (b"GIF8", "GIF image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"BZh", "bzip2 archive"),
    (b"\xfd7zXZ\x00", "xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"(\xb5/\xfd", "zstd archive"),
    (b"SQLite format 3\x00", "SQLite database"),
    (b"\x7fELF", "executable"),
    (b"\xd0\xcf\x11\xe0", "legacy Office document"),
    (b"PAR1", "Parquet file"),
    (b"{\\rtf", "RTF document"),
)

_SKIP_PROLOG = re.compile(
    r"^(?:\s+|<\?.*?\?>|<!--.*?-->|<!\[CDATA\[.*?\]\]>)*", re.S)
_FIRST_TAG = re.compile(r"<\s*(!doctype\s+html|[A-Za-z][\w.:-]*)", re.I)
# JSON proper, not Markdown that happens to open with "[link](...)".
_JSON_START = re.compile(r'^(\{\s*("|\})|\[\s*[\[{"\]0-9tfn-])')
_FEED_ROOTS = {"rss", "feed", "rdf:rdf", "rdf", "channel", "rss:rss", "atom:feed"}
_HTML_ROOTS = {"html", "head", "body", "meta", "div", "p", "article", "title", "link", "script",
               "section", "main", "header", "table", "span", "h1", "h2", "!doctype html", "style"}

HTML_EXTENSIONS = {".html", ".htm", ".xhtml", ".shtml", ".php", ".asp", ".aspx"}
FEED_EXTENSIONS = {".rss", ".atom", ".rdf", ".xml", ".feed"}


class Unsupported(ValueError):
    """The file is readable but not a format detente ingests."""


def _head_text(head: bytes) -> str:
    enc = bom_encoding(head) or "utf-8"
    if enc == "utf-8-sig":
        enc = "utf-8"
    return head.decode(enc, errors="replace").lstrip("\ufeff")


def _json_kind(text: str) -> str:
    """jsonl | jsonfeed | json, from the first line or, failing that, the whole head."""
    first = text.split("\n", 1)[0].strip()
    try:
        obj = json.loads(first)
    except ValueError:
        obj = None
    if isinstance(obj, dict):
        return "jsonfeed" if "jsonfeed.org" in str(obj.get("version", "")) else "jsonl"
    # Pretty-printed or multi-line JSON: a JSON Feed announces itself near the top.
    if re.search(r'"version"\s*:\s*"https?://jsonfeed\.org/', text[:4096]):
        return "jsonfeed"
    return "json"


def sniff(head: bytes, name: str = "") -> str:
    """Format of a (decompressed) file from its first bytes: ``warc``, ``arc``, ``jsonl``,
    ``json``, ``jsonfeed``, ``feed``, ``html`` or ``text``.  Raises :class:`Unsupported`."""
    lower_name = name.lower()
    for suffix in (".gz", ".gzip"):
        if lower_name.endswith(suffix):
            lower_name = lower_name[: -len(suffix)]
    ext = "." + lower_name.rsplit(".", 1)[-1] if "." in lower_name.rsplit("/", 1)[-1] else ""
    stripped = head.lstrip()
    if not stripped:
        raise Unsupported("empty file")
    if stripped.startswith(b"WARC/"):
        return "warc"
    if stripped.startswith(b"filedesc://"):
        return "arc"
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise Unsupported(f"binary file ({what}), not a text, HTML, feed, JSON or WARC file")
    if head.startswith(b"\x1f\x8b"):
        raise Unsupported("gzip inside gzip: decompress the outer layer first")
    if looks_binary(head):
        raise Unsupported("binary file (not text, HTML, a feed, JSON Lines or WARC)")
    text = _head_text(head)
    body = text.lstrip()
    if not body:
        raise Unsupported("empty file (only whitespace)")
    if _JSON_START.match(body):
        return _json_kind(body)
    if body[0] == "<":
        rest = _SKIP_PROLOG.sub("", body, count=1)
        match = _FIRST_TAG.match(rest)
        root = match.group(1).lower() if match else ""
        if root in _FEED_ROOTS or root.startswith(("rss:", "atom:")):
            return "feed"
        if root in _HTML_ROOTS or root.startswith("!doctype html"):
            return "html"
        low = body[:20000].lower()
        if ext in HTML_EXTENSIONS or "<html" in low or "<body" in low:
            return "html"
        if ext in FEED_EXTENSIONS or re.search(r"<(rss|feed|rdf:rdf|channel|item|entry)\b", low):
            return "feed"
        # Markup we cannot place: treat as a page and let extraction decide.
        return "html"
    return "text"
