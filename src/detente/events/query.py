"""Stored events, filtered: the one query behind ``detente events`` and ``GET /api/events``.

Both the command and the web app build an :class:`EventFilters` from what the user typed and
call :func:`list_events` / :func:`count_events` / :func:`events_arrow` on a DuckDB connection
(a :class:`~detente.store.Store`'s ``con``, a lake's, or a web read cursor), so a filter means
the same thing wherever it is typed.  Every value is bound as a ``?`` parameter; the only text
spliced into SQL is column lists and conditions written here.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Optional

import duckdb

Row = dict[str, Any]

_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: Optional[list[Any]] = None) -> list[Row]:
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether ``name`` is a table or view (a lake's tables are views)."""
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchall()[0][0])


# -- dates as users type them -----------------------------------------------------------------

@dataclass(frozen=True)
class DateBound:
    """A date as typed (``2024``, ``2024-06``, ``2024-06-19``) and the days it covers."""

    text: str
    first: dt.date
    after: dt.date  # first day after the period the text names

    @property
    def last(self) -> dt.date:
        return self.after - dt.timedelta(days=1)


def parse_date_bound(value: str) -> DateBound:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` as a :class:`DateBound`; ``ValueError`` naming
    the value otherwise (the caller adds which option or parameter it was)."""
    text = value.strip()
    m = _DATE.fullmatch(text)
    hint = "is not a date (use YYYY, YYYY-MM or YYYY-MM-DD)"
    if not m:
        raise ValueError(f"{value[:40]!r} {hint}")
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    try:
        if day:
            first = dt.date(year, int(month), int(day))
            after = first + dt.timedelta(days=1)
        elif month:
            first = dt.date(year, int(month), 1)
            after = dt.date(year + first.month // 12, first.month % 12 + 1, 1)
        else:
            first = dt.date(year, 1, 1)
            after = dt.date(year + 1, 1, 1)
    except (ValueError, OverflowError):
        raise ValueError(f"{text!r} {hint}") from None
    return DateBound(text, first, after)


# -- events -----------------------------------------------------------------------------------

EVENT_FIELDS = (
    "e.id, e.article_id, e.sentence_index, e.sentence, e.sentence_start, e.date, "
    "e.date_precision, e.source, e.source_country, e.source_name, e.source_start, e.source_end, "
    "e.target, e.target_country, e.target_name, e.target_start, e.target_end, e.code, e.root, "
    "e.quad_class, e.goldstein, e.plover, e.plover_mode, e.modality, e.place, e.place_country, "
    "e.trigger, e.trigger_start, e.trigger_end, e.asserted_by, e.cited_sources, e.confidence, "
    "e.coder_version")


@dataclass
class EventFilters:
    """What to list.  ``actor``: an actor code or its prefix, or a country (RUS, RUSGOV);
    ``dyad``: two such, either direction; ``code``: CAMEO code or prefix; ``root``: two-digit
    CAMEO root; ``start``/``end``: event date bounds, inclusive (``2024-06`` takes all of
    June); ``actorless``: also events that name no actor."""

    actor: Optional[str] = None
    dyad: Optional[tuple[str, str]] = None
    code: Optional[str] = None
    root: Optional[str] = None
    quad: Optional[int] = None
    modality: Optional[str] = None
    start: Optional[DateBound] = None
    end: Optional[DateBound] = None
    actorless: bool = False
    article_id: Optional[str] = None
    extra: dict[str, Any] = field(default_factory=dict)

    def where(self) -> tuple[str, list[Any]]:
        conds, params = ["TRUE"], []
        if not self.actorless:
            conds.append("(e.source IS NOT NULL OR e.target IS NOT NULL)")
        if self.actor:
            conds.append("(e.source LIKE ? OR e.target LIKE ? OR e.source_country = ? "
                         "OR e.target_country = ?)")
            params += [self.actor + "%", self.actor + "%", self.actor, self.actor]
        if self.dyad:
            a, b = self.dyad
            side = "coalesce(e.{0}_country, e.{0})"
            s, t = side.format("source"), side.format("target")
            conds.append(f"(({s} LIKE ? AND {t} LIKE ?) OR ({s} LIKE ? AND {t} LIKE ?))")
            params += [a + "%", b + "%", b + "%", a + "%"]
        if self.code:
            conds.append("e.code LIKE ?")
            params.append(self.code + "%")
        if self.root:
            conds.append("e.root = ?")
            params.append(self.root)
        if self.quad:
            conds.append("e.quad_class = ?")
            params.append(self.quad)
        if self.modality:
            conds.append("e.modality = ?")
            params.append(self.modality)
        if self.start:
            conds.append("e.date >= ?")
            params.append(self.start.text)
        if self.end:
            # "2024-06" must include "2024-06-30": compare against the bound padded to its end.
            conds.append("e.date <= ?")
            params.append(self.end.text + "\uffff")
        if self.article_id:
            conds.append("e.article_id = ?")
            params.append(self.article_id)
        return " AND ".join(conds), params


def merge_join(con) -> tuple[str, str]:
    """(JOIN clause, merged-id expression): events gain their merged event's id once merging
    has created its tables, NULL before."""
    if has_table(con, "event_merge_members"):
        return ("LEFT JOIN event_merge_members m ON m.event_id = e.id", "m.merged_id")
    return ("", "NULL::VARCHAR")


def event_query(con, f: EventFilters, joined: bool = True) -> tuple[str, list[Any]]:
    """SELECT of the filtered events, newest first (undated last, then in text order); with
    ``joined``, also their article's title, outlet and URL and their merged event id."""
    where, params = f.where()
    order = "ORDER BY e.date DESC NULLS LAST, e.article_id, e.sentence_index, e.id"
    if not joined:  # the events' own columns: no article or merge lookup for every row
        return f"SELECT {EVENT_FIELDS} FROM events e WHERE {where} {order}", params
    join, merged = merge_join(con)
    sql = (f"SELECT {EVENT_FIELDS}, {merged} AS merged_id, a.title AS article_title, "
           f"a.outlet AS outlet, a.url AS article_url "
           f"FROM events e LEFT JOIN articles a ON a.id = e.article_id {join} "
           f"WHERE {where} {order}")
    return sql, params


def _page(sql: str, params: list[Any], limit: Optional[int], offset: int) -> tuple[str, list[Any]]:
    if limit is None:
        return (sql + " OFFSET ?", params + [offset]) if offset else (sql, params)
    return sql + " LIMIT ? OFFSET ?", params + [limit, offset]


def count_events(con, f: EventFilters) -> int:
    where, params = f.where()
    return con.execute(f"SELECT count(*) FROM events e WHERE {where}", params).fetchall()[0][0]


def list_events(con, f: EventFilters, limit: Optional[int], offset: int = 0,
                joined: bool = True) -> list[Row]:
    """The filtered events as dicts (columns of :func:`event_query`); ``limit=None``: all."""
    sql, params = _page(*event_query(con, f, joined), limit, offset)
    return rows(con, sql, params)


def events_arrow(con, f: EventFilters, limit: Optional[int], offset: int = 0):
    """As :func:`list_events`, as a pyarrow Table."""
    sql, params = _page(*event_query(con, f), limit, offset)
    # A relation, not an execute() result: DuckDB builds the Arrow table without a row copy.
    return con.sql(sql, params=params).to_arrow_table()
