"""A web page to its article: main text (paragraphs, one per line) and metadata.

trafilatura does the heavy lifting (parsing, main-block detection, metadata).  Four general
steps on top of it make the text cleaner than trafilatura's default output, measured by
``bench/extraction.py`` on the Scrapinghub article benchmark and on trafilatura's own evaluation
set (docs/benchmarks.md, section "HTML extraction"):

1. Two candidates, one choice.  trafilatura's precision mode prunes more page furniture
   (teasers, newsletter boxes, related-link lists) than its balanced mode, but now and then it
   prunes part of the article too.  When the precise text keeps at least half of what the
   balanced one found, the difference was furniture and the precise text wins; when it lost
   more than half, the pruning hit the article itself and the balanced text is kept.
2. Continuations.  Some pages split one article over several blocks (repeated "chunk"
   containers between advertisements, or a paragraph left outside a block that malformed
   markup closed early); those paragraphs are added back by Readability's sibling rule.
3. The headline is metadata, not body: a leading line that repeats the page title (or the
   title minus its " | Site" part) is dropped, so the body starts with the first paragraph.
4. Short lines that *are* page furniture in any of the main news languages ("Read more: ...",
   "Sign up for our newsletter", "(c) 2019 ...", "12 comments", separator rules) are dropped.
   Only short lines are judged, so a paragraph that mentions a newsletter stays.

A page whose text has no real paragraph left (a finished sentence, or a long run of words) has
no article: :func:`extract_html` returns None.  No rule names a site; every threshold is
stated with its reason.
"""
from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass
from datetime import date as _date
from typing import Any, Optional
from urllib.parse import urlsplit

from lxml.html import HtmlElement
from rapidfuzz import fuzz

from .encoding import BinaryInput, declared_html_encoding, decode

LOG = logging.getLogger(__name__)
# trafilatura warns ("discarding data: None") on every page without article text; in a batch
# of thousands that is noise on stderr.  A NullHandler silences the last-resort printout only:
# an application that configures logging still receives the records.
logging.getLogger("trafilatura").addHandler(logging.NullHandler())
logging.getLogger("htmldate").addHandler(logging.NullHandler())

# trafilatura's own ceiling (settings.cfg MAX_FILE_SIZE); larger inputs are not web pages.
MAX_BYTES = 20_000_000
# Step 1: the precise candidate must keep this share of the balanced candidate's words.
MIN_PRECISE_SHARE = 0.5
# Step 3: how many leading lines may be a repeated headline (a kicker can precede it) and how
# similar (rapidfuzz ratio, 0-100) a line must be to the title to count as a repeat of it.
HEADLINE_LINES = 2
HEADLINE_SIMILARITY = 85
# Step 4: furniture is judged only on lines up to this many words (and characters, for
# scripts written without spaces).
CLUTTER_MAX_WORDS = 20
CLUTTER_MAX_CHARS = 160
RIGHTS_MAX_WORDS = 40


@dataclass(frozen=True)
class ExtractedPage:
    """The article on a web page.  ``text`` holds one paragraph per line; ``date`` is ISO 8601
    (``YYYY-MM-DD``); ``url`` is the page's own canonical URL when it declares one, else the
    URL it was fetched from; ``lang`` is the declared primary language subtag (``en``)."""

    text: str
    title: Optional[str] = None
    date: Optional[str] = None
    author: Optional[str] = None
    site: Optional[str] = None
    url: Optional[str] = None
    lang: Optional[str] = None
    description: Optional[str] = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def extract_html(raw: bytes | str, url: str | None = None,
                 encoding: str | None = None) -> ExtractedPage | None:
    """The article text and metadata of one HTML page, or None when the page holds no article
    text (empty, binary, a bare navigation page).  Never raises: malformed markup is parsed
    leniently, and anything trafilatura chokes on counts as "no article".

    ``encoding`` is the charset the transport declared (HTTP ``Content-Type``); without it the
    page's ``<meta charset>`` is honoured when the bytes agree, else the encoding is detected.
    """
    try:
        html = decode_html(raw, encoding)
    except (BinaryInput, TypeError, ValueError) as exc:
        LOG.debug("not an HTML page (%s): %s", exc, url)
        return None
    if not html.strip():
        return None
    try:
        return _extract(html, url)
    except Exception as exc:  # a bug in a parser must not stop a batch of thousands of pages
        LOG.warning("HTML extraction failed (%s: %s): %s", type(exc).__name__, exc, url)
        return None


