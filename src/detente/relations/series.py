"""Dyad series: how a pair of countries' events move, period by period.

One aggregation in DuckDB per call (counts by quad class, Goldstein sum and mean, the net
cooperation index, each period's top events), then one read of the picked events; or, for the
common series, two small queries on the dyad-month rollups (detente.relations.rollup), which
hold the sums and the best events with their fields.  Periods with no events are kept (zero
counts, ``net_coop`` None) so the series is regular.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Optional

from .common import (DEFAULT_MODALITIES, EventSummary, EventTable, RelationsError, Source,
                     check_modalities, check_party, in_sql, lit, lit_list, net_coop_sql,
                     parse_day, party_sql, rank_key, rank_sql, symmetric_sql)
from .rollup import (MERGED, REPORTS, ROLLUP_FREQS, TOP_KEPT, Rollup, month_number,
                     rollup_current, rollup_events, rollup_series_sql,
                     rollup_tops_sql)

FREQS = ("day", "week", "month", "quarter", "year")
# Counts by quad class as sums of booleans: DuckDB evaluates these about four times faster than
# count(*) FILTER (...), which shows on a dyad with half a million reports.
QUAD_COUNTS = ", ".join(f"coalesce(sum((quad_class = {q})::INTEGER), 0) AS q{q}"
                        for q in (1, 2, 3, 4))


@dataclass
class Period:
    """One period of a dyad series.  ``end`` is exclusive."""

    start: dt.date
    end: dt.date
    label: str
    n_events: int = 0          # merged events (or reports, with reports=True)
    n_reports: int = 0         # reports behind them
    verbal_coop: int = 0       # quad class 1
    material_coop: int = 0     # 2
    verbal_conflict: int = 0   # 3
    material_conflict: int = 0  # 4
    goldstein_sum: float = 0.0
    goldstein_mean: Optional[float] = None
    net_coop: Optional[float] = None
    top_events: list[EventSummary] = field(default_factory=list)

    @property
    def cooperation(self) -> int:
        return self.verbal_coop + self.material_coop

    @property
    def conflict(self) -> int:
        return self.verbal_conflict + self.material_conflict

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["start"], out["end"] = self.start.isoformat(), self.end.isoformat()
        out["top_events"] = [e.to_dict() for e in self.top_events]
        return out


def period_start(day: dt.date, freq: str) -> dt.date:
    if freq == "day":
        return day
    if freq == "week":
        return day - dt.timedelta(days=day.weekday())  # ISO weeks start on Monday, as DuckDB's
    if freq == "month":
        return day.replace(day=1)
    if freq == "quarter":
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return dt.date(day.year, 1, 1)


def next_period(start: dt.date, freq: str) -> dt.date:
    if freq == "day":
        return start + dt.timedelta(days=1)
    if freq == "week":
        return start + dt.timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[freq]
    m = start.month - 1 + months
    return dt.date(start.year + m // 12, m % 12 + 1, 1)


def period_label(start: dt.date, freq: str) -> str:
    if freq == "day":
        return start.isoformat()
    if freq == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if freq == "month":
        return start.strftime("%Y-%m")
    if freq == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


def bucket_sql(freq: str) -> str:
    """SQL for an event's period.  Months, quarters and years as integers (DuckDB groups them
    faster than truncated dates); :func:`bucket_start` turns them back into first days."""
    if freq == "month":
        return "(year(event_day) * 12 + month(event_day) - 1)"
    if freq == "quarter":
        return "(year(event_day) * 4 + quarter(event_day) - 1)"
    if freq == "year":
        return "year(event_day)"
    return f"date_trunc('{freq}', event_day)::DATE"


def bucket_start(key: Any, freq: str) -> dt.date:
    if freq == "month":
        return dt.date(key // 12, key % 12 + 1, 1)
    if freq == "quarter":
        return dt.date(key // 4, 3 * (key % 4) + 1, 1)
    if freq == "year":
        return dt.date(key, 1, 1)
    return key


def check_freq(freq: str) -> str:
    if freq not in FREQS:
        raise RelationsError(f"freq: {freq!r} is not one of {', '.join(FREQS)}")
    return freq


def dyad_filter(a: str, b: Optional[str], directed: bool) -> str:
    """SQL condition for events between ``a`` and ``b`` (``b`` None: ``a`` with anyone).

    Directed: ``a`` acting on ``b``, plus the symmetric acts (meetings, agreements, fighting)
    between them whichever way the report phrased them.
    """
    sp, tp = party_sql("source"), party_sql("target")
    if b is None:
        return f"({sp} = {lit(a)} OR {tp} = {lit(a)})"
    forward = f"({sp} = {lit(a)} AND {tp} = {lit(b)})"
    backward = f"({sp} = {lit(b)} AND {tp} = {lit(a)})"
    if directed:
        return f"({forward} OR ({backward} AND {symmetric_sql()}))"
    return f"({forward} OR {backward})"


def event_filter(t: EventTable, a: str, b: Optional[str], *, start: Optional[dt.date],
                 end: Optional[dt.date], directed: bool, modalities: Iterable[str],
                 dimension: Optional[str] = None, roots: Optional[Iterable[str]] = None) -> str:
    """WHERE clause shared by the series, shifts and reactions (``end`` inclusive)."""
    conds = ["event_day IS NOT NULL", f"modality IN {lit_list(tuple(modalities))}"]
    if b is not None and t.merged and "block" in t.columns:
        # Merged events are written block by block ('A|B|root', the unordered pair of parties
        # as party_sql reads them), so a range on block selects exactly the dyad's events and
        # lets DuckDB skip every row group of other dyads (zone maps).  A directed query
        # still checks who acted.
        lo, hi = sorted((a, b))
        conds.append(f"block >= {lit(f'{lo}|{hi}|')} AND block < {lit(f'{lo}|{hi}|~')}")
        if directed:
            conds.append(dyad_filter(a, b, directed))
    else:
        conds.append(dyad_filter(a, b, directed))
    if start:
        conds.append(f"event_day >= {lit(start)}")
    if end:
        conds.append(f"event_day <= {lit(end)}")
    if dimension:
        conds.append(dimension_sql(t, dimension))
    if roots is not None:
        roots = tuple(roots)
        bad = [r for r in roots if not (len(r) == 2 and r.isdigit() and 1 <= int(r) <= 20)]
        if bad or not roots:
            raise RelationsError(f"roots: {', '.join(bad) or 'none given'} (CAMEO roots are "
                                 "'01' to '20')")
        conds.append(f"root IN {lit_list(roots)}")
    return " AND ".join(conds)


def dimension_sql(t: EventTable, dimension: str) -> str:
    """Condition on an event's dimension.  Merged events carry theirs; for reports it is read
    from the merge's member table when the store has one (report-level tags)."""
    from .dimensions import DIMENSIONS, ECONOMIC_SUBTAGS

    known = set(DIMENSIONS) | {f"economic:{s}" for s in ECONOMIC_SUBTAGS}
    if dimension not in known:
        raise RelationsError(f"dimension: {dimension!r} is not one of {', '.join(sorted(known))}")
    if t.merged:
        return f"list_contains(dimensions, {lit(dimension)})"
    if t.con is None:
        raise RelationsError("dimension filters on reports need the store (the merge's member "
                             "table holds report dimensions)")
    return (f"id IN (SELECT event_id FROM event_merge_members "
            f"WHERE list_contains(dimensions, {lit(dimension)}))")


