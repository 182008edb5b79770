"""Dyad-month rollups: merged events, and reports, aggregated once per pair of parties, month and
modality, with each group's best events, so that a dyad series reads a few hundred small rows
instead of every event of the dyad (a busy dyad has hundreds of thousands).

Tables (store migration 3): ``dyad_periods`` (merged events) and ``dyad_report_periods``
(reports), one row per (pair, month, modality) of events with a day; ``dyad_period_tops`` and
``dyad_report_period_tops``, the group's ``TOP_KEPT`` best events.

* ``pair`` is the unordered pair of parties (country, or actor code) as merge blocks name it
  (``'CHN|USA'``: a block without its root), so a series selects exactly the rows its raw query
  selects;
* the sums a series needs (events, reports, quad classes, scored events, Goldstein sum and sum
  of magnitudes, first and last day) add up exactly over months and modalities;
* the best events are ranked by :func:`detente.relations.common.rank_sql`.  The best k events
  of a period (k <= TOP_KEPT) are among the best k of each of its groups, so the period's top
  events are the best k of the groups' lists: the same events the raw query picks, because the
  ranking key is made of the events' own fields (score, reports, day, id).  A merged event also
  keeps its row's position (``locator``) so it can be read without searching for its id.

They serve the common series (undirected, any modalities, month, quarter or year, periods of
whole months, at most ``TOP_KEPT`` top events, no dimension or root filter); anything else is
aggregated from ``merged_events`` / ``events`` as before.  Goldstein sums are added in another
order than the raw query adds them, so they agree to rounding (1e-12), not bit for bit.

Freshness: :func:`detente.relations.merge.merge_events` rebuilds the rows of every pair whose
blocks it re-merged, right after its transaction commits, and records in ``rollup_state`` the
state of each source it reflects: the row count of ``merged_events``; for reports, the row
count of ``events`` and the latest ``coded_articles.coded_at`` (re-coding an article stamps
it).  A series uses a rollup only while that state is current (counts DuckDB keeps, and one
small max), so a store whose merged events were written some other way (a store migrated from
version 2 before its next merge, a lake import) or whose reports changed since the last merge
(an ingest without merging) is aggregated from the tables instead of read from stale sums.
Code that writes ``merged_events`` or ``events`` without going through the store's and the
merge's functions should call :func:`refresh_rollups` afterwards.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import duckdb

from .common import lit, lit_list, rank_value_sql

STATE = "rollup_state"
# Best events kept per (pair, month, modality): series ask for 3 by default, the brief's trend
# section for 10.
TOP_KEPT = 10
ROLLUP_FREQS = ("month", "quarter", "year")

MONTH_SQL = "(year(event_day) * 12 + month(event_day) - 1)"
# A month number (year * 12 + month - 1) as the period keys of detente.relations.series.
MONTH_BUCKETS = {"month": "month", "quarter": "(month // 3)", "year": "(month // 12)"}
# The pair of a merged event: its block without the root.
PAIR_SQL = "split_part(block, '|', 1) || '|' || split_part(block, '|', 2)"
_SP = "coalesce(source_country, source, '-')"
_TP = "coalesce(target_country, target, '-')"


@dataclass(frozen=True)
class Rollup:
    """One rollup: its tables, what it sums (``source``), how a row's pair and report count
    read, and whether its top events keep a locator (see :func:`refresh_rollups`)."""

    table: str        # sums per (pair, month, modality)
    tops: str         # best events per (pair, month, modality)
    source: str
    pair: str
    n_reports: str
    locate: bool

    def select(self, condition: str = "TRUE") -> str:
        """One pass over the source: the sums and the list of best events of every group."""
        rank = f"struct_pack(rank := {rank_value_sql(self.n_reports)}, id := id)"
        best = (f"struct_pack(rank := {rank_value_sql(self.n_reports)}, id := id, "
                f"locator := {'rowid' if self.locate else 'NULL::BIGINT'})")
        quads = ", ".join(f"coalesce(sum((quad_class = {q})::INTEGER), 0) AS q{q}"
                          for q in (1, 2, 3, 4))
        return f"""
            SELECT {self.pair} AS pair, {MONTH_SQL} AS month, modality,
                   count(*) AS n_events, sum({self.n_reports}) AS n_reports, {quads},
                   count(goldstein) AS n_scored, coalesce(sum(goldstein), 0) AS gsum,
                   coalesce(sum(abs(goldstein)), 0) AS gabs,
                   min(event_day) AS first_day, max(event_day) AS last_day,
                   max_by({best}, {rank}, {TOP_KEPT}) AS top
            FROM {self.source}
            WHERE event_day IS NOT NULL AND modality IS NOT NULL AND {condition}
            GROUP BY ALL"""


# Merged events, and single reports (``reports=True`` series).  Merged top events keep their
# row's position as a locator: reading a few hundred rows of the dyad by position costs half
# what finding them by id does.  Reports are stored in ingest order, so a dyad's top reports
# are scattered over the whole table and neither helps much; they are found by id.
MERGED = Rollup("dyad_periods", "dyad_period_tops", "merged_events", PAIR_SQL, "n_reports",
                locate=True)
REPORTS = Rollup("dyad_report_periods", "dyad_report_period_tops", "events",
                 f"least({_SP}, {_TP}) || '|' || greatest({_SP}, {_TP})", "1", locate=False)
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

    Run it after the transaction that wrote the sources has committed (merge_events does):
    rows written in an open transaction have provisional positions, and the locators kept for
    merged top events must be the committed ones.  A locator can still go stale when a later
    checkpoint compacts the table; readers check the id found there (:func:`fetch_tops`)."""
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
        con.execute(f"""
            INSERT INTO {rollup.tops}
            SELECT pair, month, modality, t.rank, t.id, t.locator
            FROM (SELECT pair, month, modality, unnest(top) AS t FROM _rollup_new)
            ORDER BY pair, month, modality, t.rank DESC, t.id DESC""")
        written += con.execute("SELECT count(*) FROM _rollup_new").fetchall()[0][0]
        con.execute("DROP TABLE _rollup_new")
        rows, stamp = con.execute(_stamp_sql(rollup)).fetchall()[0]
        con.execute(f"INSERT OR REPLACE INTO {STATE} (name, source_rows, source_stamp, built_at) "
                    "VALUES (?, ?, ?, current_timestamp)", [rollup.table, rows, stamp])
    return written


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
                      top: int, first_month: Optional[int], last_month: Optional[int]) -> str:
    """The per-period aggregation of detente.relations.series.dyad_series read from a rollup:
    the same columns as its raw aggregation, ``picks`` being each period's ``top`` best events
    (id and locator, best first)."""
    where = _conditions(pair, modalities, first_month, last_month)
    bucket = MONTH_BUCKETS[freq]
    picks = (f"""LEFT JOIN (
            SELECT {bucket} AS period,
                   max_by(struct_pack(id := id, locator := locator),
                          struct_pack(rank := rank, id := id), {int(top)}) AS picks
            FROM {rollup.tops} WHERE {where} GROUP BY 1) p USING (period)"""
             if top > 0 else "")
    return f"""
        SELECT c.*{', p.picks' if top > 0 else ''} FROM (
            SELECT {bucket} AS period, sum(n_events) AS n_events,
                   sum(n_reports) AS n_reports, sum(q1) AS q1, sum(q2) AS q2, sum(q3) AS q3,
                   sum(q4) AS q4, sum(gsum) AS gsum,
                   sum(gsum) / nullif(sum(n_scored), 0) AS gmean,
                   sum(gsum) / nullif(sum(gabs), 0) AS ncoop,
                   min(first_day) AS first_day, max(last_day) AS last_day
            FROM {rollup.table} WHERE {where} GROUP BY 1) c
        {picks}
        ORDER BY c.period"""


def month_number(day: Any) -> int:
    return day.year * 12 + day.month - 1
