"""SQL the web layer runs itself (the analytics come from :mod:`detente.relations`, the event
listing from :mod:`detente.events.query`).

Every value from a request is bound as a ``?`` parameter; the only text spliced into SQL is
column lists and conditions written here.  Each function takes a cursor from the read pool.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Optional

import duckdb

# The event listing is the Python API's (``detente events`` runs the same query); the web
# layer uses it from here like its own queries.
from ..events.query import (EVENT_FIELDS, DateBound, EventFilters, Row, count_events,  # noqa: F401
                            event_query, events_arrow, has_table, list_events, merge_join, rows)


def one(con: duckdb.DuckDBPyConnection, sql: str, params: Optional[list[Any]] = None) -> Optional[Row]:
    found = rows(con, sql, params)
    return found[0] if found else None


def like_pattern(text: str) -> str:
    """``%text%`` with LIKE's own wildcards escaped, so a search for '50%' means 50%."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def has_merged(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether merging has run: analytics count merged events then, reports otherwise."""
    return bool(con.execute("SELECT EXISTS (SELECT 1 FROM merged_events)").fetchall()[0][0])


# -- articles ------------------------------------------------------------------------------

@dataclass
class ArticleFilters:
    q: Optional[str] = None
    outlet: Optional[str] = None
    start: Optional[DateBound] = None
    end: Optional[DateBound] = None

    def where(self) -> tuple[str, list[Any]]:
        conds, params = ["TRUE"], []
        if self.q:
            # Every word must occur (title or body), so "Putin Pyongyang" narrows, not widens.
            for word in self.q.split()[:8]:
                conds.append("(a.title ILIKE ? ESCAPE '\\' OR a.text ILIKE ? ESCAPE '\\')")
                params += [like_pattern(word)] * 2
        if self.outlet:
            conds.append("a.outlet = ?")
            params.append(self.outlet)
        if self.start:
            conds.append("a.published >= ?::TIMESTAMPTZ")
            params.append(self.start.first.isoformat())
        if self.end:
            conds.append("a.published < ?::TIMESTAMPTZ")
            params.append(self.end.after.isoformat())
        return " AND ".join(conds), params


def search_articles(con, f: ArticleFilters, limit: int, offset: int) -> tuple[int, list[Row]]:
    where, params = f.where()
    total = con.execute(f"SELECT count(*) FROM articles a WHERE {where}", params).fetchall()[0][0]
    found = rows(con, f"""
        SELECT a.id, a.title, a.outlet, a.date, a.url, a.canonical_id, a.n_chars,
               left(a.text, 280) AS snippet,
               (SELECT count(*) FROM events e WHERE e.article_id = a.id) AS n_events
        FROM articles a WHERE {where}
        ORDER BY a.published DESC NULLS LAST, a.id
        LIMIT ? OFFSET ?""", params + [limit, offset])
    return total, found


def outlets(con, limit: int = 200) -> list[Row]:
    return rows(con, """SELECT outlet, count(*) AS n FROM articles WHERE outlet IS NOT NULL
                        GROUP BY outlet ORDER BY n DESC, outlet LIMIT ?""", [limit])


def article(con, article_id: str) -> Optional[Row]:
    return one(con, """SELECT id, title, text, date, published, outlet, url, author, source_id,
                              source_format, lang, canonical_id, n_chars, ingested_at
                       FROM articles WHERE id = ?""", [article_id])


def article_sources(con, article_id: str) -> list[Row]:
    return rows(con, """SELECT outlet, url, title, date, source_id, seen_at FROM article_sources
                        WHERE article_id = ? ORDER BY seen_at, outlet, url""", [article_id])


def near_copies(con, article_id: str) -> list[Row]:
    return rows(con, """SELECT id, title, outlet, date FROM articles
                        WHERE canonical_id = ? AND id <> ? ORDER BY published NULLS LAST, id""",
                [article_id, article_id])


# -- events --------------------------------------------------------------------------------

def article_events(con, article_id: str) -> list[Row]:
    return list_events(con, EventFilters(article_id=article_id, actorless=True), 10_000, 0)


