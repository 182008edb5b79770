"""A brief read from the dyad's materialised reports (the default) is the brief read from the
store's tables every time (``materialise=False``), byte for byte: on the seed, after merging,
with ``since``, and on a random store with many dyads, third parties and merged events."""
from __future__ import annotations

import datetime as dt
import random

import pytest

import _brief_seed as seed
from detente.brief import build_brief, write_brief
from detente.brief.render import render
from detente.relations import merge_events
from detente.store import Store
from relations_factory import World

PARTIES = ("RUSGOV", "PRKGOV", "USAGOV", "CHNGOV", "KORGOV", "JPNGOV", "IGOUNO")
CODES = ("010", "013", "020", "036", "040", "042", "043", "051", "057", "061", "071", "111",
         "112", "130", "163", "172", "190")
MODALITIES = ("occurred", "occurred", "occurred", "claimed", "planned", "hypothetical",
              "negated")


def both(store, a, b, since=None, fmt="md"):
    fast = render(build_brief(store, a, b, since, chart=False), fmt)
    slow = render(build_brief(store, a, b, since, chart=False, materialise=False), fmt)
    return fast, slow


@pytest.fixture(scope="module")
def random_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("scope") / "random.duckdb"
    rng = random.Random(17)
    with Store(path) as store:
        w = World(store)
        for i in range(400):
            day = dt.date(2019, 1, 1) + dt.timedelta(days=rng.randrange(1500))
            art = w.article(f"Outlet {rng.randrange(8)}", day.isoformat(),
                            title=f"Story {i}")
            for _ in range(rng.randint(1, 5)):
                src, tgt = rng.sample(PARTIES, 2)
                story = rng.randrange(60)
                when = day - dt.timedelta(days=rng.choice((0, 0, 1, 2, 30, 400)))
                date = (when.isoformat() if rng.random() < 0.8 else
                        when.isoformat()[:7] if rng.random() < 0.6 else None)
                w.event(art, src, tgt, rng.choice(CODES), date,
                        modality=rng.choice(MODALITIES), trigger=f"t{story}",
                        place=rng.choice((None, None, "Moscow", "Pyongyang")),
                        sentence=f"Report {story}: {src} and {tgt} on matter {story % 9}.")
        w.flush()
        merge_events(store)
    return str(path)


def test_seed_briefs_are_identical(tmp_path):
    with Store(tmp_path / "seed.duckdb") as store:
        seed.insert_seed_events(store)
        seed.insert_followup(store)
        for since in (None, "2024-01-01", "2025-01-01"):
            fast, slow = both(store, "RUS", "PRK", since)
            assert fast == slow
        merge_events(store)
        for since in (None, "2023"):
            fast, slow = both(store, "PRK", "RUS", since)
            assert fast == slow


def test_random_store_briefs_are_identical(random_store):
    with Store(random_store, read_only=True) as store:
        pairs = [("RUS", "PRK"), ("USA", "CHN"), ("KOR", "JPN"), ("IGOUNO", "USA"),
                 ("PRK", "USA")]
        for (a, b), since in zip(pairs, (None, "2020-06", None, "2021", "2022-02-03")):
            fast, slow = both(store, a, b, since)
            assert fast == slow, (a, b, since)
            assert "References" in fast


def test_materialised_table_is_dropped(random_store):
    with Store(random_store, read_only=True) as store:
        write_brief(store, "RUS", "PRK")
        left = store.con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '_brief_dyad_%'"
        ).fetchall()[0][0]
        assert left == 0