def decode_html(raw: bytes | bytearray | memoryview | str, encoding: str | None = None) -> str:
    """Page bytes to text: a BOM, else the transport's charset, else ``<meta charset>``, each
    only when the bytes decode with it; else UTF-8 when valid; else charset-normalizer's guess.
    Raises BinaryInput (a ValueError) for bytes that are not text, TypeError for other types."""
    if isinstance(raw, str):
        return raw
    if isinstance(raw, (bytearray, memoryview)):
        raw = bytes(raw)
    if not isinstance(raw, bytes):
        raise TypeError(f"expected bytes or str, got {type(raw).__name__}")
    if len(raw) > MAX_BYTES:
        raise ValueError(f"{len(raw)} bytes is larger than any web page ({MAX_BYTES})")
    text, _ = decode(raw, encoding or declared_html_encoding(raw))
    return text


# --------------------------------------------------------------------------------------------
# extraction


_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_PAGE_FRAME = re.compile(r"<(?:html|head|body)\b", re.I)


def _parse(html: str) -> HtmlElement | None:
    from trafilatura.utils import load_html

    # lxml refuses a str that still carries an XML encoding declaration; the text is decoded
    # already, so the declaration is stale anyway.
    html = _XML_DECLARATION.sub("", html, count=1)
    # A fragment (a feed item's body, a snippet) is not a page; trafilatura rejects those, so
    # give it the page frame it expects.
    if not _PAGE_FRAME.search(html):
        html = f"<html><body>{html}</body></html>"
    return load_html(html)


def _extract(html: str, url: str | None) -> ExtractedPage | None:
    from trafilatura import bare_extraction
    from trafilatura.metadata import extract_metadata

    tree = _parse(html)
    if tree is None:
        return None
    common = dict(url=url, include_comments=False, include_tables=True, with_metadata=False)
    # bare_extraction copies the tree it is given, so one parse serves both candidates.
    balanced = _text_of(bare_extraction(tree, **common))
    precise = _text_of(bare_extraction(tree, favor_precision=True, **common))
    text = choose_candidate(balanced, precise)
    if not text:
        return None
    text = rescue_continuations(tree, text)
    # Metadata last: the extractors above worked on copies, so nothing it does can affect them.
    meta = extract_metadata(tree, default_url=url)
    title = _clean_field(meta.title)
    text = clean_body(text, title)
    if not has_article_text(text):
        return None
    page_url = meta.url or url
    return ExtractedPage(
        text=text,
        title=title,
        date=_iso_date(meta.date),
        author=_clean_field(meta.author),
        site=_clean_field(meta.sitename) or _host(page_url),
        url=page_url,
        lang=declared_language(tree),
        description=_clean_field(meta.description),
    )


# "Article text" means at least one real paragraph: a finished sentence of a few words, or a
# long run of words (a lede cut off without its full stop).  A page that yields only menu
# labels ("Home", "World | Business | Sport") has none.
SENTENCE_MIN_WORDS = 4
PARAGRAPH_MIN_WORDS = 12
# Scripts written without spaces (Chinese, Japanese) count characters instead of words.
SENTENCE_MIN_CHARS = 15


def has_article_text(text: str) -> bool:
    for line in text.split("\n"):
        line = line.strip()
        n_words = _n_words(line)
        if n_words >= PARAGRAPH_MIN_WORDS:
            return True
        if _SENTENCE_END.search(line) and (n_words >= SENTENCE_MIN_WORDS
                                            or len(line) >= SENTENCE_MIN_CHARS):
            return True
    return False


def _text_of(document: Any) -> str:
    return (getattr(document, "text", None) or "").strip() if document is not None else ""


_WORD = re.compile(r"\w+")


def _n_words(text: str) -> int:
    return len(_WORD.findall(text))


