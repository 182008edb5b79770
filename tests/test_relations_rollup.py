"""The dyad-month rollup (detente.relations.rollup) gives the same series as aggregating the
merged events: on random filters, after incremental merges, with tied scores, and it is not
used when it does not reflect the merged events (a migrated store, rows written directly)."""
from __future__ import annotations

import datetime as dt
import random

import duckdb
import pytest

from detente.relations import dyad_series, merge_events
from detente.relations import series as series_mod
from detente.relations.rollup import REPORTS, refresh_rollups, rollup_current
from detente.store import Store
from detente.store.schema import MIGRATIONS
from relations_factory import World

PARTIES = ("RUSGOV", "PRKGOV", "USAGOV", "CHNGOV", "KORGOV")
CODES = ("010", "020", "036", "042", "043", "051", "057", "061", "111", "112", "130", "172",
         "190", "193")
MODALITIES = ("occurred", "occurred", "occurred", "claimed", "planned", "hypothetical",
              "negated")


def _fill(store: Store, seed: int, n_articles: int, start: dt.date, days: int) -> None:
    rng = random.Random(seed)
    w = World(store)
    # Article ids are numbered from here, so later fills add articles instead of clashing.
    w._n = store.con.execute("SELECT count(*) FROM articles").fetchall()[0][0]
    for i in range(n_articles):
        day = start + dt.timedelta(days=rng.randrange(days))
        art = w.article(f"Outlet {rng.randrange(6)}", day.isoformat())
        for j in range(rng.randint(1, 4)):
            src, tgt = rng.sample(PARTIES, 2)
            code = rng.choice(CODES)
            # Reports of a few recurring stories, so merging joins some of them.
            story = rng.randrange(40)
            when = day - dt.timedelta(days=rng.choice((0, 0, 1, 3)))
            date = (when.isoformat() if rng.random() < 0.85 else
                    when.isoformat()[:7] if rng.random() < 0.7 else None)
            w.event(art, src, tgt, code, date, modality=rng.choice(MODALITIES),
                    trigger=f"t{story}",
                    sentence=f"Story {story}: {src[:3]} and {tgt[:3]} talk about topic {story}.")
    w.flush()


@pytest.fixture()
def merged(tmp_path):
    with Store(tmp_path / "rollup.duckdb") as store:
        _fill(store, 7, 260, dt.date(2021, 1, 1), 900)
        merge_events(store)
        assert rollup_current(store.con)
        yield store


def _view(periods):
    return [(p.start, p.end, p.label, p.n_events, p.n_reports, p.verbal_coop, p.material_coop,
             p.verbal_conflict, p.material_conflict, [e.id for e in p.top_events],
             [e.to_dict() for e in p.top_events]) for p in periods]


def assert_same(x, y):
    assert _view(x) == _view(y)
    for p, q in zip(x, y):
        assert p.goldstein_sum == pytest.approx(q.goldstein_sum, abs=1e-9)
        assert p.goldstein_mean == pytest.approx(q.goldstein_mean, abs=1e-9)
        assert p.net_coop == pytest.approx(q.net_coop, abs=1e-9)


def _used_rollup(monkeypatch) -> list[bool]:
    used: list[bool] = []
    real = series_mod._rollup_serves

    def spy(*args, **kwargs):
        used.append(real(*args, **kwargs))
        return used[-1]
    monkeypatch.setattr(series_mod, "_rollup_serves", spy)
    return used


def _month_bound(rng, first: bool):
    if rng.random() < 0.3:
        return None
    year, month = rng.choice((2020, 2021, 2022, 2023)), rng.randint(1, 12)
    if first:
        return dt.date(year, month, 1)
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def test_rollup_equals_raw_on_random_filters(merged, monkeypatch):
    used = _used_rollup(monkeypatch)
    rng = random.Random(3)
    all_mods = ("occurred", "claimed", "planned", "hypothetical", "negated")
    checked = 0
    for _ in range(60):
        a, b = rng.sample(("RUS", "PRK", "USA", "CHN", "KOR"), 2)
        freq = rng.choice(("month", "quarter", "year"))
        start, end = _month_bound(rng, True), _month_bound(rng, False)
        if start and end and end < start:
            start, end = end.replace(day=1), None
        mods = tuple(rng.sample(all_mods, rng.randint(1, 5)))
        top = rng.choice((0, 1, 3, 10))
        kw = dict(start=start, end=end, freq=freq, modalities=mods, top=top,
                  reports=rng.random() < 0.4)
        fast = dyad_series(merged, a, b, **kw)
        assert used[-1] is not None, kw  # every one is a series a rollup serves
        raw = dyad_series(merged, a, b, rollup=False, **kw)
        assert_same(fast, raw)
        checked += sum(p.n_events for p in raw)
    assert checked > 300  # the filters did select events


