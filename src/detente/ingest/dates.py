"""Publication dates, from whatever an input gives, to ISO 8601.

A date-only input stays a date (``2019-01-07``); a timestamp keeps its UTC offset when the input
has one (``2026-02-18T06:34:46+05:30``) and stays naive when it has none: inventing a zone
would shift the day of late-evening stories.  Strict formats (ISO 8601, RFC 822, WARC/ARC
14-digit stamps) are parsed directly because they are most of the input and dateparser costs a
millisecond a call; dateparser handles the free-form rest ("Monday, January 7, 2019").
"""
from __future__ import annotations

import re
import time
from datetime import date, datetime, timezone
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any, Optional

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
_ARC_STAMP = re.compile(r"^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$")
_HAS_TIME = re.compile(r"\d{1,2}:\d{2}|\bT\d{2}")
_RELATIVE = re.compile(r"\b(ago|yesterday|today|tomorrow|now|last|next)\b", re.I)

MIN_YEAR, MAX_YEAR = 1800, 2200


def _plausible(year: int) -> bool:
    return MIN_YEAR <= year <= MAX_YEAR


def _format(dt: datetime, with_time: bool = True) -> Optional[str]:
    if not _plausible(dt.year):
        return None
    if not with_time:
        return dt.date().isoformat()
    return dt.replace(microsecond=0).isoformat()


@lru_cache(maxsize=1)
def _dateparser():
    import dateparser  # heavy import (~0.5 s): only when a free-form date turns up

    return dateparser


@lru_cache(maxsize=4096)
def _parse_string(value: str) -> Optional[str]:
    s = value.strip()
    if not s:
        return None
    m = _ISO_DATE.match(s)
    if m:
        year, month, day = int(m.group(1)), int(m.group(2)), m.group(3)
        try:
            if day is None:
                date(year, month, 1)
                return s if _plausible(year) else None
            return date(year, month, int(day)).isoformat() if _plausible(year) else None
        except ValueError:
            return None
    m = _ARC_STAMP.match(s)
    if m:
        try:
            dt = datetime(*map(int, m.groups()), tzinfo=timezone.utc)
        except ValueError:
            return None
        return _format(dt)
    try:
        dt = datetime.fromisoformat(s.replace("Z", "+00:00") if s.endswith("Z") else s)
        return _format(dt, with_time=bool(_HAS_TIME.search(s)))
    except ValueError:
        pass
    if "," in s or re.search(r"[+-]\d{4}$|\b(GMT|UT|UTC|[ECMP][SD]T)$", s):
        try:
            dt = parsedate_to_datetime(s)
            if dt is not None:
                return _format(dt)
        except (TypeError, ValueError, IndexError):
            pass
    if _RELATIVE.search(s):
        return None  # "6 years ago" means nothing without knowing when the page was fetched
    # Language detection over all of dateparser's ~200 locales costs seconds on first use;
    # ASCII dates are English (or numeric), so only non-ASCII text pays for it.
    languages = ["en"] if s.isascii() else None
    dt = _dateparser().parse(
        s, languages=languages,
        settings={"PARSERS": ["timestamp", "custom-formats", "absolute-time"],
                  "PREFER_DAY_OF_MONTH": "first", "REQUIRE_PARTS": ["year"]})
    if dt is None:
        return None
    return _format(dt, with_time=bool(_HAS_TIME.search(s)))


def normalize_date(value: Any) -> Optional[str]:
    """ISO 8601 string for a date given as text, ``datetime``, ``date``, ``time.struct_time``
    (feedparser's ``*_parsed``, always UTC) or epoch seconds; ``None`` when unparseable."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return _format(value)
    if isinstance(value, date):
        return value.isoformat() if _plausible(value.year) else None
    if isinstance(value, time.struct_time):
        try:
            return _format(datetime(*value[:6], tzinfo=timezone.utc))
        except ValueError:
            return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return _format(datetime.fromtimestamp(value, tz=timezone.utc))
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        try:
            return _parse_string(value[:200])
        except Exception:  # dateparser raises assorted errors on odd strings
            return None
    return None


def to_timestamp(iso: Optional[str]) -> Optional[datetime]:
    """Timezone-aware datetime for the ``published`` column: naive times and bare dates are
    taken as UTC, a year-month as its first day."""
    if not iso:
        return None
    try:
        if len(iso) == 7:
            iso += "-01"
        dt = datetime.fromisoformat(iso)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
