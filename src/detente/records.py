"""Typed records that flow through detente, one stage to the next.

documents -> sentences -> mentions -> events -> dyad series -> briefs

Every stage consumes the records of the stage before and produces its own; nothing reaches
back.  Records are plain dataclasses so they pickle cheaply to Dask workers and serialise to
JSON with :func:`dataclasses.asdict`.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Optional

Modality = Literal["occurred", "planned", "hypothetical", "negated", "claimed"]
MODALITIES: tuple[str, ...] = ("occurred", "planned", "hypothetical", "negated", "claimed")
DatePrecision = Literal["day", "month", "year"]

_WS = re.compile(r"\s+")


def normalize_for_hash(text: str) -> str:
    """Whitespace- and case-insensitive form of a body, so that the same article re-scraped
    with different line wrapping or NFC/NFD encoding hashes to the same id."""
    text = unicodedata.normalize("NFKC", text)
    return _WS.sub(" ", text).strip().lower()


def content_id(text: str, title: str | None = None) -> str:
    """Stable article id: a hash of the normalised body (title only when the body is empty,
    e.g. a feed item with nothing but a headline)."""
    basis = normalize_for_hash(text) or normalize_for_hash(title or "")
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:20]


@dataclass
class Document:
    """One article as read from an input, before it is stored.

    ``date`` is ISO 8601 (``YYYY-MM-DD`` or a full timestamp with offset when the input gives
    a time).  ``extra`` keeps every input field we have no column for, so nothing is lost.
    """

    text: str
    title: Optional[str] = None
    date: Optional[str] = None
    outlet: Optional[str] = None
    url: Optional[str] = None
    author: Optional[str] = None
    source_id: Optional[str] = None  # the input's own id (JSONL "id", feed guid, WARC record id)
    source_path: Optional[str] = None  # file (and member) it came from
    source_format: Optional[str] = None  # text | html | jsonl | rss | atom | rdf | jsonfeed | warc | arc
    lang: Optional[str] = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return content_id(self.text, self.title)


@dataclass
class IngestProblem:
    """A file or record that could not be read: one clear line for the user."""

    path: str
    reason: str
    kind: Literal["skipped", "failed"] = "failed"

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class ActorMention:
    """A span of text resolved to a CAMEO actor code.

    ``code`` is the composite CAMEO code (``RUSGOV``, ``PRK``, ``USAMIL``, ``IGOUNO``, ``WST``);
    ``country`` its three-letter country part or ``None`` for non-state actors.  Offsets are
    character offsets into the article text.
    """

    text: str
    start: int
    end: int
    code: str
    country: Optional[str] = None
    role: Optional[str] = None  # GOV, MIL, BUS, ...
    name: Optional[str] = None  # canonical name ("Vladimir Putin") when a person or body
    kind: str = "country"  # country | capital | institution | person | title | igo | group | pronoun
    via: Optional[str] = None  # how it was resolved (dictionary entry, coreference, ...)


@dataclass
class Place:
    name: str
    country: Optional[str] = None  # ISO3
    start: Optional[int] = None
    end: Optional[int] = None


@dataclass
class Evidence:
    article_id: str
    sentence_index: int
    sentence: str
    sentence_start: int  # offset of the sentence in the article text
    trigger: str
    trigger_start: int
    trigger_end: int
    source_span: Optional[tuple[int, int]] = None
    target_span: Optional[tuple[int, int]] = None
    asserted_by: Optional[str] = None  # speaker of reported speech, "KCNA", ...
    cited_sources: list[str] = field(default_factory=list)  # parenthetical sources: "CNA"


@dataclass
class Event:
    """One coded political event, as reported in one sentence of one article."""

    id: str
    source: Optional[str]  # CAMEO actor code
    target: Optional[str]
    code: str  # CAMEO verb code, e.g. "042"
    root: str  # first two digits
    quad_class: int  # 1 verbal coop, 2 material coop, 3 verbal conflict, 4 material conflict
    goldstein: Optional[float]
    plover: Optional[str] = None
    plover_mode: Optional[str] = None
    modality: str = "occurred"
    date: Optional[str] = None  # ISO: YYYY, YYYY-MM or YYYY-MM-DD
    date_precision: Optional[str] = None
    place: Optional[Place] = None
    evidence: Optional[Evidence] = None
    source_country: Optional[str] = None
    target_country: Optional[str] = None
    source_name: Optional[str] = None
    target_name: Optional[str] = None
    confidence: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def event_id(article_id: str, sentence_index: int, trigger_start: int, source: str | None,
             target: str | None, code: str) -> str:
    """Deterministic: re-coding the same article yields the same ids, so re-runs and resumed
    runs never duplicate events."""
    key = f"{article_id}|{sentence_index}|{trigger_start}|{source}|{target}|{code}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]