def dyad_series(source: Source, a: str, b: str, start: Any = None, end: Any = None,
                freq: str = "month", directed: bool = False, reports: bool = False,
                modalities: Iterable[str] = DEFAULT_MODALITIES, *, top: int = 3,
                dimension: Optional[str] = None, roots: Optional[Iterable[str]] = None,
                articles: bool = False, rollup: bool = True) -> list[Period]:
    """Per-period counts by quad class, Goldstein sum and mean, net cooperation index and the
    top events of the dyad ``a``-``b`` (``a`` towards ``b`` when ``directed``).

    ``start``/``end`` (inclusive; dates or ISO strings) default to the dyad's first and last
    event.  Counts merged events unless ``reports``.  ``top`` events per period are ranked by
    |Goldstein| x reports (ties: more reports, later day, then id).  ``dimension`` keeps only
    events of one dimension (``military``, ``economic:trade``, ...), ``roots`` only events of
    these CAMEO roots (``("04",)``: consultations and meetings).  ``articles`` fills each top
    event's article title, outlet, URL and date from the store (point lookups: leave it off for
    dashboards on big stores).

    The common series (undirected, month/quarter/year over whole months, no dimension or root
    filter, ``top`` <= 10) is read from the store's dyad-month rollups when they are up to date
    (detente.relations.rollup); ``rollup=False`` always aggregates the events.  Both give the
    same periods and the same top events."""
    a, b = check_party(a, "a"), check_party(b, "b")
    if a == b:
        raise RelationsError(f"a and b are both {a}: a dyad needs two parties")
    freq = check_freq(freq)
    mods = check_modalities(modalities)
    start_d, end_d = parse_day(start, "start"), parse_day(end, "end")
    if start_d and end_d and end_d < start_d:
        raise RelationsError(f"end {end_d} is before start {start_d}")
    t = EventTable(source, reports=reports)
    where = event_filter(t, a, b, start=start_d, end=end_d, directed=directed, modalities=mods,
                         dimension=dimension, roots=roots)
    picked: Optional[list[tuple[Any, EventSummary]]] = None
    fetched: dict[Any, EventSummary] = {}
    if rollup:
        t.has_table("rollup_state")  # probe before the snapshot: a failed probe would abort it
    with t.snapshot():
        # Inside the snapshot: the rollup's state and its rows are read at the same moment.
        table = rollup and _rollup_serves(t, freq, directed, dimension, roots, top, start_d,
                                          end_d)
        if table:
            lo, hi = sorted((a, b))
            pair = f"{lo}|{hi}"
            bounds = (month_number(start_d) if start_d else None,
                      month_number(end_d) if end_d else None)
            agg = t.records(rollup_series_sql(table, pair, mods, freq, *bounds))
            if top > 0:
                _, rows = t.sql(rollup_tops_sql(table, pair, mods, freq, top, *bounds))
                picked = rollup_events(rows, top)
                if articles:
                    t.fill_articles([ev for _, ev in picked])
        else:
            bucket = bucket_sql(freq)
            nrep = t.n_reports()
            # One pass: the counts, and each period's top events (max_by keeps the k best).
            top_picks = (f", max_by({t.pick_sql()}, {rank_sql(t)}, {int(top)}) AS picks"
                         if top > 0 else "")
            agg = t.records(f"""
                SELECT {bucket} AS period, count(*) AS n_events, sum({nrep}) AS n_reports,
                       {QUAD_COUNTS},
                       coalesce(sum(goldstein), 0) AS gsum, avg(goldstein) AS gmean,
                       {net_coop_sql()} AS ncoop{top_picks}
                FROM {{t}} WHERE {where}
                GROUP BY 1 ORDER BY 1""")
            if top > 0:
                fetched = t.fetch(where, [p for r in agg for p in r["picks"]], articles=articles)
    for r in agg:
        r["period"] = bucket_start(r["period"], freq)
    if not agg and not (start_d and end_d):
        return []
    # Without bounds the series runs from the first period with events to the last.
    first = period_start(start_d, freq) if start_d else agg[0]["period"]
    last = period_start(end_d, freq) if end_d else agg[-1]["period"]
    by_period = {r["period"]: r for r in agg}
    periods: list[Period] = []
    cur = first
    while cur <= last:
        r = by_period.get(cur)
        p = Period(start=cur, end=next_period(cur, freq), label=period_label(cur, freq))
        if r:
            p.n_events, p.n_reports = int(r["n_events"]), int(r["n_reports"])
            p.verbal_coop, p.material_coop = int(r["q1"]), int(r["q2"])
            p.verbal_conflict, p.material_conflict = int(r["q3"]), int(r["q4"])
            p.goldstein_sum = float(r["gsum"])
            p.goldstein_mean = float(r["gmean"]) if r["gmean"] is not None else None
            p.net_coop = float(r["ncoop"]) if r["ncoop"] is not None else None
        periods.append(p)
        cur = p.end
    index = {p.start: p for p in periods}
    if picked is not None:  # already best first
        for key, ev in picked:
            index[bucket_start(key, freq)].top_events.append(ev)
    elif fetched:
        for r in agg:
            events = [fetched[pick] for pick in r["picks"] if pick in fetched]
            index[r["period"]].top_events = sorted(events, key=rank_key, reverse=True)
    return periods


