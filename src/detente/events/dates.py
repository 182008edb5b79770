"""When an event happened (or is to happen), from the sentence and the publication date.

``resolve_event_date(sent, trigger, pub_date)`` finds the date expressions of the sentence with
regular expressions (absolute dates, months, years, weekdays, "yesterday", "last week",
"earlier this month", "three years ago"), decides which one belongs to the trigger from the
dependency parse, and resolves it against the publication date.  ``dateparser`` is consulted
only for a DATE entity no regex understood ("the 19th of June" is a regex; odd forms are not),
and its answers are cached, so the common path stays regex-only.

Rules
-----
* Which expression: one attached to the trigger (in its subtree before any other verb) beats
  one attached to the trigger's own clause (the verb that realises a nominal trigger, or the
  first conjunct it shares a subject with), which beats one on a speech verb governing it
  ("X said on Monday that Y attacked" dates the attack by Monday at the latest, which is the
  best the sentence offers).  Dates in relative clauses and other events' clauses are never
  borrowed.  A planned event never takes a date that resolves before publication from any
  clause but its own.
* "since 2000", "until 2025": the start or end of a span, not the time of the event, so they
  never date the event.  "three months since Trump met Kim" does: the meeting was three months
  before publication.  "the first since 2000" does, however, mention a past event of the
  same kind (Putin's previous visit): :func:`historical_references` reports those for the
  coder, with the year (and "the first in 24 years" as pub year - 24).
* Tense decides ambiguous expressions: a bare month, a month-day or a weekday resolves to the
  most recent one on or before the publication date for a past event and to the next one on
  or after it for a future (planned or modal) event.  The publication day itself counts,
  because news names the day of publication by its weekday ("said on Monday" in Monday's
  paper).  "last"/"next" override tense.  An event noun has no tense of its own ("the June 12
  summit", "an encounter on Thursday"): unless a past verb realises it ("talks were held on
  Monday") or a cue makes it future, it takes the occurrence nearest the publication date.
* Precision is what the text gives: "June 19" day, "September 2023" month, "2000" year.
  Week-level expressions ("last week", "two weeks ago") are reported at month precision,
  because a single day would claim more than the text says.
* With no usable expression the event gets the publication date at the publication date's own
  precision, or (None, None) without one.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Callable, NamedTuple

from spacy.tokens import Doc, Span, Token

from .modality import HYPOTHETICAL, PLANNED, governors, modality_cues, within_event

DAY, MONTH, YEAR = "day", "month", "year"

_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}
# Month names are matched case-sensitively (capitalised) so the modal "may" and the verb
# "march" never read as months.
_MON = (r"(?:(?:January|February|March|April|May|June|July|August|September|October|November"
        r"|December)\b|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\b\.?)(?!-\w)")
_WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_WD = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "a few": 3, "several": 3,
    "a couple of": 2, "couple of": 2,
}
_NUM = r"(?:\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve" \
       r"|fifteen|twenty|thirty|forty|fifty|a\s+few|several|(?:a\s+)?couple\s+of)"
_QUAL = r"(?:early|mid|late|the\s+end\s+of|the\s+beginning\s+of|the\s+start\s+of|the\s+middle\s+of)"
_YEAR = r"(?:1[89]|20)\d\d"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [(name, re.compile(rx)) for name, rx in [
    ("ymd", rf"\b(?P<y>{_YEAR})-(?P<m>[01]?\d)-(?P<d>[0-3]?\d)\b"),
    ("mdy", rf"\b(?P<mon>{_MON})\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?(?:,\s*|\s+)(?P<y>{_YEAR})\b"),
    ("dmy", rf"\b(?P<d>[0-3]?\d)(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{_MON}),?\s+(?P<y>{_YEAR})\b"),
    ("my", rf"(?:\b(?i:{_QUAL})[\s-]+)?\b(?P<mon>{_MON}),?\s+(?:of\s+)?(?P<y>{_YEAR})\b"),
    ("md", rf"\b(?P<mon>{_MON})\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?\b(?!\s*[,:]?\s*\d)"),
    ("dm", rf"\b(?P<d>[0-3]?\d)(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{_MON})"),
    ("day", r"\b(?i:(?P<w>yesterday|today|tonight|tomorrow|last\s+night|this\s+morning|"
            r"this\s+afternoon|this\s+evening|earlier\s+today|later\s+today))\b"),
    ("weekday", rf"(?:\b(?i:(?P<dir>last|next|this\s+coming|this|coming|past))\s+)?"
                rf"\b(?P<wd>{_WD})\b"),
    ("weekend", r"\b(?i:(?:over|during|at)\s+the\s+weekend)\b"),
    ("unit", r"\b(?i:(?:(?P<q>earlier|later|early|late)\s+)?(?P<dir>last|next|this|coming)"
             r"\s+(?P<unit>week|weekend|month|year))\b"),
    ("ago", rf"\b(?i:(?P<n>{_NUM})\s+(?P<unit>day|week|month|year|decade)s?\s+ago)\b"),
    # "less than three months since Trump met Kim": the clause after "since" is that long ago
    ("since", rf"\b(?i:(?P<n>{_NUM})\s+(?P<unit>day|week|month|year|decade)s?\s+since)\b"),
]]
# A bare month or year is a date only after a preposition or qualifier ("in September",
# "since 2000", "early 2023"), so "May" the modal and "2000 troops" stay out.  They are found
# core-first (the month or year) and the prefix checked in a short window behind it: scanning
# every position for the prefix alternation cost a millisecond per sentence.
_MONTH_CORE = re.compile(rf"\b(?P<mon>{_MON})(?!\s*[0-3]?\d\b)")
_MONTH_PREFIX = re.compile(
    rf"(?i)\b(?P<pre>in|on|since|until|till|by|from|during|through|last|next|this|{_QUAL}|"
    rf"before|after|earlier\s+in|later\s+in|in\s+early|in\s+late|in\s+mid)[\s-]+$")
_YEAR_CORE = re.compile(rf"\b(?P<y>{_YEAR})\b(?![-–/]\w)")
_YEAR_PREFIX = re.compile(
    rf"(?i)\b(?P<pre>in|since|until|till|by|from|during|through|before|after|around|circa|"
    rf"back\s+in|{_QUAL}|in\s+early|in\s+late|in\s+mid|since\s+early|since\s+late|"
    rf"the\s+year|of\s+the\s+year)[\s-]+$")
_CORE_FIRST = (("m", _MONTH_CORE, _MONTH_PREFIX, "mon"), ("y", _YEAR_CORE, _YEAR_PREFIX, "y"))

# Scanning cost matters (the coder runs per sentence): each family of patterns is gated by
# plain substring tests, then run only in a window around each occurrence of its core word.
_MONTH_WORDS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                "Dec")
_WEEKDAY_WORDS = tuple(calendar.day_name)
_DAY_WORDS = ("yesterday", "today", "tonight", "tomorrow", "night", "morning", "afternoon",
              "evening")
_UNIT_WORDS = ("week", "month", "year")
_DIGIT = re.compile(r"\d")
_FAMILIES: dict[str, tuple[Callable[[str, str], bool], re.Pattern[str]]] = {
    "month": (lambda text, low: any(w in text for w in _MONTH_WORDS), re.compile(_MON)),
    "year": (lambda text, low: _DIGIT.search(text) is not None, _YEAR_CORE),
    "weekday": (lambda text, low: "day" in low and any(w in text for w in _WEEKDAY_WORDS),
                re.compile(_WD)),
    "day": (lambda text, low: any(w in low for w in _DAY_WORDS),
            re.compile(r"(?i)yesterday|today|tonight|tomorrow|night|morning|afternoon|evening")),
    "unit": (lambda text, low: any(w in low for w in _UNIT_WORDS),
             re.compile(r"(?i)\b(?:week|weekend|month|year)\b")),
    "ago": (lambda text, low: " ago" in low, re.compile(r"(?i)\bago\b")),
    "since": (lambda text, low: " since " in low, re.compile(r"(?i)\bsince\b")),
}
_FAMILY_OF = {"ymd": "year", "mdy": "month", "dmy": "month", "my": "month", "md": "month",
              "dm": "month", "day": "day", "weekday": "weekday", "unit": "unit", "ago": "ago",
              "weekend": "unit",
              "since": "since"}
_WINDOW = 40  # characters either side of a core word: longer than any pattern's reach
_SPAN_START = re.compile(r"(?i)\b(since|until|till|ever\s+since)\s+(?:(?:early|late|mid)[\s-]+)?$")
_FIRST_IN = re.compile(rf"(?i)\bin\s+(?:more\s+than\s+|over\s+|almost\s+|nearly\s+)?"
                       rf"(?P<n>{_NUM})\s+(?P<unit>year|decade)s\b")
_DURATION = re.compile(rf"(?i)^(?:the\s+|a\s+)?(?:past|last|next|coming|previous|first|"
                       rf"following|recent)?\s*(?:{_NUM}|few|many)?\s*(?:more\s+)?"
                       rf"(?:days?|weeks?|months?|years?|decades?|hours?|minutes?|centur(?:y|ies)"
                       rf"|weekends?|nights?)(?:'s?)?$")
_CLOCK = re.compile(r"(?i)\b(?:utc|gmt|[ap]\.?m\b|hrs|hours|local\s+time)|\d:\d")
# dateparser is asked only about entities with a month, weekday or year in them: it reads bare
# numbers and decades ("the 1930s") as clock times.
_HAS_DATE_WORD = re.compile(rf"{_MON}|{_WD}|\b{_YEAR}\b(?!s)")
_PUB = re.compile(r"^\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


class HistoricalReference(NamedTuple):
    """A past event of the same kind that the sentence mentions ("the first since 2000")."""

    iso: str
    precision: str
    span: Span  # the date expression; ``span.root.head`` is what it hangs from

    @property
    def anchor(self) -> Token:
        """The token the expression modifies ("first", "visit"), for the coder to link."""
        return self.span.root.head


@dataclass(frozen=True)
class DateMention:
    kind: str
    start: int  # character offsets in the Doc
    end: int
    fields: tuple[tuple[str, str | None], ...]  # regex groups
    bounded: bool  # "since ...", "until ...": a span boundary, not an event time

    def get(self, key: str) -> str | None:
        return dict(self.fields).get(key)


# --- publication date ----------------------------------------------------------------------

def parse_pub_date(pub_date: str | date | None) -> tuple[date, str] | None:
    if isinstance(pub_date, str):
        return _parse_pub_str(pub_date)
    return _parse_pub(pub_date)


@lru_cache(maxsize=1024)
def _parse_pub_str(pub_date: str) -> tuple[date, str] | None:
    return _parse_pub(pub_date)


def _parse_pub(pub_date: str | date | None) -> tuple[date, str] | None:
    """(anchor day, precision) from an ISO date, timestamp, 'YYYY-MM' or 'YYYY'; None when
    absent or unreadable (a bad date must not stop coding)."""
    if pub_date is None:
        return None
    if isinstance(pub_date, datetime):
        return pub_date.date(), DAY
    if isinstance(pub_date, date):
        return pub_date, DAY
    m = _PUB.match(str(pub_date))
    if not m:
        return None
    try:
        year = int(m.group(1))
        if m.group(3):
            return date(year, int(m.group(2)), int(m.group(3))), DAY
        if m.group(2):
            return date(year, int(m.group(2)), 1), MONTH
        return date(year, 1, 1), YEAR
    except ValueError:
        return None


def _iso(d: date, precision: str) -> str:
    if precision == YEAR:
        return f"{d.year:04d}"
    if precision == MONTH:
        return f"{d.year:04d}-{d.month:02d}"
    return d.isoformat()


def _pub_result(pub: tuple[date, str] | None) -> tuple[str | None, str | None]:
    if pub is None:
        return None, None
    return _iso(pub[0], pub[1]), pub[1]


def fallback_date(pub_date: str | None) -> tuple[str | None, str | None]:
    """The (date, precision) an event gets when its sentence gives no date: the publication
    date's, or (None, None)."""
    return _pub_result(parse_pub_date(pub_date))