def test_series_the_rollup_cannot_serve_fall_back(merged, monkeypatch):
    used = _used_rollup(monkeypatch)
    for kw in (dict(directed=True), dict(freq="week"), dict(start="2021-03-15"),
               dict(end="2022-06-10"), dict(top=11), dict(roots=("04",)),
               dict(dimension="diplomatic"), dict(reports=True, directed=True)):
        dyad_series(merged, "RUS", "PRK", **kw)
        assert used[-1] is None, kw


def test_incremental_merges_keep_the_rollup_equal_to_a_rebuild(tmp_path):
    with Store(tmp_path / "inc.duckdb") as store:
        _fill(store, 11, 120, dt.date(2022, 1, 1), 400)
        merge_events(store)
        _fill(store, 12, 60, dt.date(2022, 6, 1), 200)  # new reports in some pairs
        report = merge_events(store)
        assert 0 < report.rollup_rows
        assert rollup_current(store.con)
        tables = ("SELECT * FROM dyad_periods ORDER BY ALL",
                  "SELECT * FROM dyad_report_periods ORDER BY ALL",
                  "SELECT * FROM dyad_period_tops ORDER BY ALL",
                  "SELECT * FROM dyad_report_period_tops ORDER BY ALL")
        incremental = [store.con.execute(q).fetchall() for q in tables]
        with store.transaction() as con:
            refresh_rollups(con)
        rebuilt = [store.con.execute(q).fetchall() for q in tables]
        assert incremental == rebuilt and all(rebuilt)


def test_tied_scores_pick_the_same_events_whatever_the_row_order(tmp_path):
    """Ties go to more reports, then the later day, then the larger id: the events' own
    fields, so the choice survives a table rewritten in another order."""
    def build(path, order):
        with Store(path) as store:
            w = World(store)
            specs = [(f"2023-05-{d:02d}", f"Outlet {i}")
                     for i, d in enumerate((3, 9, 12, 14, 20, 27))]
            for k in order:
                date, outlet = specs[k]
                art = w.article(outlet, date)
                # Same code and Goldstein: one report each, so equal scores.
                w.event(art, "RUSGOV", "PRKGOV", "051", date, trigger=f"praise{k}",
                        sentence=f"Statement {k} of praise number {k * 7919 % 101}.")
            w.flush()
            merge_events(store)
            fast = dyad_series(store, "RUS", "PRK")[0].top_events
            raw = dyad_series(store, "RUS", "PRK", rollup=False)[0].top_events
            assert [e.date for e in fast] == ["2023-05-27", "2023-05-20", "2023-05-14"]
            assert [e.id for e in fast] == [e.id for e in raw]
            # Article (and so event) ids depend on the order they were written: compare content.
            return [e.sentence for e in fast], [e.sentence for e in raw]

    forward = build(tmp_path / "f.duckdb", range(6))
    backward = build(tmp_path / "b.duckdb", reversed(range(6)))
    assert forward[0] == forward[1] == backward[0] == backward[1]
    assert len(forward[0]) == 3


def test_rollup_is_not_used_when_stale_and_a_v2_store_migrates(tmp_path, monkeypatch):
    used = _used_rollup(monkeypatch)
    path = tmp_path / "v2.duckdb"
    with Store(path) as store:
        _fill(store, 5, 50, dt.date(2022, 1, 1), 200)
        merge_events(store)
        expected = dyad_series(store, "RUS", "PRK", rollup=False)
    # Turn the file back into a version-2 store: drop what migration 3 added.
    con = duckdb.connect(str(path))
    for table in ("dyad_periods", "dyad_report_periods", "dyad_period_tops",
                  "dyad_report_period_tops", "rollup_state"):
        con.execute(f"DROP TABLE {table}")
    con.execute("DELETE FROM schema_version WHERE version > 2")
    con.close()
    with Store(path) as store:  # opening read-write applies migration 3
        assert store.version() == MIGRATIONS[-1][0]
        assert not rollup_current(store.con)
        assert_same(dyad_series(store, "RUS", "PRK"), expected)
        assert used[-1] is None
        merge_events(store)  # nothing to re-merge, but the rollup is rebuilt
        assert rollup_current(store.con)
        assert_same(dyad_series(store, "RUS", "PRK"), expected)
        assert used[-1] is not None
        # merged events written behind the merge's back: the rollup no longer answers
        store.con.execute("DELETE FROM merged_events WHERE id IN "
                          "(SELECT id FROM merged_events LIMIT 1)")
        assert not rollup_current(store.con)
        dyad_series(store, "RUS", "PRK")
        assert used[-1] is None