def _rollup_serves(t: EventTable, freq: str, directed: bool, dimension: Optional[str],
                   roots: Optional[Iterable[str]], top: int, start: Optional[dt.date],
                   end: Optional[dt.date]) -> Optional[Rollup]:
    """The dyad-month rollup that answers this series exactly, if any: a store table (not a
    view or relation) whose rollup is current, undirected, no dimension or root filter,
    periods of whole months (a start on a month's first day, an end on its last), at most
    TOP_KEPT top events."""
    if (t.con is None or t.relation is not None or directed or dimension
            or roots is not None or freq not in ROLLUP_FREQS or top > TOP_KEPT):
        return None
    if start is not None and start.day != 1:
        return None
    if end is not None and (end + dt.timedelta(days=1)).day != 1:
        return None
    table = MERGED if t.merged else REPORTS
    if not (t.has_table("rollup_state")
            and t.lasting(("rollup_current", table.table), lambda: rollup_current(t.con, table))):
        return None
    return table


def top_events(source: Source, a: str, b: str, start: Any = None, end: Any = None, *,
               k: int = 3, directed: bool = False, reports: bool = False,
               modalities: Iterable[str] = DEFAULT_MODALITIES, sign: int = 0,
               dimension: Optional[str] = None, roots: Optional[Iterable[str]] = None,
               articles: bool = False) -> list[EventSummary]:
    """The ``k`` strongest events of the dyad between ``start`` and ``end`` (inclusive), ranked
    like a period's top events; ``sign`` +1 keeps cooperative events only (Goldstein > 0), -1
    conflictual ones."""
    a, b = check_party(a, "a"), check_party(b, "b")
    mods = check_modalities(modalities)
    t = EventTable(source, reports=reports)
    where = event_filter(t, a, b, start=parse_day(start, "start"), end=parse_day(end, "end"),
                         directed=directed, modalities=mods, dimension=dimension, roots=roots)
    if sign:
        where += f" AND goldstein * {1 if sign > 0 else -1} > 0"
    with t.snapshot():
        rows = t.records(f"SELECT max_by({t.pick_sql()}, {rank_sql(t)}, {int(k)}) AS picks "
                         f"FROM {{t}} WHERE {where}")
        picks = rows[0]["picks"] if rows and rows[0]["picks"] else []
        events = t.fetch(where, picks, articles=articles)
    return sorted(events.values(), key=rank_key, reverse=True)


SERIES_COLUMNS = ("period", "start", "end", "n_events", "n_reports", "verbal_coop",
                  "material_coop", "verbal_conflict", "material_conflict", "goldstein_sum",
                  "goldstein_mean", "net_coop", "top_event")


def series_rows(periods: list[Period]) -> list[dict[str, Any]]:
    """Flat rows (one per period, the first top event as text) for CSV and tables."""
    return [{
        "period": p.label, "start": p.start.isoformat(), "end": p.end.isoformat(),
        "n_events": p.n_events, "n_reports": p.n_reports, "verbal_coop": p.verbal_coop,
        "material_coop": p.material_coop, "verbal_conflict": p.verbal_conflict,
        "material_conflict": p.material_conflict, "goldstein_sum": round(p.goldstein_sum, 3),
        "goldstein_mean": None if p.goldstein_mean is None else round(p.goldstein_mean, 3),
        "net_coop": None if p.net_coop is None else round(p.net_coop, 3),
        "top_event": p.top_events[0].short() if p.top_events else "",
    } for p in periods]
