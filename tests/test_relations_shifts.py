"""Change points on constructed series whose breaks are known: warming and cooling are found at
the right period, labelled correctly, sized by the difference of segment means, and explained
by the events that open the new segment."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from detente.relations import (EventSummary, Period, bic_penalty, change_points, dyad_shifts,
                               find_shifts, merge_events)
from detente.relations.series import next_period, period_label
from relations_factory import World


def make_periods(values, start=dt.date(2015, 1, 1), events=None) -> list[Period]:
    periods, cur = [], start
    for i, v in enumerate(values):
        p = Period(start=cur, end=next_period(cur, "month"), label=period_label(cur, "month"))
        if v is not None:
            p.n_events, p.net_coop = 5, float(v)
            p.top_events = list((events or {}).get(i, []))
        periods.append(p)
        cur = p.end
    return periods


def ev(i: int, goldstein: float, n: int = 1) -> EventSummary:
    return EventSummary(id=f"e{i}", code="042" if goldstein > 0 else "190", root="04",
                        quad_class=1 if goldstein > 0 else 4, goldstein=goldstein,
                        modality="occurred", n_reports=n)


def test_clean_breaks_are_found_and_labelled():
    rng = np.random.default_rng(7)
    values = np.r_[np.full(12, 0.6), np.full(10, -0.5), np.full(12, 0.3)] + rng.normal(0, 0.08, 34)
    drivers = {12: [ev(1, 8.0, 2), ev(2, -10.0, 5), ev(3, -4.0, 1)],
               22: [ev(4, 7.0, 3), ev(5, -2.0, 9)]}
    shifts = find_shifts(make_periods(values, events=drivers))
    assert [(s.start, s.label) for s in shifts] == [(dt.date(2016, 1, 1), "cooling"),
                                                     (dt.date(2016, 11, 1), "warming")]
    cool, warm = shifts
    assert cool.size == pytest.approx(cool.after - cool.before)
    assert cool.size == pytest.approx(-1.1, abs=0.1) and warm.size == pytest.approx(0.8, abs=0.1)
    # drivers: events of the new segment's first periods whose sign matches the shift
    assert [d.id for d in cool.drivers] == ["e2", "e3"]
    assert [d.id for d in warm.drivers] == ["e4"]
    assert cool.before_span == (dt.date(2015, 1, 1), dt.date(2015, 12, 1))


def test_noise_alone_gives_no_shift_and_empty_periods_are_skipped():
    rng = np.random.default_rng(3)
    noise = list(0.2 + rng.normal(0, 0.15, 40))
    assert find_shifts(make_periods(noise)) == []
    # empty months (no events) between two regimes do not count as periods
    gappy = [0.7] * 6 + [None] * 5 + [-0.6] * 6
    (s,) = find_shifts(make_periods(gappy))
    assert s.label == "cooling" and s.start == dt.date(2015, 12, 1)
    assert find_shifts(make_periods([0.5, -0.5])) == []  # too short for two segments


def test_penalty_rule():
    x = np.r_[np.zeros(20), np.ones(20)]
    # the noise estimate ignores the jump itself (first differences), floored at MIN_SIGMA
    assert bic_penalty(x) == pytest.approx(3 * 0.05 ** 2 * np.log(40))
    assert change_points(x) == [20]
    assert change_points(x, penalty=1e6) == []


def test_dyad_shifts_on_a_store(store):
    w = World(store)
    # 2019: monthly meetings and agreements; 2020: strikes and threats
    for month in range(1, 13):
        for code, trig in (("042", "visited"), ("057", "signed")):
            art = w.article("Wire", f"2019-{month:02d}-10")
            w.event(art, "ISRGOV", "IRNGOV", code, f"2019-{month:02d}-10", trigger=trig,
                    sentence=f"Israel {trig} Iran in month {month}.")
        for code, trig in (("195", "struck"), ("138", "threatened")):
            art = w.article("Wire", f"2020-{month:02d}-10")
            w.event(art, "ISRMIL", "IRNMIL", code, f"2020-{month:02d}-10", trigger=trig,
                    sentence=f"Israel {trig} Iran in month {month} of 2020.")
    w.flush()
    merge_events(store)
    (s,) = dyad_shifts(store, "IRN", "ISR")
    assert s.label == "cooling" and s.start == dt.date(2020, 1, 1)
    assert s.before == pytest.approx(1.0) and s.after == pytest.approx(-1.0)
    assert s.drivers and s.drivers[0].code == "195"  # air strike (-10) drives the cooling
    assert all(d.event_day < dt.date(2020, 3, 1) for d in s.drivers)


def test_a_quiet_months_swing_is_not_a_shift():
    # 30 busy months around +0.3 (100 events each: the index varies by about 0.8/sqrt(100)),
    # with two adjacent months of 2 events each at -0.9: noise in the index of near-empty
    # months, not a change in the relationship
    rng = np.random.default_rng(11)
    values = list(0.3 + rng.normal(0, 0.08, 30))
    values[14] = values[15] = -0.9
    periods = make_periods(values)
    for i, p in enumerate(periods):
        p.n_events = 2 if i in (14, 15) else 100
    assert find_shifts(periods) == []
    # unweighted, the same numbers would make two shifts
    assert len(change_points(values)) == 2


def test_top_events_of_a_window(store):
    from detente.relations import top_events

    w = World(store)
    for day, code, src, tgt in (("2020-03-01", "042", "ISRGOV", "IRNGOV"),
                                ("2020-03-02", "195", "ISRMIL", "IRNMIL"),
                                ("2020-03-03", "057", "IRNGOV", "ISRGOV"),
                                ("2020-04-01", "190", "IRNMIL", "ISRMIL")):
        art = w.article("Wire", day)
        w.event(art, src, tgt, code, day, trigger=code, sentence=f"Event {code} on {day}.")
    w.flush()
    merge_events(store)
    march = top_events(store, "ISR", "IRN", "2020-03-01", "2020-03-31", k=2)
    assert [e.code for e in march] == ["195", "057"]  # |G| 10 and 8
    coop = top_events(store, "ISR", "IRN", "2020-03", "2020-03-31", sign=+1)
    assert [e.code for e in coop] == ["057", "042"]
    assert [e.code for e in top_events(store, "IRN", "ISR", directed=True, sign=-1)] == ["190"]
