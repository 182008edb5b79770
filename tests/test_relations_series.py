"""Dyad series on constructed events: counts by quad class, Goldstein, the net cooperation index,
zero-filled periods, directed series, modality filtering, and the same query over a Parquet
lake (views named ``events`` and ``merged_events``) or a DuckDB relation."""
from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from detente.relations import RelationsError, dyad_series, merge_events, net_coop, series_rows
from relations_factory import World


@pytest.fixture()
def dyad_store(store):
    w = World(store)
    rows = [
        # (date, source, target, code, modality)
        ("2021-01-05", "RUSGOV", "PRKGOV", "042", "occurred"),   # +1.9 visit
        ("2021-01-20", "PRKGOV", "RUSGOV", "051", "occurred"),   # +3.4 praise
        ("2021-01-21", "RUSGOV", "PRKGOV", "111", "occurred"),   # -2.0 criticise
        ("2021-03-02", "RUSGOV", "PRKGOV", "062", "occurred"),   # +6.4 military cooperation
        ("2021-03-03", "PRKGOV", "RUSGOV", "190", "hypothetical"),
        ("2021-03-04", "RUSGOV", "PRKGOV", "072", "negated"),
        ("2021-03-05", "RUSGOV", "PRKGOV", "057", "planned"),
        ("2021-03-06", "PRKGOV", "RUSGOV", "112", "claimed"),    # -2.0 accuse (claimed counts)
        ("2021-03-07", "USAGOV", "PRKGOV", "111", "occurred"),   # another dyad
    ]
    for i, (date, src, tgt, code, modality) in enumerate(rows):
        art = w.article("Outlet", date)
        w.event(art, src, tgt, code, date, modality=modality, trigger=f"t{i}",
                sentence=f"Sentence number {i} about {src} and {tgt}.")
    w.flush()
    merge_events(store)
    return store


def test_monthly_series_counts_quads_goldstein_and_net_cooperation(dyad_store):
    periods = dyad_series(dyad_store, "RUS", "PRK")
    assert [p.label for p in periods] == ["2021-01", "2021-02", "2021-03"]
    jan, feb, mar = periods
    assert (jan.n_events, jan.verbal_coop, jan.material_coop, jan.verbal_conflict,
            jan.material_conflict) == (3, 2, 0, 1, 0)
    assert jan.goldstein_sum == pytest.approx(1.9 + 3.4 - 2.0)
    assert jan.goldstein_mean == pytest.approx((1.9 + 3.4 - 2.0) / 3)
    assert jan.net_coop == pytest.approx((1.9 + 3.4 - 2.0) / (1.9 + 3.4 + 2.0))
    assert feb.n_events == 0 and feb.net_coop is None and feb.top_events == []
    # hypothetical, negated and planned events are not counted; claimed ones are
    assert (mar.n_events, mar.material_coop, mar.verbal_conflict) == (2, 1, 1)
    assert mar.top_events[0].code == "062"  # |Goldstein| ranks first
    assert net_coop(0.0, 0.0) is None


def test_modalities_directed_dates_and_freq(dyad_store):
    everything = ("occurred", "claimed", "planned", "hypothetical", "negated")
    mar = dyad_series(dyad_store, "RUS", "PRK", modalities=everything)[-1]
    assert mar.n_events == 5
    directed = dyad_series(dyad_store, "RUS", "PRK", directed=True)
    assert [p.n_events for p in directed] == [2, 0, 1]  # RUS acting on PRK only
    back = dyad_series(dyad_store, "PRK", "RUS", directed=True)
    assert [p.n_events for p in back] == [1, 0, 2]  # the military cooperation is symmetric
    q = dyad_series(dyad_store, "PRK", "RUS", freq="quarter", start="2020-10", end="2021-12-31")
    assert [p.label for p in q] == ["2020-Q4", "2021-Q1", "2021-Q2", "2021-Q3", "2021-Q4"]
    assert [p.n_events for p in q] == [0, 5, 0, 0, 0]
    weeks = dyad_series(dyad_store, "RUS", "PRK", freq="week", start="2021-01-04", end="2021-01-24")
    assert [p.label for p in weeks] == ["2021-W01", "2021-W02", "2021-W03"]
    assert weeks[0].start == dt.date(2021, 1, 4) and [p.n_events for p in weeks] == [1, 0, 2]
    assert dyad_series(dyad_store, "RUS", "KOR") == []
    rows = series_rows(dyad_series(dyad_store, "RUS", "PRK"))
    assert rows[0]["period"] == "2021-01" and rows[0]["top_event"].startswith("2021-01-20")


def test_bad_arguments_give_one_clear_error(dyad_store):
    with pytest.raises(RelationsError, match="freq"):
        dyad_series(dyad_store, "RUS", "PRK", freq="fortnight")
    with pytest.raises(RelationsError, match="two parties"):
        dyad_series(dyad_store, "RUS", "rus")
    with pytest.raises(RelationsError, match="not a date"):
        dyad_series(dyad_store, "RUS", "PRK", start="March")
    with pytest.raises(RelationsError, match="modalities"):
        dyad_series(dyad_store, "RUS", "PRK", modalities=("rumoured",))
    with pytest.raises(RelationsError, match="before start"):
        dyad_series(dyad_store, "RUS", "PRK", start="2021-03", end="2021-01")


def test_same_series_from_a_parquet_lake_and_a_relation(dyad_store, tmp_path):
    expected = dyad_series(dyad_store, "RUS", "PRK")
    expected_reports = dyad_series(dyad_store, "RUS", "PRK", reports=True)
    for table in ("events", "merged_events"):
        dyad_store.con.execute(f"COPY {table} TO '{tmp_path / table}.parquet' (FORMAT parquet)")
    lake = duckdb.connect()
    for table in ("events", "merged_events"):
        lake.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{tmp_path / table}.parquet')")

    def strip(periods):
        return [(p.label, p.n_events, p.n_reports, p.goldstein_sum, p.net_coop,
                 [e.id for e in p.top_events]) for p in periods]

    assert strip(dyad_series(lake, "RUS", "PRK")) == strip(expected)
    assert strip(dyad_series(lake, "RUS", "PRK", reports=True)) == strip(expected_reports)
    rel = lake.sql("SELECT * FROM merged_events")
    assert strip(dyad_series(rel, "RUS", "PRK")) == strip(expected)
    with pytest.raises(RelationsError, match="merged_events"):
        dyad_series(duckdb.connect(), "RUS", "PRK")


def test_dimension_filter(dyad_store):
    mil = dyad_series(dyad_store, "RUS", "PRK", dimension="military")
    assert [p.n_events for p in mil] == [1]  # the military cooperation in March
    mil_reports = dyad_series(dyad_store, "RUS", "PRK", dimension="military", reports=True)
    assert sum(p.n_events for p in mil_reports) == 1
    with pytest.raises(RelationsError, match="dimension"):
        dyad_series(dyad_store, "RUS", "PRK", dimension="cultural")
    meetings = dyad_series(dyad_store, "RUS", "PRK", roots=("04",))
    assert [p.n_events for p in meetings] == [1]  # the January visit
    with pytest.raises(RelationsError, match="roots"):
        dyad_series(dyad_store, "RUS", "PRK", roots=("4",))
