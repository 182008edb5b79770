"""Plain text and Markdown: one article per file.

The title is the first line of the cleaned body when it reads like a headline (Markdown: the
first ``#`` heading); YAML front matter, when present, supplies title, date, author, outlet and
URL.  A short dateline near the top ("Monday, January 7, 2019") dates an undated file.
"""
from __future__ import annotations

import re
from pathlib import PurePath
from typing import Iterator, Optional

from ..records import Document
from .clean import clean_text, looks_like_headline
from .dates import normalize_date
from .encoding import BinaryInput, decode
from .source import Problem, Source, problem

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n(?:---|\.\.\.)\s*(?:\n|\Z)", re.S)
_FM_LINE = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)|\[([^\]]+)\]\[[^\]]*\]")
_MD_REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s+\S+.*$")
_MD_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1|(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")
_MD_CODE = re.compile(r"`([^`]*)`")
_MD_QUOTE = re.compile(r"^\s{0,3}>\s?")
_MD_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")

MARKDOWN_EXTENSIONS = {".md", ".markdown", ".mdown", ".mkd"}


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    meta: dict[str, str] = {}
    for line in match.group(1).splitlines():
        m = _FM_LINE.match(line)
        if m:
            meta[m.group(1).lower()] = m.group(2).strip().strip("\"'")
    return meta, text[match.end():]


def is_markdown(name: str, text: str) -> bool:
    if PurePath(name.removesuffix(".gz")).suffix.lower() in MARKDOWN_EXTENSIONS:
        return True
    lines = text[:5000].splitlines()
    return sum(bool(_MD_HEADING.match(l)) for l in lines) >= 1 and sum(
        bool(_MD_LINK.search(l) or _MD_EMPHASIS.search(l)) for l in lines) >= 1


def markdown_to_text(text: str) -> tuple[str, Optional[str]]:
    """Markdown markup removed, paragraphs kept; returns ``(text, first heading)``."""
    out: list[str] = []
    first_heading: Optional[str] = None
    in_code = False
    for line in text.splitlines():
        if line.strip().startswith(("```", "~~~")):
            in_code = not in_code
            continue
        if in_code or _MD_REF_DEF.match(line) or _MD_SETEXT.match(line):
            continue
        heading = _MD_HEADING.match(line)
        if heading:
            line = heading.group(1)
        line = _MD_QUOTE.sub("", line)
        line = _MD_IMAGE.sub("", line)
        line = _MD_LINK.sub(lambda m: m.group(1) or m.group(2), line)
        line = _MD_EMPHASIS.sub(lambda m: m.group(2) or m.group(3), line)
        line = _MD_CODE.sub(r"\1", line)
        if heading and first_heading is None and line.strip():
            first_heading = line.strip()
        out.append(line)
    return "\n".join(out), first_heading


_DATELIKE = re.compile(
    r"\b(\d{4}-\d{2}-\d{2}|(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}"
    r"|\d{1,2}\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*)\b.*\b\d{4}\b|"
    r"^\d{4}-\d{2}-\d{2}", re.I)


def _dateline(lines: list[str]) -> Optional[str]:
    for line in lines[:4]:
        if 2 <= len(line.split()) <= 8 and _DATELIKE.search(line):
            date = normalize_date(line.strip(" .,-\u2013\u2014"))
            if date:
                return date
    return None


def read_text(source: Source, raw: bytes) -> Iterator[Document | Problem]:
    try:
        text, encoding = decode(raw)
    except BinaryInput as exc:
        yield problem(source.name, str(exc))
        return
    meta, body = _front_matter(text.replace("\r\n", "\n"))
    title = meta.get("title") or None
    if is_markdown(source.name, body):
        body, heading = markdown_to_text(body)
        first = next((l.strip() for l in body.split("\n") if l.strip()), "")
        if heading and first == heading:
            # A Markdown heading opening the file is its title, however short.
            title = title or heading
            body = body.split(heading, 1)[1]
    cleaned = clean_text(body, title=title)
    lines = cleaned.split("\n")
    if title is None and lines and looks_like_headline(lines[0]):
        # A plain first line is the title only when it reads like a headline.
        title = lines[0].strip()
        cleaned = "\n".join(lines[1:]).strip()
    if not cleaned.strip() and not title:
        yield problem(source.name, "no text (empty after removing boilerplate)", kind="skipped")
        return
    date = normalize_date(meta.get("date") or meta.get("published")) or _dateline(
        [l for l in cleaned.split("\n") if l.strip()])
    extra = {k: v for k, v in meta.items()
             if k not in {"title", "date", "published", "author", "outlet", "url", "lang"}}
    if encoding not in ("utf-8", "ascii"):
        extra["encoding"] = encoding
    yield Document(
        text=cleaned or (title or ""), title=title, date=date, outlet=meta.get("outlet"),
        url=meta.get("url"), author=meta.get("author"), source_path=source.name,
        source_format="text", lang=meta.get("lang"), extra=extra)