def _distinct_words(text: str) -> int:
    """Words in the text's distinct lines: a candidate that found the article three times over
    (a page embedding hidden copies) has not found more article."""
    return sum(_n_words(line) for line in {_key(line) for line in text.split("\n")})


def choose_candidate(balanced: str, precise: str) -> str:
    """Step 1 of the module docstring: the precise text unless it lost most of the balanced one."""
    if precise and _distinct_words(precise) >= MIN_PRECISE_SHARE * _distinct_words(balanced):
        return precise
    return balanced or precise


# --------------------------------------------------------------------------------------------
# continuation paragraphs outside the chosen block

# Readability's sibling rule: a paragraph beside the article block belongs to the article when
# it is long and mostly not links, or short, link-free and a finished sentence.
SIBLING_MIN_CHARS = 80
SIBLING_MAX_LINK_DENSITY = 0.25
# How far up from the article block to look for a repeated wrapper (one "chunk" of an article
# split into several identical containers).
CHUNK_LEVELS = 3
# Paragraph anchors: only paragraphs this long are matched back to the page (short ones are
# ambiguous: "Advertisement" occurs many times).
ANCHOR_MIN_WORDS = 6

_SENTENCE_END = re.compile(r"[.!?\u2026\u3002\uff01\uff1f][\"'\u201d\u2019\u00bb)\]]*$")
_NOT_PROSE = ("aside", "figure", "figcaption", "nav", "footer", "header", "form", "blockquote",
              "script", "style", "noscript", "template", "button", "select", "table")


def _element_text(element: HtmlElement) -> str:
    return " ".join(" ".join(element.itertext()).split())


def _signature(element: HtmlElement) -> tuple[str, str] | None:
    classes = " ".join(sorted((element.get("class") or "").split()))
    return (element.tag, classes) if classes else None


def _is_prose_paragraph(p: HtmlElement, text: str) -> bool:
    if any(a.tag in _NOT_PROSE for a in p.iterancestors()):
        return False
    links = sum(len(_element_text(a)) for a in p.iter("a"))
    if len(text) >= SIBLING_MIN_CHARS:
        return links / len(text) < SIBLING_MAX_LINK_DENSITY
    return links == 0 and bool(_SENTENCE_END.search(text))


def rescue_continuations(tree: HtmlElement, text: str) -> str:
    """Add the article's paragraphs that sit outside the block trafilatura chose.

    Two page shapes split one article over several blocks: a paragraph left directly beside
    the article block (often by malformed markup closing the block early), and articles cut
    into repeated identical containers ("chunks" between advertisements).  The extracted
    paragraphs are matched back to the page to find the block; its sibling paragraphs that
    pass Readability's sibling rule, and the paragraphs of same-class sibling chunks, are
    inserted at their place in the page order.
    """
    lines = [line for line in text.split("\n") if line.strip()]
    keys = [_key(line) for line in lines]
    wanted = {k for k in keys if k.count(" ") + 1 >= ANCHOR_MIN_WORDS}
    if not wanted:
        return text
    order: dict[HtmlElement, int] = {}
    anchors: dict[str, HtmlElement] = {}
    for i, element in enumerate(tree.iter()):
        order[element] = i
        if element.tag == "p":
            key = _key(_element_text(element))
            if key in wanted and key not in anchors:
                anchors[key] = element
    if not anchors:
        return text
    block = _common_ancestor(list(anchors.values()))
    if block is None:
        return text

    found: list[HtmlElement] = []
    parent = block.getparent()
    if parent is not None:
        found += [s for s in parent if s is not block and s.tag == "p"]
    found += _chunk_paragraphs(block)

    known = " ".join(keys)
    additions: list[tuple[int, str]] = []
    for p in found:
        p_text = _element_text(p)
        p_key = _key(p_text)
        if (not p_key or p_key in known or is_furniture(p_text)
                or not _is_prose_paragraph(p, p_text)):
            continue
        additions.append((order[p], p_text))
        known += " " + p_key
    if not additions:
        return text
    # place each addition after the last extracted line that comes before it on the page
    positions = [order[anchors[k]] if k in anchors else None for k in keys]
    slots: dict[int, list[str]] = {}
    for where, p_text in sorted(additions):
        before = [i for i, pos in enumerate(positions) if pos is not None and pos < where]
        slots.setdefault(before[-1] if before else -1, []).append(p_text)
    merged = slots.get(-1, [])
    for i, line in enumerate(lines):
        merged.append(line)
        merged += slots.get(i, [])
    return "\n".join(merged)


