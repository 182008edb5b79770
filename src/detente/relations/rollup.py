"""Dyad-month rollups: merged events, and reports, aggregated once per pair of parties, month and
modality, with each group's best events, so that a dyad series reads a few hundred small rows
instead of every event of the dyad (a busy dyad has hundreds of thousands).

Tables (store migrations 3 and 4): ``dyad_periods`` (merged events) and
``dyad_report_periods`` (reports), one row per (pair, month, modality) of events with a day;
``dyad_period_tops`` and ``dyad_report_period_tops``, the group's ``TOP_KEPT`` best events with
every field a series shows of them (:data:`detente.relations.common.SUMMARY_NAMES`), so that a
series reads the rollup alone: reading a few hundred picked events back from a table of
millions cost more than the rest of the series.  Those fields are one JSON array (``fields``,
in the order of :data:`TOP_FIELDS`) rather than twenty-odd columns: DuckDB decodes every column
of the row-group stretch it reads, and a series reads a dyad's whole stretch to pick its best
events, so one column costs a third of what the columns did; an array rather than an object
because the names would be most of its size.

* ``pair`` is the unordered pair of parties (country, or actor code) as merge blocks name it
  (``'CHN|USA'``: a block without its root), so a series selects exactly the rows its raw query
  selects;
* the sums a series needs (events, reports, quad classes, scored events, Goldstein sum and sum
  of magnitudes, first and last day) add up exactly over months and modalities;
* the best events are ranked by :func:`detente.relations.common.rank_sql`.  The best k events
  of a period (k <= TOP_KEPT) are among the best k of each of its groups, so the period's top
  events are the best k of the groups' lists: the same events the raw query picks, because the
  ranking key is made of the events' own fields (score, reports, day, id).

They serve the common series (undirected, any modalities, month, quarter or year, periods of
whole months, at most ``TOP_KEPT`` top events, no dimension or root filter); anything else is
aggregated from ``merged_events`` / ``events`` as before.  Goldstein sums are added in another
order than the raw query adds them, so they agree to rounding (1e-12), not bit for bit.

Freshness: :func:`detente.relations.merge.merge_events` rebuilds the rows of every pair whose
blocks it re-merged or whose merged events it updated in place (outlets recounted when an
article gained a source), right after its transaction commits, and records in
``rollup_state`` the state of each source it reflects: the row count of ``merged_events``; for
reports, the row count of ``events`` and the latest ``coded_articles.coded_at`` (re-coding an
article stamps it).  A series uses a rollup only while that state is current (counts DuckDB
keeps, and one small max; checked once per read-only Store, which no one can write while it is
open), so a store whose merged events were written some other way (a store migrated from
version 2 or 3 before its next merge, a lake import) or whose reports changed since the last
merge (an ingest without merging) is aggregated from the tables instead of read from stale
sums.  Code that writes ``merged_events`` or ``events`` without going through the store's and
the merge's functions should call :func:`refresh_rollups` afterwards.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Optional

import duckdb

from .common import SUMMARY_NAMES, EventSummary, lit, lit_list, rank_struct_sql, summary_exprs

STATE = "rollup_state"
# Best events kept per (pair, month, modality): series ask for 3 by default, the brief's trend
# section for 10.
TOP_KEPT = 10
ROLLUP_FREQS = ("month", "quarter", "year")
# The fields of a best event kept in its ``fields`` array, in order: all a series shows but the
# id and modality, which are columns of their own.
TOP_FIELDS = tuple(n for n in SUMMARY_NAMES if n not in ("id", "modality"))

MONTH_SQL = "(year(event_day) * 12 + month(event_day) - 1)"
# A month number (year * 12 + month - 1) as the period keys of detente.relations.series.
MONTH_BUCKETS = {"month": "month", "quarter": "(month // 3)", "year": "(month // 12)"}
# The pair of a merged event: its block without the root.
PAIR_SQL = "split_part(block, '|', 1) || '|' || split_part(block, '|', 2)"
_SP = "coalesce(source_country, source, '-')"
_TP = "coalesce(target_country, target, '-')"


@dataclass(frozen=True)
class Rollup:
    """One rollup: its tables, what it sums (``source``, merged events or reports), how a
    row's pair and report count read."""

    table: str        # sums per (pair, month, modality)
    tops: str         # best events per (pair, month, modality)
    source: str
    pair: str
    n_reports: str
    merged: bool

    def select(self, condition: str = "TRUE") -> str:
        """One pass over the source: the sums and the list of best events of every group."""
        rank = rank_struct_sql(self.n_reports)
        quads = ", ".join(f"coalesce(sum((quad_class = {q})::INTEGER), 0) AS q{q}"
                          for q in (1, 2, 3, 4))
        return f"""
            SELECT {self.pair} AS pair, {MONTH_SQL} AS month, modality,
                   count(*) AS n_events, sum({self.n_reports}) AS n_reports, {quads},
                   count(goldstein) AS n_scored, coalesce(sum(goldstein), 0) AS gsum,
                   coalesce(sum(abs(goldstein)), 0) AS gabs,
                   min(event_day) AS first_day, max(event_day) AS last_day,
                   max_by({rank}, {rank}, {TOP_KEPT}) AS top
            FROM {self.source}
            WHERE event_day IS NOT NULL AND modality IS NOT NULL AND {condition}
            GROUP BY ALL"""