def test_new_reports_make_the_reports_rollup_stale_until_the_next_merge(merged, monkeypatch):
    used = _used_rollup(monkeypatch)
    dyad_series(merged, "RUS", "PRK", reports=True)
    assert used[-1] is not None
    _fill(merged, 99, 10, dt.date(2022, 3, 1), 30)  # ingested, not merged yet
    assert not rollup_current(merged.con, REPORTS)
    fresh = dyad_series(merged, "RUS", "PRK", reports=True)
    assert used[-1] is None
    assert_same(fresh, dyad_series(merged, "RUS", "PRK", reports=True, rollup=False))
    merge_events(merged)
    assert rollup_current(merged.con, REPORTS)
    assert_same(dyad_series(merged, "RUS", "PRK", reports=True), fresh)
    assert used[-1] is not None


def test_outlets_gained_without_new_reports_reach_the_rollup(merged, monkeypatch):
    """The rollup keeps its best events' fields: when an article is seen at another outlet, the
    merge recounts the outlets of its events without re-merging any block, and the rollup rows
    of their pairs are rebuilt with them."""
    used = _used_rollup(monkeypatch)
    before = dyad_series(merged, "USA", "CHN", freq="quarter", top=10)
    event = next(e for p in before for e in p.top_events)
    assert "Outlet Z" not in event.outlets
    World(merged).add_source(event.article_id, "Outlet Z", "https://example.org/z")
    report = merge_events(merged)
    assert report.blocks_remerged == 0 and report.rollup_rows > 0
    assert rollup_current(merged.con)
    fast = dyad_series(merged, "USA", "CHN", freq="quarter", top=10)
    assert used[-1] is not None
    assert_same(fast, dyad_series(merged, "USA", "CHN", freq="quarter", top=10, rollup=False))
    again = next(e for p in fast for e in p.top_events if e.id == event.id)
    assert "Outlet Z" in again.outlets


def test_a_version_3_store_migrates_and_its_rollup_is_rebuilt(tmp_path, monkeypatch):
    """Migration 4 gives the best-event tables their fields: the old rows are dropped and the
    rollups marked stale, so series read the tables until the next merge rebuilds them."""
    used = _used_rollup(monkeypatch)
    path = tmp_path / "v3.duckdb"
    with Store(path) as store:
        _fill(store, 5, 50, dt.date(2022, 1, 1), 200)
        merge_events(store)
        expected = dyad_series(store, "RUS", "PRK", top=10, rollup=False)
    con = duckdb.connect(str(path))
    con.execute("DROP TABLE dyad_period_tops")
    con.execute("DROP TABLE dyad_report_period_tops")
    v3 = next(statements for version, _, statements in MIGRATIONS if version == 3)
    for sql in v3:
        if "_tops" in sql:  # migration 3's best-event tables: ids and locators only
            con.execute(sql)
    con.execute("INSERT INTO dyad_period_tops SELECT 'PRK|RUS', 24264, 'occurred', 1, 'x', 0")
    con.execute("DELETE FROM schema_version WHERE version > 3")
    con.close()
    with Store(path) as store:
        assert store.version() == MIGRATIONS[-1][0]
        assert not rollup_current(store.con)
        assert store.con.execute("SELECT count(*) FROM dyad_period_tops").fetchall() == [(0,)]
        assert_same(dyad_series(store, "RUS", "PRK", top=10), expected)
        assert used[-1] is None
        merge_events(store)
        assert rollup_current(store.con)
        assert_same(dyad_series(store, "RUS", "PRK", top=10), expected)
        assert used[-1] is not None


def test_a_read_only_store_checks_the_rollup_once(tmp_path, monkeypatch):
    """No one can write a store opened read-only, so whether its rollup is current is asked
    once per Store; a store open for writing is asked every time."""
    path = tmp_path / "ro.duckdb"
    with Store(path) as store:
        _fill(store, 9, 60, dt.date(2022, 1, 1), 300)
        merge_events(store)
        expected = dyad_series(store, "RUS", "PRK", rollup=False)
    calls = []
    real = series_mod.rollup_current

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)
    monkeypatch.setattr(series_mod, "rollup_current", counted)
    used = _used_rollup(monkeypatch)
    with Store(path, read_only=True) as store:
        for _ in range(3):
            assert_same(dyad_series(store, "RUS", "PRK"), expected)
            assert used[-1] is not None
    assert len(calls) == 1
    with Store(path) as store:
        for _ in range(2):
            dyad_series(store, "RUS", "PRK")
    assert len(calls) == 3