def _common_ancestor(elements: list[HtmlElement]) -> HtmlElement | None:
    if len(elements) == 1:
        return elements[0].getparent()
    paths = [list(reversed([e, *e.iterancestors()])) for e in elements]
    common = None
    for level in zip(*paths):
        if all(node is level[0] for node in level):
            common = level[0]
        else:
            break
    return common


def _chunk_paragraphs(block: HtmlElement) -> list[HtmlElement]:
    """Paragraphs of the blocks repeating the article block's own container (same tag and
    class), found among the siblings of the block or of its first few ancestors."""
    target = _signature(block)
    if target is None:
        return []
    level = block
    for _ in range(CHUNK_LEVELS):
        parent = level.getparent()
        if parent is None:
            break
        level_sig = _signature(level)
        same = ([s for s in parent if s is not level and _signature(s) == level_sig]
                if level_sig else [])
        chunks = [c for s in same for c in ([s] if level is block else s.iter(block.tag))
                  if _signature(c) == target]
        if chunks:
            return [p for chunk in chunks for p in chunk.iter("p")]
        level = parent
    return []


# --------------------------------------------------------------------------------------------
# body cleaning

# "Title | Site", "Title - Site", "Site :: Title": the parts a <title> is usually built from.
_TITLE_PARTS = re.compile(r"\s+[|\-\u2013\u2014:\u00b7\u2022\u00bb/]+\s+")


