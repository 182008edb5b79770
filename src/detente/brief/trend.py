"""The trend section: the dyad's series and shifts (detente.relations), stated with the events
that make them, and the chart for HTML briefs."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from ..relations.common import RelationsError
from ..relations.plots import has_merged, key_events_of, plot_dyad, svg_inline
from ..relations.series import Period, dyad_series
from ..relations.shifts import find_shifts
from ..store import Store
from .compose import MAX_AGGREGATE_REFS, Composer, _count
from .facts import SOURCE_KEY, TARGET_KEY, Fact, ReportScope, facts_for
from .model import Section, Statement

TOP_PER_PERIOD = 10
# Periods a chart should have at most: beyond this the bars get too thin to read, so a long
# history is counted by quarter or year instead of by month.
MAX_PERIODS = 60
FREQ_DAYS = (("week", 7), ("month", 30.44), ("quarter", 91.3), ("year", 365.25))


PRECISION_FREQ = {"day": "week", "month": "month", "year": "year"}


def choose_freq(first: dt.date, last: dt.date, precision: str = "day") -> str:
    """The finest of week/month/quarter/year that keeps the series within MAX_PERIODS and is
    no finer than the dates most events carry (a month-precise meeting has no week)."""
    span = (last - first).days + 1
    order = [freq for freq, _ in FREQ_DAYS]
    floor = order.index(PRECISION_FREQ.get(precision, "week"))
    for freq, days in FREQ_DAYS[floor:]:
        if span / days <= MAX_PERIODS:
            return freq
    return "year"


def trend_section(composer: Composer, store: Store, a: str, b: str, since: Optional[dt.date],
                  chart: bool = False) -> Section:
    section = Section("trend", "Trend and shifts")
    span = _dated_span(composer.scope.for_keys(a, b), a, b, since)
    if span[0] is None:
        section.statements.append(composer.none(
            f"No dated, occurred event between {composer.a_name} and {composer.b_name} to count."))
        return section
    freq = choose_freq(*span)
    try:
        periods = dyad_series(store, a, b, start=since, freq=freq, top=TOP_PER_PERIOD,
                              reports=not has_merged(store))
    except RelationsError as exc:
        section.statements.append(composer.none(f"No series: {exc}."))
        return section
    if not periods:
        section.statements.append(composer.none("No dated events to count."))
        return section
    shifts = find_shifts(periods)
    # Every event the section may cite, read in one query: each period's strongest, the latest
    # period's three, and each shift's drivers (or its first period's strongest).
    wanted = [p.top_events[0] for p in periods if p.top_events]
    latest = next((p for p in reversed(periods) if p.net_coop is not None), None)
    wanted += latest.top_events[:3] if latest else []
    for shift in shifts:
        wanted += shift.drivers
        wanted += next((p.top_events[:3] for p in periods if p.start == shift.start), [])
    facts = facts_for(composer.scope, wanted)

    section.statements.extend(_overview(composer, facts, periods, freq))
    for shift in shifts:
        stmt = _shift_statement(composer, facts, shift, periods)
        if stmt is not None:
            section.statements.append(stmt)
    active = [p for p in periods if p.net_coop is not None]
    if not shifts:
        section.statements.append(composer.none(
            f"No shift (change point) is detected across the {_count(len(active), freq)} with events."))
    if chart:
        svg = plot_dyad(periods, shifts, key_events_of(periods, shifts), None, fmt="svg")
        section.chart_svg = svg_inline(svg)
    return section


def _dated_span(scope: ReportScope, a: str, b: str, since: Optional[dt.date]) -> tuple:
    """First and last day of the dyad's dated occurred or claimed events (what the series
    counts), and the date precision most of them have."""
    params: list = [a, b, b, a]
    where = (f"(({SOURCE_KEY} = ? AND {TARGET_KEY} = ?) OR ({SOURCE_KEY} = ? AND {TARGET_KEY} = ?)) "
             "AND e.event_day IS NOT NULL AND e.modality IN ('occurred', 'claimed')")
    if since:
        where += " AND e.event_day >= ?"
        params.append(since)
    row = scope.store.query(f"SELECT min(e.event_day) AS lo, max(e.event_day) AS hi, "
                            f"mode(coalesce(e.date_precision, 'day')) AS precision "
                            f"FROM {scope.source(where)} WHERE {where}", params)[0]
    return row["lo"], row["hi"], row["precision"]


def _facts(facts: dict[str, Fact], events) -> list[Fact]:
    return [facts[e.id] for e in events if e.id in facts]


def _overview(c: Composer, facts: dict[str, Fact], periods: list[Period], freq: str) -> list[Statement]:
    active = [p for p in periods if p.n_events]
    n = sum(p.n_events for p in active)
    coop = sum(p.cooperation for p in active)
    conflict = sum(p.conflict for p in active)
    tops = sorted((e for p in active for e in p.top_events[:1]),
                  key=lambda e: (-e.score, e.event_day or dt.date.min, e.id))
    # The series counts what happened (occurred or claimed), not plans or hypotheses.
    counts = (f"{_count(n, 'dated occurred or claimed event')} between {c.a_name} and "
              f"{c.b_name} ({coop} cooperative, {conflict} conflictual)")
    if len(periods) == 1:
        text = f"Counted by {freq}, all {counts} fall in {periods[0].label}."
    else:
        text = (f"Counted by {freq} from {periods[0].label} to {periods[-1].label}, {counts} "
                f"fall in {len(active)} of the {_count(len(periods), freq)}.")
    out = [Statement(text=text, refs=c.aggregate_refs(_facts(facts, tops[:MAX_AGGREGATE_REFS])))]

    latest = next((p for p in reversed(periods) if p.net_coop is not None), None)
    if latest is not None:
        cited = _facts(facts, latest.top_events[:3])
        if cited:
            out.append(Statement(
                text=(f"In the latest {freq} with events, {latest.label}, the net cooperation "
                      f"index (−1 all conflict, +1 all cooperation) is {latest.net_coop:+.2f} "
                      f"over {_count(latest.n_events, 'event')}."),
                refs=c.aggregate_refs(cited)))
    busiest = max(active, key=lambda p: (p.n_events, p.start)) if active else None
    if busiest is not None and busiest is not latest and busiest.top_events:
        cited = _facts(facts, busiest.top_events[:1])
        if cited:
            out.append(Statement(
                text=(f"{busiest.label} has the most events ({busiest.n_events}, net cooperation "
                      f"{busiest.net_coop:+.2f}); the strongest: {c.describe(cited[0])}."),
                refs=c.aggregate_refs(cited)))
    return out


def _shift_statement(c: Composer, facts: dict[str, Fact], shift, periods: list[Period]) -> Optional[Statement]:
    drivers = _facts(facts, shift.drivers)
    if not drivers:
        # A shift is stated only with the events that make it.
        first = next((p for p in periods if p.start == shift.start), None)
        drivers = _facts(facts, first.top_events[:3]) if first else []
    if not drivers:
        return None
    label = next((p.label for p in periods if p.start == shift.start), shift.start.isoformat())
    named = "; ".join(c.describe(f) for f in drivers[:3])
    return Statement(
        text=(f"{shift.label.capitalize()} from {label}: the mean net cooperation index moves "
              f"from {shift.before:+.2f} to {shift.after:+.2f} ({shift.size:+.2f}), driven by: "
              f"{named}."),
        refs=c.aggregate_refs(drivers))