def event_reports(con, event_id: str) -> tuple[Optional[Row], list[Row]]:
    """A merged event (by its id, or by the id of one of its reports) and all its reports.
    A report the merge has not seen yet comes back alone, with no merged row."""
    merged = None
    if has_table(con, "merged_events"):
        merged = one(con, "SELECT * FROM merged_events WHERE id = ?", [event_id])
        if merged is None:
            merged = one(con, """SELECT me.* FROM event_merge_members m
                                 JOIN merged_events me ON me.id = m.merged_id
                                 WHERE m.event_id = ?""", [event_id])
    join, merged_col = merge_join(con)
    base = (f"SELECT {EVENT_FIELDS}, {merged_col} AS merged_id, a.title AS article_title, "
            f"a.outlet AS outlet, a.url AS article_url, a.date AS published "
            f"FROM events e LEFT JOIN articles a ON a.id = e.article_id {join} ")
    if merged is not None:
        reports = rows(con, base + "WHERE m.merged_id = ? ORDER BY a.published NULLS LAST, e.id",
                       [merged["id"]])
    else:
        reports = rows(con, base + "WHERE e.id = ?", [event_id])
    return merged, reports


# -- home page ------------------------------------------------------------------------------

def latest_events(con, limit: int = 15) -> list[Row]:
    """The latest dated events between two named parties (merged when merging has run)."""
    table = "merged_events" if has_merged(con) else "events"
    n = "n_reports" if table == "merged_events" else "1"
    return rows(con, f"""
        SELECT id, date, source, target, source_country, target_country, source_name,
               target_name, code, quad_class, goldstein, modality, sentence, article_id,
               {n} AS n_reports
        FROM {table}
        WHERE event_day IS NOT NULL AND source IS NOT NULL AND target IS NOT NULL
          AND coalesce(source_country, source) <> coalesce(target_country, target)
          AND modality IN ('occurred', 'claimed')
          AND event_day <= (SELECT max(published)::DATE + 1 FROM articles)
        ORDER BY event_day DESC, {n} DESC, id LIMIT ?""", [limit])


def moving_dyads(con, limit: int = 10, recent_days: int = 90) -> list[Row]:
    """Country pairs whose relationship moved most lately.

    "Lately" ends at the store's newest event (a historical corpus has no "now"), ``recent``
    is its last ``recent_days`` and ``before`` the year preceding it.  Movement is the change
    of the net cooperation index between the two, times log(1 + recent events), so a swing
    on one remark does not outrank a sustained change; pairs new in the recent window count
    their index as the change."""
    table = "merged_events" if has_merged(con) else "events"
    return rows(con, f"""
        WITH ev AS (
            SELECT least(source_country, target_country) AS a,
                   greatest(source_country, target_country) AS b, event_day, goldstein
            FROM {table}
            WHERE event_day IS NOT NULL AND source_country IS NOT NULL
              AND target_country IS NOT NULL AND source_country <> target_country
              AND modality IN ('occurred', 'claimed')
              AND event_day <= (SELECT max(published)::DATE + 1 FROM articles)
        ), edge AS (SELECT max(event_day) AS last_day FROM ev),
        agg AS (
            SELECT a, b,
                   count(*) FILTER (WHERE event_day > last_day - {int(recent_days)}) AS n_recent,
                   sum(goldstein) FILTER (WHERE event_day > last_day - {int(recent_days)})
                     / nullif(sum(abs(goldstein)) FILTER (WHERE event_day > last_day - {int(recent_days)}), 0)
                     AS nc_recent,
                   count(*) FILTER (WHERE event_day <= last_day - {int(recent_days)}) AS n_before,
                   sum(goldstein) FILTER (WHERE event_day <= last_day - {int(recent_days)})
                     / nullif(sum(abs(goldstein)) FILTER (WHERE event_day <= last_day - {int(recent_days)}), 0)
                     AS nc_before
            FROM ev, edge
            WHERE event_day > last_day - {int(recent_days) + 365}
            GROUP BY a, b
        )
        SELECT a, b, n_recent, n_before, nc_recent, nc_before,
               coalesce(nc_recent, 0) - coalesce(nc_before, 0) AS change,
               abs(coalesce(nc_recent, 0) - coalesce(nc_before, 0)) * ln(1 + n_recent) AS movement
        FROM agg WHERE n_recent > 0
        ORDER BY movement DESC, n_recent DESC, a, b LIMIT ?""", [limit])


