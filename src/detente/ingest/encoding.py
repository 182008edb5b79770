"""Bytes -> text: honour a declared encoding when the bytes agree with it, otherwise detect.

News files arrive from everywhere: an RSS feed in windows-1251 that says so, the same feed with
its declaration stripped, a page whose ``<meta charset>`` lies.  The rule is the browser's:
a byte-order mark wins, then a declaration that actually decodes the bytes, then UTF-8 if the
bytes are valid UTF-8, then charset-normalizer's best guess.  When nothing decodes plausibly
the input is binary and is rejected with one line.
"""
from __future__ import annotations

import codecs
import re
from typing import Optional

import charset_normalizer

# Browsers treat these labels as windows-1252 (WHATWG Encoding Standard); pages that say
# latin-1 routinely contain curly quotes in 0x80-0x9f.
_WHATWG_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252",
                   "us-ascii": "cp1252", "ascii": "cp1252", "iso8859-1": "cp1252"}

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

_XML_DECL = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""", re.I)
_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_CONTENT_TYPE_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.I)

# Control characters that never occur in text (TAB, LF, FF, CR and ESC excepted).
_CONTROL = bytes(c for c in range(32) if c not in (9, 10, 12, 13, 27))


class BinaryInput(ValueError):
    """The bytes are not text in any encoding we can recognise."""


def normalize_encoding(label: str | None) -> str | None:
    """A Python codec name for an encoding label, or None if Python does not know it."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _WHATWG_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def bom_encoding(raw: bytes) -> str | None:
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return name
    return None


def declared_xml_encoding(raw: bytes) -> str | None:
    match = _XML_DECL.search(raw[:1024])
    return normalize_encoding(match.group(1).decode("ascii")) if match else None


def declared_html_encoding(raw: bytes) -> str | None:
    match = _META_CHARSET.search(raw[:8192])
    return normalize_encoding(match.group(1).decode("ascii", "replace")) if match else None


def charset_from_content_type(value: str | None) -> str | None:
    match = _CONTENT_TYPE_CHARSET.search(value or "")
    return normalize_encoding(match.group(1)) if match else None


def looks_binary(raw: bytes) -> bool:
    """NUL bytes or many control characters in the first 8 KB mean not text (UTF-16/32 with a
    BOM excepted; those legitimately contain NULs)."""
    head = raw[:8192]
    if not head or bom_encoding(head) in ("utf-16", "utf-32"):
        return False
    if b"\x00" in head:
        return True
    controls = sum(head.count(bytes([c])) for c in _CONTROL)
    return controls > max(4, len(head) // 100)


def decodes_as(raw: bytes, encoding: str) -> bool:
    try:
        raw.decode(encoding)
        return True
    except (UnicodeDecodeError, LookupError):
        return False


def _mostly_utf8(raw: bytes) -> bool:
    """At most one undecodable sequence per 10 KB (and never more than a handful in small
    inputs): a legacy-encoded text fails UTF-8 on nearly every non-ASCII byte."""
    bad = raw.decode("utf-8", "replace").count("\ufffd") - raw.count(b"\xef\xbf\xbd")
    return bad <= max(3, len(raw) // 10_000)


def detect_encoding(raw: bytes, declared: Optional[str] = None) -> str:
    """The encoding to decode ``raw`` with.  Raises :class:`BinaryInput` when none fits."""
    bom = bom_encoding(raw)
    if bom:
        return bom
    if looks_binary(raw):
        raise BinaryInput("binary data (not text in any known encoding)")
    declared = normalize_encoding(declared)
    if declared and decodes_as(raw, declared):
        return declared
    # A UTF-8 page with a few broken bytes (a truncated character) is still UTF-8, as browsers
    # read it; a detector guesses a legacy code page for it and garbles every other character.
    if declared == "utf-8" and _mostly_utf8(raw):
        return declared
    if decodes_as(raw, "utf-8"):
        return "utf-8"
    # charset-normalizer samples the input, so large files cost no more than small ones.
    best = charset_normalizer.from_bytes(raw).best()
    if best is None:
        raise BinaryInput("binary data (not text in any known encoding)")
    return best.encoding


def decode(raw: bytes, declared: Optional[str] = None) -> tuple[str, str]:
    """``(text, encoding)``.  Raises :class:`BinaryInput`."""
    encoding = detect_encoding(raw, declared)
    text = raw.decode(encoding, errors="replace")
    return text.lstrip("\ufeff"), encoding