# Merged events, and single reports (``reports=True`` series).
MERGED = Rollup("dyad_periods", "dyad_period_tops", "merged_events", PAIR_SQL, "n_reports",
                merged=True)
REPORTS = Rollup("dyad_report_periods", "dyad_report_period_tops", "events",
                 f"least({_SP}, {_TP}) || '|' || greatest({_SP}, {_TP})", "1", merged=False)
ROLLUPS = (MERGED, REPORTS)
_COUNT_COLUMNS = ("pair, month, modality, n_events, n_reports, q1, q2, q3, q4, n_scored, gsum, "
                  "gabs, first_day, last_day")


def _stamp_sql(rollup: Rollup) -> str:
    """What a rollup must still match to be current: the row count of its source, and for
    reports the latest coding time (re-coding an article replaces its reports and stamps
    ``coded_articles``, even when it leaves as many reports as before)."""
    if rollup is REPORTS:
        return ("SELECT (SELECT count(*) FROM events), "
                "(SELECT max(coded_at) FROM coded_articles)")
    return "SELECT (SELECT count(*) FROM merged_events), NULL::TIMESTAMPTZ"


def refresh_rollups(con: duckdb.DuckDBPyConnection, pairs: Optional[str] = None) -> int:
    """Rebuild the rows of the pairs listed in the table ``pairs`` (one column, ``pair``), or
    of every pair when None, in both rollups, and record the state of their sources.  Returns
    the rows written.

    The best events are copied with their fields, so ``pairs`` must also name every pair
    whose merged events changed in place (merge_events lists the pairs it re-merged and those
    whose outlets or plan links it updated)."""
    written = 0
    for rollup in ROLLUPS:
        cond = "TRUE" if pairs is None else f"{rollup.pair} IN (SELECT pair FROM {pairs})"
        con.execute(f"CREATE OR REPLACE TEMP TABLE _rollup_new AS {rollup.select(cond)}")
        for table in (rollup.table, rollup.tops):
            con.execute(f"DELETE FROM {table}" if pairs is None else
                        f"DELETE FROM {table} WHERE pair IN (SELECT pair FROM {pairs})")
        # Sorted by pair, so a dyad's rows sit together and zone maps skip the others.
        con.execute(f"INSERT INTO {rollup.table} SELECT {_COUNT_COLUMNS} FROM _rollup_new "
                    "ORDER BY pair, month, modality")
        # The picked events' fields, found by id: one join, cheaper than carrying thirty
        # fields through max_by for every event of the source.
        con.execute(f"""
            INSERT INTO {rollup.tops} BY NAME
            SELECT n.pair, n.month, s.modality, n.rank, n.pos, n.id,
                   {_fields_sql(rollup)} AS fields
            FROM (SELECT pair, month, t.rank AS rank, t.id AS id, pos
                  FROM (SELECT pair, month, unnest(list_reverse_sort(top)) AS t,
                               generate_subscripts(top, 1) AS pos
                        FROM _rollup_new)) n
            JOIN {rollup.source} s ON s.id = n.id
            ORDER BY n.pair, n.month, s.modality, n.rank DESC, n.id DESC""")
        written += con.execute("SELECT count(*) FROM _rollup_new").fetchall()[0][0]
        con.execute("DROP TABLE _rollup_new")
        rows, stamp = con.execute(_stamp_sql(rollup)).fetchall()[0]
        con.execute(f"INSERT OR REPLACE INTO {STATE} (name, source_rows, source_stamp, built_at) "
                    "VALUES (?, ?, ?, current_timestamp)", [rollup.table, rows, stamp])
    return written