def active_countries(con, limit: int = 24) -> list[Row]:
    table = "merged_events" if has_merged(con) else "events"
    return rows(con, f"""
        SELECT c AS country, count(*) AS n FROM (
            SELECT source_country AS c FROM {table} WHERE source_country IS NOT NULL
            UNION ALL
            SELECT target_country FROM {table} WHERE target_country IS NOT NULL)
        GROUP BY c ORDER BY n DESC, c LIMIT ?""", [limit])


# -- country page ---------------------------------------------------------------------------

def country_trend(con, code: str, freq: str = "month") -> list[Row]:
    """Per period: the country's cooperative and conflictual events with anyone, and its net
    cooperation index (occurred and claimed events, as the relations analyses count)."""
    if freq not in ("week", "month", "quarter", "year"):
        raise ValueError(freq)
    table = "merged_events" if has_merged(con) else "events"
    return rows(con, f"""
        SELECT date_trunc('{freq}', event_day)::DATE AS period, count(*) AS n,
               count(*) FILTER (WHERE quad_class IN (1, 2)) AS cooperation,
               count(*) FILTER (WHERE quad_class IN (3, 4)) AS conflict,
               sum(goldstein) / nullif(sum(abs(goldstein)), 0) AS net_coop
        FROM {table}
        WHERE event_day IS NOT NULL AND modality IN ('occurred', 'claimed')
          AND (source_country = ? OR target_country = ?)
          AND coalesce(source_country, '') <> coalesce(target_country, '')
          AND event_day <= (SELECT max(published)::DATE + 1 FROM articles)
        GROUP BY 1 ORDER BY 1""", [code, code])


def country_events(con, code: str, limit: int = 20) -> list[Row]:
    table = "merged_events" if has_merged(con) else "events"
    n = "n_reports" if table == "merged_events" else "1"
    return rows(con, f"""
        SELECT id, date, source, target, source_country, target_country, code, quad_class,
               goldstein, modality, sentence, article_id, {n} AS n_reports
        FROM {table}
        WHERE (source_country = ? OR target_country = ?)
        ORDER BY event_day DESC NULLS LAST, {n} DESC, id LIMIT ?""", [code, code, limit])


def actor_in_store(con, code: str) -> bool:
    """Whether any stored event names this actor code (or one it prefixes)."""
    return bool(con.execute(
        "SELECT EXISTS (SELECT 1 FROM events WHERE source LIKE ? OR target LIKE ?)",
        [code + "%", code + "%"]).fetchall()[0][0])


def dyad_events(con, a: str, b: str, *, dimension: Optional[str], start: Optional[dt.date],
                end: Optional[dt.date], limit: int, offset: int) -> tuple[int, list[Row]]:
    """Events between two parties, either direction, newest first (merged when available)."""
    merged = has_merged(con)
    table = "merged_events" if merged else "events"
    n = "n_reports" if merged else "1"
    conds = ["((coalesce(source_country, source) = ? AND coalesce(target_country, target) = ?) "
             "OR (coalesce(source_country, source) = ? AND coalesce(target_country, target) = ?))"]
    params: list[Any] = [a, b, b, a]
    if dimension and merged:
        conds.append("list_contains(dimensions, ?)")
        params.append(dimension)
    if start:
        conds.append("event_day >= ?")
        params.append(start)
    if end:
        conds.append("event_day <= ?")
        params.append(end)
    where = " AND ".join(conds)
    total = con.execute(f"SELECT count(*) FROM {table} WHERE {where}", params).fetchall()[0][0]
    found = rows(con, f"""
        SELECT id, date, source, target, source_country, target_country, source_name,
               target_name, code, quad_class, goldstein, modality, sentence, article_id,
               {n} AS n_reports
        FROM {table} WHERE {where}
        ORDER BY event_day DESC NULLS LAST, {n} DESC, id LIMIT ? OFFSET ?""",
                 params + [limit, offset])
    return total, found


def dyad_span(con, a: str, b: str) -> tuple[Optional[dt.date], Optional[dt.date]]:
    """First and last day of the dyad's dated occurred or claimed events."""
    table = "merged_events" if has_merged(con) else "events"
    row = con.execute(f"""
        SELECT min(event_day), max(event_day) FROM {table}
        WHERE event_day IS NOT NULL AND modality IN ('occurred', 'claimed')
          AND ((coalesce(source_country, source) = ? AND coalesce(target_country, target) = ?)
            OR (coalesce(source_country, source) = ? AND coalesce(target_country, target) = ?))""",
                      [a, b, b, a]).fetchall()[0]
    return row[0], row[1]
