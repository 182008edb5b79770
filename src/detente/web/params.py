"""Checking what clients send: dates, country and actor codes, ids, free text.

Every check returns the clean value or raises :class:`ApiError` naming the parameter, so a bad
request is answered with one line ("from: '2024-13-01' is not a date ...") and never reaches
SQL.  Values that do reach SQL are bound as parameters; these checks are for clear messages,
not for safety.
"""
from __future__ import annotations

import re
from typing import Callable, Optional

from ..events.query import DateBound, parse_date_bound
from ..records import MODALITIES
from .errors import bad

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")
_ACTOR = re.compile(r"[A-Z-]{3}[A-Z0-9]{0,12}")
# Non-state CAMEO actor families (no country part): IGOs, NGOs, multinationals, militant
# groups, regions.  Any code that starts with one is well-formed.
_NON_STATE = ("IGO", "NGO", "MNC", "IMG", "UIS", "REG", "---")

MAX_TEXT = 200  # longest free-text filter (search words, outlet names)


def date_bound(value: Optional[str], field: str) -> Optional[DateBound]:
    if value is None or value == "":
        return None
    try:
        return parse_date_bound(value)
    except ValueError as exc:
        raise bad(field, str(exc)) from None


def date_range(start: Optional[str], end: Optional[str], start_field: str = "from",
               end_field: str = "to") -> tuple[Optional[DateBound], Optional[DateBound]]:
    lo, hi = date_bound(start, start_field), date_bound(end, end_field)
    if lo and hi and hi.after <= lo.first:
        raise bad(end_field, f"{hi.text} is before {start_field} {lo.text}")
    return lo, hi


def country(value: str, field: str) -> str:
    """ISO3 code (or non-state actor code such as IGOUNO) from a code or a country name."""
    from ..relations.common import RelationsError
    from ..relations.countries import resolve_country

    if not value or len(value) > 60:
        raise bad(field, "give an ISO3 country code (e.g. PRK) or a country name")
    try:
        return resolve_country(value)
    except RelationsError:
        raise bad(field, f"unknown country {value[:60]!r}: give an ISO3 code (e.g. PRK) or a "
                         "country name (e.g. North Korea)") from None


def actor(value: str, field: str, in_store: Optional[Callable[[str], bool]] = None) -> str:
    """A CAMEO actor code or its prefix (``RUS``, ``RUSGOV``, ``IGOUNO``), or a country name.

    Unknown when its country part is no country we know, it is no non-state family, and no
    stored event names it (``in_store``, asked only for codes the dictionaries do not know)."""
    text = (value or "").strip()
    if not text:
        raise bad(field, "empty actor: give a CAMEO actor or ISO3 code (e.g. RUS, RUSGOV)")
    upper = text.upper()
    if _ACTOR.fullmatch(upper):
        if (upper.startswith(_NON_STATE) or _is_country(upper[:3])
                or (in_store is not None and in_store(upper))):
            return upper
        raise bad(field, f"unknown actor or country code {text[:40]!r}: give a CAMEO actor "
                         "or ISO3 code (e.g. RUS, RUSGOV, IGOUNO)")
    return country(text, field)  # "North Korea"


def _is_country(code: str) -> bool:
    from ..relations.common import RelationsError
    from ..relations.countries import resolve_country

    try:
        return resolve_country(code) == code
    except RelationsError:
        return False


def record_id(value: str, field: str = "id") -> str:
    if not _ID.fullmatch(value or ""):
        raise bad(field, f"{(value or '')[:40]!r} is not an id", status=404 if field == "id" else 422)
    return value


def text(value: Optional[str], field: str, max_chars: int = MAX_TEXT) -> Optional[str]:
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if len(value) > max_chars:
        raise bad(field, f"at most {max_chars} characters")
    if any(ord(c) < 32 for c in value):
        raise bad(field, "control characters are not allowed")
    return value


def cameo_code(value: Optional[str], field: str = "code") -> Optional[str]:
    if not value:
        return None
    if not re.fullmatch(r"\d{2,4}", value):
        raise bad(field, f"{value[:20]!r} is not a CAMEO code or prefix (2 to 4 digits, e.g. 04, 042)")
    return value


def cameo_root(value: Optional[str], field: str = "root") -> Optional[str]:
    if not value:
        return None
    if not re.fullmatch(r"\d{1,2}", value) or not 1 <= int(value) <= 20:
        raise bad(field, f"{value[:20]!r} is not a CAMEO root (01 to 20)")
    return value.zfill(2)


def modality(value: Optional[str], field: str = "modality") -> Optional[str]:
    if not value:
        return None
    if value not in MODALITIES:
        raise bad(field, f"{value[:30]!r} is not one of {', '.join(MODALITIES)}")
    return value


def dimension(value: Optional[str], field: str = "dimension") -> Optional[str]:
    from ..relations.dimensions import DIMENSIONS, ECONOMIC_SUBTAGS

    if not value:
        return None
    known = list(DIMENSIONS) + [f"economic:{s}" for s in ECONOMIC_SUBTAGS]
    if value not in known:
        raise bad(field, f"{value[:30]!r} is not one of {', '.join(known)}")
    return value


def dimensions_known() -> list[str]:
    from ..relations.dimensions import DIMENSIONS, ECONOMIC_SUBTAGS

    return list(DIMENSIONS) + [f"economic:{s}" for s in ECONOMIC_SUBTAGS]


def http_url(value: Optional[str], field: str = "url") -> Optional[str]:
    """A link we may print as ``href``: http(s) only, so stored data can never smuggle a
    ``javascript:`` URL into a page."""
    if not value:
        return None
    if len(value) > 2000 or not re.match(r"https?://[^\s/$.?#][^\s]*$", value, re.I):
        raise bad(field, "must be an http:// or https:// URL")
    return value


def safe_href(value: Optional[str]) -> Optional[str]:
    """``value`` when it is an http(s) URL, else None (for links built from stored data)."""
    if value and re.match(r"https?://", value, re.I) and not re.search(r"\s", value):
        return value
    return None
