"""Cited briefings on a pair of countries, written from the store.

``write_brief(store, "RUS", "PRK")`` returns a Markdown (or self-contained HTML) brief whose
every statement is a template sentence filled with stored facts or a sentence quoted from an
article, each citing its articles as numbered references.  Deterministic: the same store gives
the same brief, byte for byte.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional, Union

from ..relations.common import RelationsError
from ..relations.countries import resolve_country
from ..relations.dimensions import dimensions_of
from ..store import Store
from .compose import Composer, compose_sections
from .facts import ReportScope, dyad_scope, load_dyad_facts
from .model import Brief, Reference, Section, Statement
from .references import ReferenceList
from .render import FORMATS, render
from .trend import trend_section


class BriefError(ValueError):
    """Bad input to a brief (unknown format, bad date or code): one clear line for the user."""


def build_brief(store: Store, a: str, b: str, since: Union[str, dt.date, None] = None,
                chart: bool = False, materialise: bool = True) -> Brief:
    """Compose the brief of ``a`` and ``b`` (ISO3 country or actor codes).  ``chart`` embeds the
    dyad chart as inline SVG in the trend section (for HTML).

    ``materialise`` reads the dyad's reports once into a temporary table that every section
    then queries (:func:`detente.brief.facts.dyad_scope`); ``False`` asks the store's tables
    each time.  Both give the same brief; the second is many times slower on a large store and
    is kept as the reference the tests compare with."""
    a, b = check_code(a, "first country"), check_code(b, "second country")
    if a == b:
        raise BriefError(f"a brief needs two different countries, got {a} twice")
    since_day = parse_since(since)
    if not materialise:
        return _compose(ReportScope(store), a, b, since_day, chart)
    with dyad_scope(store, a, b) as scope:
        return _compose(scope, a, b, since_day, chart)


def _compose(scope: ReportScope, a: str, b: str, since_day: Optional[dt.date],
             chart: bool) -> Brief:
    store = scope.store
    data = load_dyad_facts(scope, a, b, since_day, dimensions=dimensions_of)
    refs = ReferenceList()
    composer = Composer(scope, data, refs)
    summary, sections = compose_sections(
        composer, lambda c: trend_section(c, store, a, b, since_day, chart=chart))
    return Brief(a=a, b=b, a_name=composer.a_name, b_name=composer.b_name,
                 since=since_day.isoformat() if since_day else None,
                 summary=summary, sections=sections, references=refs.resolve(store))


def write_brief(store: Union[Store, str], a: str, b: str, since: Union[str, dt.date, None] = None,
                fmt: str = "md") -> str:
    """The brief of ``a`` and ``b`` as Markdown (``fmt='md'``) or self-contained HTML."""
    if fmt not in FORMATS:
        raise BriefError(f"format: {fmt!r} is not one of {', '.join(FORMATS)}")
    if isinstance(store, Store):
        return render(build_brief(store, a, b, since, chart=(fmt == "html")), fmt)
    with Store(store, read_only=True) as opened:
        return render(build_brief(opened, a, b, since, chart=(fmt == "html")), fmt)


def check_code(code: str, what: str) -> str:
    """ISO3 or actor code from a code or a country name ("North Korea" -> PRK), resolved as
    `detente dyad` resolves them."""
    try:
        return resolve_country(code)
    except RelationsError as exc:
        raise BriefError(f"{what}: {exc}") from None


def parse_since(value: Union[str, dt.date, None]) -> Optional[dt.date]:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    parts = text.split("-")
    try:
        if len(parts) == 1:
            return dt.date(int(parts[0]), 1, 1)
        if len(parts) == 2:
            return dt.date(int(parts[0]), int(parts[1]), 1)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BriefError(f"--since: {text!r} is not a date (use YYYY, YYYY-MM or YYYY-MM-DD)") from None


__all__ = ["write_brief", "build_brief", "BriefError", "Brief", "Section", "Statement", "Reference"]