def _key(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def is_headline(line: str, title: str | None) -> bool:
    """The line repeats the page title, or one of the parts the title is built from."""
    if not title:
        return False
    line_key = _key(line)
    if not line_key:
        return False
    parts = [title, *_TITLE_PARTS.split(title)]
    return any(fuzz.ratio(line_key, _key(p)) >= HEADLINE_SIMILARITY for p in parts if _key(p))


# Page furniture, judged on short lines only.  The cues are the generic phrases news sites use
# for teasers, prompts and footers, in the languages the benchmarks and our feeds carry; none
# is any one site's string.
_FURNITURE = re.compile(r"""^[\W_]*(?:
    # teaser and recommendation links
    (?:related|more)(?:\s+(?:articles?|stories|posts?|content|coverage|reading|news))?\s*[:|]
  | read\s+(?:more|also|next)\b | see\s+(?:also|more)\b | also\s+(?:read|see)\b | also\s*:
  | you\s+(?:may|might)\s+(?:also\s+)?(?:like|enjoy|be\s+interested) | recommended\s+for\s+you
  | most\s+(?:read|popular|viewed|shared)\b | don'?t\s+miss\b | popular\s+on\b
  | lesen\s+sie\s+(?:auch|mehr) | (?:das\s+)?(?:könnte|dürfte)\s+(?:dich|sie)\s+auch
  | auch\s+interessant | weitere\s+(?:themen|artikel|beiträge|nachrichten|meldungen)\b
  | mehr\s+zum\s+thema | zum\s+weiterlesen | auch\s+lesen | schon\s+gelesen
  | (?:à\s+)?lire\s+(?:aussi|également) | voir\s+aussi | sur\s+le\s+même\s+sujet
  | le\s+puede\s+interesar | te\s+puede\s+interesar | lea\s+también | leer\s+más | ver\s+también
  | leggi\s+anche | potrebbe\s+interessarti | leia\s+(?:também|mais) | veja\s+também
  | czytaj\s+(?:też|także|więcej) | читайте\s+также
    # newsletter, subscription, social prompts
  | sign\s+up\b | subscribe\b | get\s+(?:the|our)\b.{0,60}\b(?:newsletter|inbox|app)\b
  | .{0,60}\bnewsletters?\W*$
  | (?=.*\b(?:newsletters?|inbox)\b)(?=.*\b(?:sign\w*|subscri\w*|deliver\w*|receive|get)\b)
  | follow\s+(?:us\b|\S+(?:\s+\S+){0,6}\s+on\s+(?:twitter|facebook|instagram|linkedin|youtube|x)\b)
  | share\s+(?:this|on|via)\b | jetzt\s+(?:abonnieren|teilen) | teilen\s+mit
    # tags, comment counters and prompts
  | filed\s+under\s*: | tags?\s*(?::|$) | (?:schlagwörter|themen)\s*: | \d*\s*comments?\s*$
  | (?:no|keine|sin|aucun)\s+(?:comments|kommentare?|comentarios|commentaire)
  | leave\s+a\s+(?:comment|reply) | comments?\s*\(\d+\)
    # advertising markers and calls to action
  | advertisements?\s*$ | anzeige\b | sponsored\b | click\s+here\b
)""", re.I | re.X)
# Copyright and rights footers, anywhere in a line of up to RIGHTS_MAX_WORDS words.
_RIGHTS = re.compile(
    r"(?:^[\W_]*(?:copyright|\u00a9|\u24d2|\(c\))|all\s+rights\s+reserved"
    r"|alle\s+rechte\s+vorbehalten|tous\s+droits\s+réservés|todos\s+los\s+derechos\s+reservados"
    r"|무단\s*전재|無断転載)", re.I)


def is_furniture(line: str) -> bool:
    """A line that is page furniture wherever it stands (step 4 of the module docstring)."""
    s = line.strip()
    if not _WORD.search(s) or not s.strip("_-\u2013\u2014*\u2022\u00b7.|"):
        return True  # separators: "___", "* * *", "- ", "|"
    n_words = _n_words(s)
    if n_words <= RIGHTS_MAX_WORDS and _RIGHTS.search(s):
        return True
    return (n_words <= CLUTTER_MAX_WORDS and len(s) <= CLUTTER_MAX_CHARS
            and bool(_FURNITURE.match(s)))


_SPACES = re.compile(r"[^\S\n]+")


def clean_body(text: str, title: str | None = None) -> str:
    """Steps 3 and 4 of the module docstring: one paragraph per line, whitespace collapsed, the
    repeated headline and furniture lines dropped."""
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    start = 0
    while start < min(HEADLINE_LINES, len(lines)) and is_headline(lines[start], title):
        start += 1
    # A kicker ("Analysis", "Exclusive") may precede the headline: look one line further.
    if start == 0 and len(lines) > 1 and is_headline(lines[1], title) and _n_words(lines[0]) <= 3:
        start = 2
    return "\n".join(line for line in lines[start:] if not is_furniture(line))


# --------------------------------------------------------------------------------------------
# metadata


def _clean_field(value: Optional[str]) -> Optional[str]:
    value = " ".join((value or "").split())
    return value or None


def _iso_date(value: Optional[str]) -> Optional[str]:
    """trafilatura (htmldate) gives ``YYYY-MM-DD``; anything else is not trusted."""
    if not value:
        return None
    try:
        return _date.fromisoformat(value.strip()[:10]).isoformat()
    except ValueError:
        return None


def _host(url: Optional[str]) -> Optional[str]:
    if not url:
        return None
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return None
    return host.removeprefix("www.") or None


_LANG_TAG = re.compile(r"^\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*\s*$")


def declared_language(tree: HtmlElement) -> Optional[str]:
    """The primary language subtag the page declares: ``<html lang>``, ``xml:lang``,
    ``Content-Language`` or ``og:locale``, in that order."""
    candidates = [tree.get("lang"), tree.get("{http://www.w3.org/XML/1998/namespace}lang"),
                  tree.get("xml:lang")]
    for meta in tree.iterfind(".//meta"):
        key = (meta.get("http-equiv") or meta.get("property") or meta.get("name") or "").lower()
        if key in ("content-language", "og:locale", "language", "dc.language"):
            candidates.append(meta.get("content"))
    for value in candidates:
        match = _LANG_TAG.match(value or "")
        if match:
            return match.group(1).lower()
    return None
