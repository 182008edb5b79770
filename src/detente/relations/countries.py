"""Country arguments as users type them: ISO3 codes or names ("PRK", "North Korea", "Pyongyang"),
resolved through the actor dictionaries (:func:`detente.actors.lookup_country`)."""
from __future__ import annotations

import re
from typing import Callable, Optional

from .common import RelationsError

_CODE = re.compile(r"[A-Za-z]{3}")
# CAMEO codes for actors with no country (IGOUNO, NGO, ...) are accepted as typed, upper-cased.
_ACTOR_CODE = re.compile(r"(?:IGO|NGO|MNC|UIS|REG)[A-Z]{0,6}")


def _actors() -> tuple[Optional[Callable[[str], Optional[str]]], Optional[Callable[[str], str]]]:
    try:
        from .. import actors
    except ImportError:
        return None, None
    return getattr(actors, "lookup_country", None), getattr(actors, "country_name", None)


def resolve_country(text: str) -> str:
    """ISO3 code for a country given as a code or a name; :class:`RelationsError` if unknown."""
    value = (text or "").strip()
    if not value:
        raise RelationsError("empty country: give an ISO3 code (e.g. PRK) or a country name")
    if _ACTOR_CODE.fullmatch(value.upper()):
        return value.upper()
    lookup, name_of = _actors()
    if lookup is not None:
        code = lookup(value)
        if code:
            return code
    if _CODE.fullmatch(value):
        code = value.upper()
        if name_of is None:
            return code  # no dictionary to check against: trust an ISO3-shaped code
        try:
            name = name_of(code)
        except (KeyError, ValueError):
            name = None
        if name and name != code:
            return code
    raise RelationsError(f"unknown country {value!r}: give an ISO3 code (e.g. PRK) or a "
                         "country name (e.g. North Korea)")