def _fields_sql(rollup: Rollup) -> str:
    """The JSON ``fields`` of a best event (:data:`TOP_FIELDS`) from its row ``s`` of the
    source."""
    exprs = dict(summary_exprs(rollup.merged, "s."))
    return f"json_array({', '.join(exprs[name] for name in TOP_FIELDS)})::VARCHAR"


def rollups_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether both rollups still reflect their sources (what merge_events checks before
    updating them pair by pair)."""
    return all(rollup_current(con, r) for r in ROLLUPS)


def rollup_current(con: duckdb.DuckDBPyConnection, rollup: Rollup = MERGED) -> bool:
    """Whether ``rollup`` reflects its source as it is now (see the module's docstring)."""
    try:
        row = con.execute(f"""
            SELECT s.source_rows = now.n AND s.source_stamp IS NOT DISTINCT FROM now.stamp
            FROM {STATE} s, ({_stamp_sql(rollup)}) now(n, stamp)
            WHERE s.name = {lit(rollup.table)}""").fetchall()
    except duckdb.CatalogException:  # a store before migration 3, or a Parquet lake
        return False
    return bool(row and row[0][0])


def _conditions(pair: str, modalities: tuple[str, ...], first_month: Optional[int],
                last_month: Optional[int]) -> str:
    conds = [f"pair = {lit(pair)}", f"modality IN {lit_list(modalities)}"]
    if first_month is not None:
        conds.append(f"month >= {int(first_month)}")
    if last_month is not None:
        conds.append(f"month <= {int(last_month)}")
    return " AND ".join(conds)


def rollup_series_sql(rollup: Rollup, pair: str, modalities: tuple[str, ...], freq: str,
                      first_month: Optional[int], last_month: Optional[int]) -> str:
    """The per-period counts of detente.relations.series.dyad_series read from a rollup: the
    same columns as its raw aggregation, without the top events (:func:`rollup_tops_sql`).
    Sums as BIGINT: DuckDB sums integers as HUGEINT, which converts to Python more slowly."""
    where = _conditions(pair, modalities, first_month, last_month)
    return f"""
        SELECT {MONTH_BUCKETS[freq]} AS period, sum(n_events)::BIGINT AS n_events,
               sum(n_reports)::BIGINT AS n_reports, sum(q1)::BIGINT AS q1,
               sum(q2)::BIGINT AS q2, sum(q3)::BIGINT AS q3, sum(q4)::BIGINT AS q4,
               sum(gsum) AS gsum, sum(gsum) / nullif(sum(n_scored), 0) AS gmean,
               sum(gsum) / nullif(sum(gabs), 0) AS ncoop
        FROM {rollup.table} WHERE {where} GROUP BY 1 ORDER BY 1"""


def rollup_tops_sql(rollup: Rollup, pair: str, modalities: tuple[str, ...], freq: str,
                    top: int, first_month: Optional[int], last_month: Optional[int]) -> str:
    """The candidates for each period's ``top`` best events from a rollup, one row each (``key``
    the period, ``id``, ``modality``, ``fields``), best first within a period: the best
    ``top`` of each of its groups, of which :func:`rollup_events` keeps the first ``top``.
    Flat rows picked in Python: DuckDB hands nested lists (max_by) to Python several times
    slower, and a window (row_number) costs it more than the whole query does without."""
    where = _conditions(pair, modalities, first_month, last_month)
    return f"""
        SELECT {MONTH_BUCKETS[freq]} AS key, id, modality, fields FROM {rollup.tops}
        WHERE {where} AND pos <= {int(top)}
        ORDER BY key, rank DESC, id DESC"""


def rollup_events(rows: list[tuple], top: int) -> list[tuple[Any, EventSummary]]:
    """``(key, event)`` for the first ``top`` rows of each key of :func:`rollup_tops_sql`, in
    their order."""
    kept = []
    last, n = None, 0
    for row in rows:
        if row[0] != last:
            last, n = row[0], 0
        if n < top:
            kept.append(row)
            n += 1
    if not kept:
        return []
    # One parse for all: json.loads per event costs twice as much.
    fields = json.loads("[" + ",".join(row[3] for row in kept) + "]")
    day = dt.date.fromisoformat
    out = []
    for (key, event_id, modality, _), values in zip(kept, fields):
        data = dict(zip(TOP_FIELDS, values))
        data["id"], data["modality"] = event_id, modality
        if data["event_day"] is not None:
            data["event_day"] = day(data["event_day"])
        out.append((key, EventSummary.from_fields(data)))
    return out


def month_number(day: Any) -> int:
    return day.year * 12 + day.month - 1
