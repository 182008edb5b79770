"""Two small fixes in detente.relations: has_merged leaves no open result on the connection,
and a reaction's third party is never one of the dyad's own countries."""
from __future__ import annotations

import pyarrow as pa

from detente.records import Event, Evidence, event_id
from detente.relations import reactions
from detente.relations.plots import has_merged
from detente.store import Store
from relations_factory import World


def test_has_merged_leaves_the_connection_usable(store):
    assert has_merged(store) is False
    # DuckDB refuses register() while an execute() result is still open (fetchone left it so)
    store.con.register("_probe", pa.table({"x": [1]}))
    assert store.con.execute("SELECT count(*) FROM _probe").fetchall()[0][0] == 1
    assert has_merged(store.con) is False


def _bare(article_id: str, source: str, target: str, day: str) -> Event:
    """An event whose source has no country column filled in (as a store may hold for an
    actor code the coder could not place)."""
    return Event(id=event_id(article_id, 9, 0, source, target, "111"), source=source,
                 target=target, code="111", root="11", quad_class=3, goldstein=-2.0,
                 modality="occurred", date=day, date_precision="day",
                 evidence=Evidence(article_id=article_id, sentence_index=9, sentence="x",
                                   sentence_start=0, trigger="x", trigger_start=0, trigger_end=1),
                 source_country=None, target_country="PRK")


def test_a_dyad_members_own_actor_is_no_third_party(tmp_path):
    store = Store(tmp_path / "r.duckdb")
    w = World(store)
    art = w.article("Reuters", "2024-06-19")
    w.event(art, "RUSGOV", "PRKGOV", "057", "2024-06-19", trigger="signed")
    art = w.article("Reuters", "2024-06-21")
    w.event(art, "USAGOV", "PRKGOV", "111", "2024-06-21", trigger="criticised")
    w.events[art].append(_bare(art, "RUSMIL", "PRKGOV", "2024-06-21"))
    w.flush()
    found = reactions(store, "RUS", "PRK", reports=True)
    assert [r.reactor for r in found] == ["USA"]
    store.close()