# --- finding expressions -------------------------------------------------------------------

def date_mentions(sent: Span) -> list[DateMention]:
    """Date expressions in the sentence, longest match first where they overlap.  Cached on
    the Doc so several events in one sentence scan it once."""
    doc = sent.doc
    cache = doc.user_data.setdefault("detente.date_mentions", {})
    key = (sent.start, sent.end)
    if key not in cache:
        cache[key] = _scan(sent)
    return cache[key]


def _merge(spots: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(spots):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


def _is_person(sent: Span, start: int, end: int) -> bool:
    span = sent.doc.char_span(start, end, alignment_mode="expand")
    return span is not None and any(t.ent_type_ in ("PERSON", "ORG") for t in span)


def _date_entities(doc: Doc) -> list[Span]:
    cached = doc.user_data.get("detente.date_entities")
    if cached is None:
        cached = [ent for ent in doc.ents if ent.label_ == "DATE"]
        doc.user_data["detente.date_entities"] = cached
    return cached


def _scan(sent: Span) -> list[DateMention]:
    text, base = sent.text, sent.start_char
    low = text.lower()
    cores: dict[str, list[tuple[int, int]]] = {}
    for family, (gate, core) in _FAMILIES.items():
        if gate(text, low):
            spots = [(max(0, m.start() - _WINDOW), min(len(text), m.end() + _WINDOW))
                     for m in core.finditer(text)]
            if spots:
                cores[family] = _merge(spots)
    found: list[tuple[int, int, str, dict[str, str]]] = []
    for kind, rx in _PATTERNS:
        for lo, hi in cores.get(_FAMILY_OF[kind], ()):
            for m in rx.finditer(text, lo, hi):
                found.append((m.start(), m.end(), kind, m.groupdict()))
    for kind, core, prefix, group in _CORE_FIRST:
        if ("month" if kind == "m" else "year") not in cores:
            continue
        for m in core.finditer(text):
            before = prefix.search(text, max(0, m.start() - 30), m.start())
            if before:
                found.append((m.start(), m.end(), kind, {"pre": before.group("pre"),
                                                         group: m.group(group)}))
    found = list({(f[0], f[1], f[2]): f for f in found}.values())  # windows may overlap
    # Longest expression wins an overlap: "September 2023" over "September", "June 19, 2024"
    # over "June 19".
    found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
    mentions: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for start, end, kind, raw in found:
        if any(start < e and s < end for s, e in taken):
            continue
        groups = {k: v for k, v in raw.items() if v is not None}
        if kind in ("m", "md", "dm") and _is_person(sent, base + start, base + end):
            continue  # "talks with May": Theresa May, not the month
        pre = (groups.get("pre") or "").lower()
        bounded = pre.startswith(("since", "until", "till")) or bool(
            _SPAN_START.search(text[max(0, start - 20):start]))
        mentions.append(DateMention(kind, base + start, base + end, tuple(groups.items()),
                                    bounded))
        taken.append((start, end))
    mentions.sort(key=lambda mt: mt.start)
    # DATE entities no pattern covered ("the 19th of June" is covered; "Christmas Eve 2019"
    # is not) go to dateparser.
    for ent in _date_entities(sent.doc):
        if ent.start < sent.start or ent.end > sent.end or any(mt.start < ent.end_char and ent.start_char < mt.end
                                       for mt in mentions):
            continue
        if not _HAS_DATE_WORD.search(ent.text) or _DURATION.match(ent.text.strip()):
            continue
        after = text[ent.end_char - base:ent.end_char - base + 16]
        if after[:1] in ("-", "–") or _CLOCK.match(after.lstrip()) or _CLOCK.search(ent.text):
            continue  # "2019-nCoV", "2023-24 season", "1700 UTC": a name, a range, a time
        before = text[max(0, ent.start_char - base - 20):ent.start_char - base]
        mentions.append(DateMention("free", ent.start_char, ent.end_char,
                                    (("text", ent.text),), bool(_SPAN_START.search(before))))
    return mentions


# --- resolving one expression --------------------------------------------------------------

def _number(word: str) -> int:
    word = re.sub(r"\s+", " ", word.lower())
    return int(word) if word.isdigit() else _NUMBER_WORDS.get(word, 1)


def _shift_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def resolve_mention(mention: DateMention, pub: tuple[date, str] | None,
                    future: bool | None) -> tuple[str, str] | None:
    """ISO and precision of one expression, or None when it cannot be resolved (a relative
    expression without a publication date, an impossible day).

    ``future``: True for a future event, False for a past one, None when the text gives no
    tense (an event noun: "the June 12 summit"), in which case an ambiguous expression takes
    the occurrence nearest the publication date, the past one on a tie."""
    g = mention.get
    kind = mention.kind
    today = pub[0] if pub else None
    if kind in ("ymd", "mdy", "dmy"):
        month = int(g("m")) if kind == "ymd" else _MONTHS[g("mon").rstrip(".").lower()]
        d = _safe_date(int(g("y")), month, int(g("d")))
        return (d.isoformat(), DAY) if d else None
    if kind == "my":
        return f"{int(g('y')):04d}-{_MONTHS[g('mon').rstrip('.').lower()]:02d}", MONTH
    if kind == "y":
        return f"{int(g('y')):04d}", YEAR
    if kind == "free":
        return _dateparser(g("text"), today, future)
    if today is None:
        return None
    if kind in ("md", "dm"):
        month, day = _MONTHS[g("mon").rstrip(".").lower()], int(g("d"))
        d = _safe_date(today.year, month, day)
        if d is None:
            return None
        if future is None:
            near = [c for c in (_safe_date(today.year + k, month, day) for k in (-1, 0, 1)) if c]
            d = min(near, key=lambda c: (abs((c - today).days), c > today))
        elif future and d < today - timedelta(days=1):
            d = _safe_date(today.year + 1, month, day) or d
        elif not future and d > today + timedelta(days=1):
            d = _safe_date(today.year - 1, month, day) or d
        return d.isoformat(), DAY
    if kind == "m":
        month = _MONTHS[g("mon").rstrip(".").lower()]
        pre = re.sub(r"\s+", " ", (g("pre") or "").lower())
        year = today.year
        if pre == "last":
            year -= month >= today.month
        elif pre == "next":
            year += month <= today.month
        elif pre != "this":
            if future is None:
                # nearest such month; on a tie (six months either way) the past one
                if month - today.month >= 6:
                    year -= 1
                elif today.month - month > 6:
                    year += 1
            elif future and month < today.month:
                year += 1
            elif not future and month > today.month:
                year -= 1
        return f"{year:04d}-{month:02d}", MONTH
    if kind == "day":
        word = re.sub(r"\s+", " ", g("w").lower())
        offset = {"yesterday": -1, "last night": -1, "tomorrow": 1}.get(word, 0)
        return (today + timedelta(days=offset)).isoformat(), DAY
    if kind == "weekday":
        wd = _WEEKDAYS[g("wd").lower()]
        direction = re.sub(r"\s+", " ", (g("dir") or "").lower())
        back = (today.weekday() - wd) % 7
        ahead = (wd - today.weekday()) % 7
        if direction in ("last", "past"):
            d = today - timedelta(days=back or 7)
        elif direction in ("next", "coming", "this coming"):
            d = today + timedelta(days=ahead or 7)
        else:
            if future is None:
                future = ahead < back
            d = today + timedelta(days=ahead) if future else today - timedelta(days=back)
        return d.isoformat(), DAY
    if kind == "weekend":
        # "over the weekend": ahead, the coming Saturday; behind, the last Sunday before
        # publication (a Sunday paper's weekend is its Saturday)
        saturday, sunday = 5, 6
        if future:
            return (today + timedelta(days=(saturday - today.weekday()) % 7)).isoformat(), DAY
        if today.weekday() == sunday:
            return (today - timedelta(days=1)).isoformat(), DAY
        return (today - timedelta(days=(today.weekday() - sunday) % 7 or 7)).isoformat(), DAY
    if kind == "unit":
        unit, direction = g("unit").lower(), g("dir").lower()
        step = {"last": -1, "next": 1, "coming": 1}.get(direction, 0)
        if unit == "week":
            return _iso(today + timedelta(days=7 * step), MONTH), MONTH
        if unit == "weekend":
            saturday = 5
            if step < 0 or (step == 0 and not future):
                back = (today.weekday() - saturday) % 7 or 7
                d = today - timedelta(days=back)
            else:
                d = today + timedelta(days=(saturday - today.weekday()) % 7 or 7)
            return d.isoformat(), DAY
        if unit == "month":
            return _iso(_shift_months(today, step), MONTH), MONTH
        return f"{today.year + step:04d}", YEAR
    if kind in ("ago", "since"):
        n, unit = _number(g("n")), g("unit").lower()
        if unit == "day":
            return (today - timedelta(days=n)).isoformat(), DAY
        if unit == "week":
            return _iso(today - timedelta(days=7 * n), MONTH), MONTH
        if unit == "month":
            return _iso(_shift_months(today, -n), MONTH), MONTH
        years = n * (10 if unit == "decade" else 1)
        return f"{today.year - years:04d}", YEAR
    return None


_PERIODS = {"day": DAY, "time": DAY, "week": MONTH, "month": MONTH, "year": YEAR}


@lru_cache(maxsize=4096)
def _dateparser(text: str, today: date | None, future: bool | None) -> tuple[str, str] | None:
    """Last resort for DATE entities no pattern read; slow, hence cached and rare."""
    if today is None and not re.search(_YEAR, text):
        return None  # a relative expression with nothing to be relative to
    from dateparser.date import DateDataParser

    settings = {"PREFER_DATES_FROM": "current_period" if future is None
                else "future" if future else "past",
                "RETURN_TIME_AS_PERIOD": True, "REQUIRE_PARTS": []}
    if today is not None:
        settings["RELATIVE_BASE"] = datetime(today.year, today.month, today.day)
    try:
        data = DateDataParser(languages=["en"], settings=settings).get_date_data(text)
    except Exception:  # dateparser raises assorted errors on odd input; a date is optional
        return None
    if data is None or data.date_obj is None:
        # "Christmas Eve 2019": the year alone is still worth having; "1700 UTC" is a time.
        year = _YEAR_CORE.search(text)
        if year is None or _CLOCK.search(text):
            return None
        return year.group(0), YEAR
    if not 1800 <= data.date_obj.year <= 2100:
        return None
    precision = _PERIODS.get(data.period or "day", DAY)
    return _iso(data.date_obj.date(), precision), precision


# --- which expression belongs to the trigger -----------------------------------------------

def _is_future(tok: Token) -> bool:
    """Future or modal reference: decides which way "in September" or "on Monday" points."""
    for cue in modality_cues(tok.sent, tok):
        if cue.modality == PLANNED:
            return True
        if cue.modality == HYPOTHETICAL and cue.token.tag_ == "MD":
            return True
    return False


_REPORTING = frozenset({"say", "tell", "claim", "state", "report", "announce", "add", "note",
                        "warn", "insist", "confirm", "deny", "accuse", "argue", "write", "tweet"})


def _past_clause(verb: Token) -> bool:
    """Past tense or perfect: "were held", "met", "has held"."""
    if verb.tag_ == "VBD":
        return True
    auxes = [c for c in verb.children if c.dep_ in ("aux", "auxpass")]
    if any(a.tag_ == "VBD" for a in auxes):
        return True
    return verb.tag_ == "VBN" and any(a.lemma_ == "have" for a in auxes)


def _tense(tok: Token) -> bool | None:
    """True for a future or modal event, False for a past one, None for an event noun whose
    clause gives no tense: "the June 12 summit" is next month's summit in a May article and
    last month's in a July one, so its date is resolved to the nearest occurrence.  A noun
    realised by a past verb ("talks were held on Monday") is past."""
    if _is_future(tok):
        return True
    if tok.pos_ in ("VERB", "AUX"):
        # "Trump and Kim meet on Tuesday", "Kim is meeting Putin on Friday": news uses the
        # present for scheduled acts, so the present points either way; reports of speech
        # ("Russia says on Monday") refer back.
        present = tok.tag_ in ("VBZ", "VBP") or (tok.tag_ == "VBG" and any(
            c.dep_ == "aux" and c.tag_ in ("VBZ", "VBP") for c in tok.children))
        if present and tok.lemma_.lower() not in _REPORTING:
            return None
        return False
    if tok.pos_ not in ("NOUN", "PROPN"):
        return False
    for gov in governors(tok):
        if not gov.scoped:
            break
        if gov.token.pos_ in ("VERB", "AUX"):
            return False if _past_clause(gov.token) else None
    return None


# "greets Chavez upon his arrival in Havana in December 1994": an event noun after these
# prepositions sets the time of the verb, so its date is the verb's too.
_TIME_ANCHORING = {"during", "upon", "on", "at", "following", "throughout", "amid", "after",
                   "before", "since"}


def _owner(sent: Span, mention: DateMention, trigger: Token) -> Token | None:
    """The clause (verb) or the trigger the expression hangs from."""
    span = sent.doc.char_span(mention.start, mention.end, alignment_mode="expand")
    if span is None or len(span) == 0:
        return None
    words = [t for t in span if not t.is_punct]
    if not words or any(t.i == trigger.i for t in span):
        return None
    if mention.kind == "since":
        # "three months since the two presidents met" / "since the summit": what "since"
        # introduces is what happened that long ago
        mark = span[-1]
        if mark.dep_ == "prep":
            return next((c for c in mark.children if c.dep_ == "pobj"), None)
        return mark.head if mark.head.i != mark.i and mark.head.i not in {t.i for t in span} else None
    # The expression's own head word: the token whose head lies outside it.
    inside = {t.i for t in span}
    tok = next((t for t in words if t.head.i not in inside), words[0])
    # A noun inside a prepositional phrase on the way up claims the expression for itself:
    # in "compared with the attack on the mall in September", September dates the attack,
    # not the verb above it.  (The trigger itself may be such a noun, so it is checked first.)
    nested_noun: Token | None = None
    for _ in range(12):
        head = tok.head
        if head.i == tok.i:
            break
        tok = head
        if tok.i == trigger.i:
            # A nominal trigger owns what its own phrase contains ("a meeting between the two
            # leaders in September 2023"); a verb does not own its nouns' dates.
            return tok if nested_noun is None or trigger.pos_ in ("NOUN", "PROPN") else nested_noun
        if tok.pos_ in ("VERB", "AUX"):
            return nested_noun or tok
        if nested_noun is None and tok.pos_ in ("NOUN", "PROPN") and tok.dep_ == "pobj" \
                and tok.head.lower_ not in _TIME_ANCHORING:
            nested_noun = tok
    return nested_noun or (tok if tok.pos_ in ("VERB", "AUX") else None)


def _trigger_clauses(trigger: Token) -> tuple[set[int], set[int]]:
    """Token indices of the trigger's own clause heads, and of speech verbs governing it."""
    own: set[int] = set()
    reporting: set[int] = set()
    for gov in governors(trigger):
        # A nominal trigger's own verb dates it when that verb realises it ("talks were held
        # on Monday") and whenever it is the verb's object, because the parser often hangs
        # the noun's date on the verb ("follows a meeting ... in September 2023").
        if (gov.slot == "object" and gov.distance == 1) or (
                gov.slot in ("conj", "subject", "object") and gov.scoped):
            own.add(gov.token.i)
        elif gov.slot == "complement":
            reporting.add(gov.token.i)
        elif gov.slot in ("purpose",):
            continue
        elif within_event(gov):
            # "Kim spoke during an encounter with Lavrov on Thursday": the clause happened
            # within the event, so the clause's date is the event's
            own.add(gov.token.i)
            break
        else:
            break
    return own, reporting


PRECISION_RANK = {DAY: 0, MONTH: 1, YEAR: 2}


def _select(sent: Span, trigger: Token, mentions: list[DateMention]
            ) -> list[tuple[DateMention, Token, int, int]]:
    """Candidate expressions for the trigger, as (mention, owner, rank, distance), best rank
    only: several expressions at one rank ("next month on August 2") are all returned so the
    most precise can win."""
    own, reporting = _trigger_clauses(trigger)
    scored: list[tuple[DateMention, Token, int, int]] = []
    for mention in mentions:
        if mention.bounded:
            continue
        owner = _owner(sent, mention, trigger)
        if owner is None:
            continue
        if owner.i == trigger.i:
            rank = 0
        elif owner.i in own:
            rank = 1
        elif owner.i in reporting:
            rank = 2
        else:
            continue
        distance = min(abs(trigger.idx - mention.start), abs(trigger.idx - mention.end))
        scored.append((mention, owner, rank, distance))
    if not scored:
        return []
    best = min(c[2] for c in scored)
    return [c for c in scored if c[2] == best]


def resolve_event_date(sent: Span, trigger: Token, pub_date: str | None, *,
                       modality: str | None = None) -> tuple[str | None, str | None]:
    """(ISO date, precision) of the event; the publication date when the text gives none.

    ``modality`` may be passed when the caller already has it, to skip recomputing tense.
    """
    pub = parse_pub_date(pub_date)
    mentions = date_mentions(sent)
    if not mentions:
        return _pub_result(pub)
    future: bool | None
    if modality == PLANNED:
        future = True
    else:
        future = _tense(trigger)
    resolved_all: list[tuple[tuple[int, int], tuple[str, str]]] = []
    for mention, owner, rank, distance in _select(sent, trigger, mentions):
        if rank == 2 and (future or future is None):
            # the date of the report announcing a planned event is not its date, nor is the
            # date of a remark about a tenseless event noun ("said on Friday the summit ...")
            continue
        owner_future = future if rank < 2 else _is_future(owner)
        resolved = resolve_mention(mention, pub, owner_future)
        if resolved is None:
            continue
        if rank > 0 and future and pub and resolved[0] < _iso(pub[0], resolved[1]):
            continue  # a past date of another clause cannot date a planned event
        resolved_all.append(((PRECISION_RANK[resolved[1]], distance), resolved))
    if not resolved_all:
        return _pub_result(pub)
    return min(resolved_all)[1]


def historical_references(sent: Span, pub_date: str | None = None
                          ) -> list[HistoricalReference]:
    """Past events of the same kind the sentence mentions: "the first visit since 2000" -> a
    visit in 2000; "the first in 24 years" -> pub year - 24 (needs ``pub_date``)."""
    lowered = [t.lower_ for t in sent]
    if "first" not in lowered:
        return []
    first_at = sent[lowered.index("first")].idx
    pub = parse_pub_date(pub_date)
    refs: list[HistoricalReference] = []
    for mention in date_mentions(sent):
        if not mention.bounded or mention.start < first_at:
            continue
        resolved = resolve_mention(mention, pub, future=False)
        span = sent.doc.char_span(mention.start, mention.end, alignment_mode="expand")
        if resolved and span is not None:
            refs.append(HistoricalReference(resolved[0], resolved[1], _since_span(span)))
    if pub is not None:
        for m in _FIRST_IN.finditer(sent.text):
            start = sent.start_char + m.start()
            if start < first_at:
                continue
            years = _number(m.group("n")) * (10 if m.group("unit").lower() == "decade" else 1)
            span = sent.doc.char_span(start, sent.start_char + m.end(), alignment_mode="expand")
            if span is not None:
                refs.append(HistoricalReference(f"{pub[0].year - years:04d}", YEAR, span))
    return refs


def _since_span(span: Span) -> Span:
    """Widen "2000" to "since 2000" so the span's root hangs from what it modifies."""
    doc: Doc = span.doc
    start = span.start
    while start > 0 and doc[start - 1].lower_ in ("since", "until", "till", "early", "late",
                                                  "mid", "-", "ever"):
        start -= 1
    return doc[start:span.end]
