"""The Parquet lake pipeline without a cluster (fast): partitioning, the commit protocol,
resume after a crash at the worst moment, duplicate ownership, views equal to the store,
compaction, export/import, the CLI.  The Dask runs over a real corpus are in
test_scale_cluster.py (slow)."""
from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from detente.cli import app
from detente.events.cameo import cameo_info
from detente.ingest.pipeline import ingest
from detente.records import Document, Event, Evidence, event_id
from detente.scale import (Lake, LakeError, LakeStore, compact, export_store, import_lake,
                           open_source, run, run_documents)
from detente.scale import layout
from detente.scale.derive import finalize
from detente.scale.plan import plan_documents, plan_inputs
from detente.store import Store, StoreError

INGEST_DATA = Path(__file__).parent / "data" / "ingest"

# Our own stories (fictional countries), so the tests need no reference data.
# The same wire story, and the same story as another outlet edited it, as ingest's tests use.
from test_ingest_pipeline import STORY as HOTLINE, STORY_EDITED as HOTLINE_EDITED  # noqa: E402

FARMERS = ("Farmers in the south of Ostria blocked roads with tractors on Wednesday to protest "
           "against lower grain prices, the third such protest this month. Police said the "
           "blockades caused long queues at two border crossings into Vestria. The agriculture "
           "minister promised to meet farmers' representatives next week.")
SANCTIONS = ("Vestria imposed new sanctions on Ostria on Friday after talks on the border dispute "
             "collapsed. Ostria condemned the measures and said it would visit the matter at the "
             "regional council. Norland urged both sides to return to negotiations.")
SUMMIT = ("Leaders of Norland and Ostria will meet next month in Brask to discuss a trade "
          "agreement, officials said on Monday. Norland hopes the visit will open Ostria's "
          "markets to its grain.")


# -- a coder stand-in ---------------------------------------------------------------------------
_NAMES = {"Norland": "NOR", "Vestria": "VES", "Ostria": "OST"}
_NAME = re.compile("|".join(_NAMES))
_SENTENCE = re.compile(r"[^.!?]+[.!?]?")


class FakeCoder:
    """Deterministic events from sentences naming two of our countries (the real coder is
    exercised by test_scale_cluster.py; here only the plumbing is under test)."""

    version = "fake-coder-1"

    def code_many(self, items, batch_size=64):
        for aid, text, date in items:
            events = []
            for i, m in enumerate(_SENTENCE.finditer(text)):
                sentence = m.group(0)
                names = [n for n in _NAME.findall(sentence)]
                if len(set(names)) < 2:
                    continue
                src, tgt = _NAMES[names[0]], _NAMES[next(n for n in names if n != names[0])]
                code = ("163" if "sanction" in sentence else "042" if "visit" in sentence
                        else "036" if "meet" in sentence else "057" if "agree" in sentence
                        else "010")
                info = cameo_info(code)
                start = m.start() + len(sentence) - len(sentence.lstrip())
                evidence = Evidence(aid, i, sentence.strip(), start, "x", start, start + 1)
                events.append(Event(
                    event_id(aid, i, start, src, tgt, code), src, tgt, code, code[:2],
                    info.quad_class, info.goldstein, modality="occurred",
                    date=date[:10] if date else None, date_precision="day" if date else None,
                    evidence=evidence, source_country=src, target_country=tgt))
            yield aid, events


def fake_coder() -> FakeCoder:
    return FakeCoder()


# -- helpers ------------------------------------------------------------------------------------
def _record(text, outlet, url, date="2024-03-05", title="Story", rid=None):
    return {"id": rid or url, "title": title, "date": date, "outlet": outlet, "url": url,
            "text": text}


def write_jsonl(path: Path, records) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for r in records:
            fh.write((r if isinstance(r, str) else json.dumps(r)) + "\n")
    return path


@pytest.fixture()
def corpus(tmp_path) -> Path:
    """Two files: an exact duplicate across them (and so across partitions), a near-duplicate,
    a bad line."""
    a = write_jsonl(tmp_path / "a.jsonl", [
        _record(HOTLINE, "Example Wire", "https://wire.example.org/1", "2024-03-05"),
        _record(FARMERS, "Example Wire", "https://wire.example.org/2", "2024-03-06"),
        "{not json",
        _record(SANCTIONS, "Daily Post", "https://post.example.org/s", "2024-04-12"),
    ])
    b = write_jsonl(tmp_path / "b.jsonl", [
        _record(HOTLINE, "Other Daily", "https://other.example.org/h", "2024-03-06"),
        _record(HOTLINE_EDITED, "Third Times", "https://third.example.org/h", "2024-03-06"),
        _record(SUMMIT, "Example Wire", "https://wire.example.org/3"),
    ])
    return tmp_path


def lake_rows(path) -> dict[str, list[tuple]]:
    """Every row a lake shows (views) and holds (raw partition files), in a stable order."""
    with LakeStore(path) as lake:
        def rows(sql):
            return [tuple(json.dumps(v, default=str) if isinstance(v, (list, dict)) else v
                          for v in r) for r in lake.con.execute(sql).fetchall()]

        out = {t: rows(f"SELECT * FROM {t} ORDER BY ALL") for t in (
            "articles", "events", "article_sources", "coded_articles", "merged_events",
            "event_merge_members", "_raw_articles", "_raw_events", "_raw_sources")}
    return out


def store_rows(path_or_store) -> dict[str, list[tuple]]:
    """The same tables from a DuckDB store (wall-clock columns excluded), for comparison."""
    store = path_or_store if isinstance(path_or_store, Store) else Store(path_or_store, read_only=True)
    skip = {"articles": "ingested_at", "article_sources": "seen_at", "coded_articles": "coded_at",
            "merged_events": "merged_at"}
    out = {}
    for t in ("articles", "events", "article_sources", "coded_articles", "merged_events",
              "event_merge_members"):
        cols = f"* EXCLUDE ({skip[t]})" if t in skip else "*"
        out[t] = [tuple(json.dumps(v, default=str) if isinstance(v, (list, dict)) else v
                        for v in r)
                  for r in store.con.execute(f"SELECT {cols} FROM {t} ORDER BY ALL").fetchall()]
    if store is not path_or_store:
        store.close()
    return out


def run_fake(inputs, lake, **kw):
    kw.setdefault("workers", 0)
    kw.setdefault("coder", fake_coder)
    return run(inputs, lake, **kw)


# -- the lake equals the store ------------------------------------------------------------------
def test_lake_views_equal_the_ingest_store(corpus, tmp_path):
    """One partition (as ingest's window) over the same input: every table, row for row."""
    lake = tmp_path / "lake"
    report = run_fake([corpus / "a.jsonl", corpus / "b.jsonl", INGEST_DATA], lake,
                      partition_size=1000)
    assert report.ok and report.finalize and report.finalize.near_duplicates == 1
    db = tmp_path / "s.duckdb"
    ingest([corpus / "a.jsonl", corpus / "b.jsonl", INGEST_DATA], db, quiet=True,
           coder_factory=fake_coder)
    with LakeStore(lake) as view:
        got = store_rows(view)
    assert got == store_rows(db)
    assert len(got["events"]) > 0 and len(got["merged_events"]) > 0
    # Every bad record is reported once, as ingest reports it.
    assert report.failed == 1 + 3  # our bad line, the ingest folder's three


def test_duplicates_across_partitions_are_owned_by_the_first_copy(corpus, tmp_path):
    lake = tmp_path / "lake"
    report = run_fake([corpus / "a.jsonl", corpus / "b.jsonl"], lake, partition_size=2)
    assert report.ok and report.partitions == 4 and report.committed == 4  # 2 + 2 lines per file
    with LakeStore(lake) as view:
        rows = view.query("SELECT id, outlet, url, canonical_id, date FROM articles")
        by_url = {r["url"]: r for r in rows}
        # The hotline story is in a.jsonl line 1 and b.jsonl line 1: one article, a.jsonl's.
        assert len(rows) == 5 and "https://other.example.org/h" not in by_url
        head = by_url["https://wire.example.org/1"]
        assert head["date"] == "2024-03-05"
        outlets = {r["outlet"] for r in view.query(
            "SELECT outlet FROM article_sources WHERE article_id = ?", [head["id"]])}
        assert outlets == {"Example Wire", "Other Daily"}
        # The edited copy is a near-duplicate of it; its events are not counted twice.
        edited = by_url["https://third.example.org/h"]
        assert edited["canonical_id"] == head["id"]
        event_articles = {r["article_id"] for r in view.query("SELECT article_id FROM events")}
        assert head["id"] in event_articles and edited["id"] not in event_articles
        n_ids = view.con.execute("SELECT count(*), count(DISTINCT id) FROM events").fetchone()
        assert n_ids[0] == n_ids[1]
        assert view.count("coded_articles") == 4  # the heads


def test_resume_after_a_crash_between_rename_and_marker(corpus, tmp_path, monkeypatch):
    inputs = [corpus / "a.jsonl", corpus / "b.jsonl", INGEST_DATA]
    clean = tmp_path / "clean"
    run_fake(inputs, clean, partition_size=2)
    expected = lake_rows(clean)

    crashed = tmp_path / "crashed"
    original = layout.Lake._write_marker
    calls = {"n": 0}

    def crash_on_second(self, marker):
        calls["n"] += 1
        if calls["n"] == 2:  # files of the second partition are in place, its marker is not
            raise OSError("simulated power loss")
        original(self, marker)

    monkeypatch.setattr(layout.Lake, "_write_marker", crash_on_second)
    first = run_fake(inputs, crashed, partition_size=2)
    assert first.error and "simulated power loss" in first.error and first.finalize is None
    orphans = [p for p in (crashed / "articles").rglob("*.parquet")]
    assert len(orphans) > len(Lake(crashed).visible_files()["articles"])  # renamed, not visible
    monkeypatch.setattr(layout.Lake, "_write_marker", original)
    with LakeStore(crashed) as partial:  # readers never see the uncommitted partition
        assert partial.count("articles") < 9 and partial.stale
    second = run_fake(inputs, crashed, partition_size=2)
    assert second.ok and second.already == 1 and second.committed == second.partitions - 1
    assert lake_rows(crashed) == expected
    third = run_fake(inputs, crashed, partition_size=2)  # nothing left to do
    assert third.committed == 0 and third.already == third.partitions
    assert third.finalize is not None and third.finalize.skipped
    assert lake_rows(crashed) == expected


def test_a_lake_keeps_its_partition_size_and_one_run_at_a_time(corpus, tmp_path):
    lake = tmp_path / "lake"
    run_fake([corpus / "a.jsonl"], lake, partition_size=2)
    with pytest.raises(LakeError, match="--partition-size 2"):
        run_fake([corpus / "a.jsonl"], lake, partition_size=3)
    with Lake(lake).locked("a test"):
        with pytest.raises(LakeError, match="in use"):
            run_fake([corpus / "a.jsonl"], lake)
    # Default size on resume: the lake's own.
    again = run_fake([corpus / "a.jsonl", corpus / "b.jsonl"], lake)
    assert again.already == 2 and again.committed == 2


def test_not_finalized_lake_applies_the_owner_rule_on_the_fly(corpus, tmp_path):
    lake = tmp_path / "lake"
    run_fake([corpus / "a.jsonl", corpus / "b.jsonl"], lake, partition_size=2, finalize=False)
    with LakeStore(lake) as view:
        assert view.stale
        assert view.count("articles") == 5 and view.count("article_sources") == 6
        assert view.con.execute("SELECT count(*) FROM merged_events").fetchone()[0] == 0
    with Lake(lake).locked("test"):
        report = finalize(Lake(lake))
    assert not report.skipped and report.near_duplicates == 1
    with LakeStore(lake) as view:
        assert not view.stale and view.con.execute(
            "SELECT count(*) FROM merged_events").fetchone()[0] > 0


def test_compaction_keeps_every_row_and_resume_still_skips(corpus, tmp_path):
    inputs = [corpus / "a.jsonl", corpus / "b.jsonl"]
    lake = tmp_path / "lake"
    run_fake(inputs, lake, partition_size=1)
    before = lake_rows(lake)
    n_files = sum(len(v) for v in Lake(lake).visible_files().values())
    report = compact(lake)
    assert report.files_after < n_files and report.markers_folded == 7  # one per line
    assert lake_rows(lake) == before
    assert [p.name for p in (lake / "_commits").iterdir()] == ["_checkpoint-000001.jsonl"]
    again = run_fake(inputs, lake)
    assert again.committed == 0 and again.already == 7 and again.finalize.skipped
    # New input after compaction: only it is processed, and a second compaction folds it in.
    extra = write_jsonl(tmp_path / "c.jsonl", [_record(
        SUMMIT.replace("next month", "in June"), "Late Wire", "https://late.example.org/1")])
    more = run_fake(inputs + [extra], lake)
    assert more.committed == 1 and more.already == 7
    compact(lake)
    with LakeStore(lake) as view:
        assert view.count("articles") == 6
    assert lake_rows(lake)["_raw_articles"] != before["_raw_articles"]


def test_store_to_lake_to_store_round_trip(corpus, tmp_path):
    db = tmp_path / "s.duckdb"
    ingest([corpus / "a.jsonl", corpus / "b.jsonl"], db, quiet=True, coder_factory=fake_coder)
    original = store_rows(db)
    lake = tmp_path / "exported"
    exported = export_store(db, lake)
    assert exported.articles == 5 and exported.merged_events == len(original["merged_events"])
    with LakeStore(lake) as view:
        assert not view.stale
        assert store_rows(view) == original
    back = tmp_path / "back.duckdb"
    imported = import_lake(lake, back)
    assert imported.articles == 5
    assert store_rows(back) == original
    with pytest.raises(LakeError, match="already has partitions"):
        export_store(db, lake)


def test_import_of_a_run_lake_into_a_store(corpus, tmp_path):
    lake = tmp_path / "lake"
    run_fake([corpus / "a.jsonl", corpus / "b.jsonl"], lake, partition_size=2)
    db = tmp_path / "s.duckdb"
    import_lake(lake, db)
    with LakeStore(lake) as view:
        assert store_rows(db) == store_rows(view)


# -- planning ---------------------------------------------------------------------------------
def test_partitions_of_jsonl_files_and_folders(corpus):
    items = list(plan_inputs([corpus / "a.jsonl", INGEST_DATA, corpus / "missing.jsonl"], 2))
    specs = [i for i in items if not hasattr(i, "reason")]
    problems = [i for i in items if hasattr(i, "reason")]
    kinds = [(s.kind, s.units) for s in specs]
    # a.jsonl: 4 non-blank lines -> 2 + 2; the folder: its JSONL file on its own, then the
    # other files two by two (README-style files and unreadable ones reported, not shipped).
    assert kinds[:2] == [("jsonl", 2), ("jsonl", 2)]
    assert ("jsonl", 2) in kinds[2:] and all(k in ("jsonl", "files") for k, _ in kinds)
    assert any("missing.jsonl" in p.path and "no such file" in p.reason for p in problems)
    # Keys are content-defined: the same cut gives the same keys.
    again = [i.key for i in plan_inputs([corpus / "a.jsonl"], 2)]
    assert again == [s.key for s in specs[:2]]


def test_globs_are_expanded_and_unmatched_ones_reported(corpus):
    items = list(plan_inputs([str(corpus / "*.jsonl"), str(corpus / "nothing-*.warc")], 100))
    assert sorted(s.source for s in items if hasattr(s, "key")) == [
        str(corpus / "a.jsonl"), str(corpus / "b.jsonl")]
    assert any("no file matches" in p.reason for p in items if hasattr(p, "reason"))


def test_warc_partitions_are_record_ranges(tmp_path):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path = tmp_path / "crawl.warc.gz"
    pages = [HOTLINE, FARMERS, SANCTIONS, SUMMIT, HOTLINE_EDITED]
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for i, text in enumerate(pages):
            body = (f"<html><head><title>Story {i}</title></head><body><article><h1>Story {i}</h1>"
                    f"<p>{text}</p></article></body></html>").encode()
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                       protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                f"https://news.example.org/{i}", "response", payload=io.BytesIO(body),
                http_headers=headers))
            writer.write_record(writer.create_warc_record(
                f"https://news.example.org/{i}", "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")))
    specs = list(plan_inputs([path], 2))
    assert [s.kind for s in specs] == ["archive"] * 3
    ranges = [(s.fingerprint["start"], s.fingerprint["end"]) for s in specs]
    assert ranges[0][0] == 0 and ranges[-1][1] == os.path.getsize(path)
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))  # contiguous, no overlap
    lake = tmp_path / "lake"
    report = run_fake([path], lake, partition_size=2)
    assert report.ok and report.documents == 5
    with LakeStore(lake) as view:
        urls = sorted(r["url"] for r in view.query("SELECT url FROM articles"))
    assert urls == [f"https://news.example.org/{i}" for i in range(5)]


def test_document_streams_are_consumed_lazily(tmp_path):
    made = {"n": 0}

    def endless():
        while True:
            made["n"] += 1
            yield Document(text=f"{FARMERS} Report number {made['n']}.", outlet="Gen",
                           date="2024-05-01", source_format="synthetic")

    planner = plan_documents(endless(), 10)
    first = [next(planner) for _ in range(3)]
    assert [s.units for s in first] == [10, 10, 10] and made["n"] == 30
    stop_after = {"n": 0}

    def stop():
        stop_after["n"] += 1
        return stop_after["n"] >= 4

    report = run_documents(endless(), tmp_path / "lake", stream="endless", partition_size=5,
                           workers=0, coder=fake_coder, stop=stop)
    assert report.stopped and report.committed == 4 and report.finalize is None


# -- query commands ---------------------------------------------------------------------------
def test_open_source_and_cli(corpus, tmp_path):
    lake = tmp_path / "lake"
    runner = CliRunner()
    result = runner.invoke(app, ["run", str(corpus / "a.jsonl"), str(corpus / "b.jsonl"),
                                 "--lake", str(lake), "--workers", "0", "--partition-size", "2",
                                 "--no-code"])
    assert result.exit_code == 0, result.output
    assert "4 partitions committed" in result.output and "invalid JSON" in result.output
    info = runner.invoke(app, ["lake", "info", str(lake), "--json"])
    assert json.loads(info.output)["partitions"] == 4 and json.loads(info.output)["finalized"]
    listed = runner.invoke(app, ["events", "--lake", str(lake), "--format", "jsonl"])
    assert listed.exit_code == 0  # --no-code: no events, but a valid source
    assert runner.invoke(app, ["lake", "compact", str(lake)]).exit_code == 0
    again = runner.invoke(app, ["run", str(corpus / "a.jsonl"), str(corpus / "b.jsonl"),
                                "--lake", str(lake), "--workers", "0", "--no-code"])
    assert "0 partitions committed, 4 already in the lake" in again.output
    with open_source(lake=str(lake)) as source:
        assert isinstance(source, Store) and source.count("articles") == 5
        with pytest.raises(StoreError):
            source.transaction()
    with pytest.raises(StoreError, match="not both"):
        open_source(db="x.duckdb", lake=str(lake))
    bad = runner.invoke(app, ["dyad", "RUS", "PRK", "--lake", str(tmp_path / "nowhere")])
    assert bad.exit_code == 2 and "not a detente lake" in bad.output
    not_empty = tmp_path / "occupied"
    not_empty.mkdir()
    (not_empty / "x.txt").write_text("x")
    clash = runner.invoke(app, ["run", str(corpus / "a.jsonl"), "--lake", str(not_empty),
                                "--workers", "0"])
    assert clash.exit_code == 2 and "not empty" in clash.output


def test_relations_read_a_lake_like_the_store(corpus, tmp_path):
    from detente.relations import align, dyad_series

    lake = tmp_path / "lake"
    run_fake([corpus / "a.jsonl", corpus / "b.jsonl"], lake, partition_size=2)
    db = tmp_path / "s.duckdb"
    import_lake(lake, db)
    def counts(periods):
        # Top events are left out: the relations code breaks score ties by rowid on a table
        # and by id on a view, so equal-scored events may be listed in another order.
        return [{k: v for k, v in p.to_dict().items() if k != "top_events"} for p in periods]

    def partners(result):
        return [(p.country, p.affinity, p.n_events) for p in result.closest + result.hostile]

    with LakeStore(lake) as view, Store(db, read_only=True) as store:
        for reports in (True, False):
            a = dyad_series(view, "NOR", "VES", freq="month", reports=reports)
            b = dyad_series(store, "NOR", "VES", freq="month", reports=reports)
            assert a and counts(a) == counts(b)
        assert partners(align(view, "VES")) == partners(align(store, "VES"))
        assert align(view, "VES").closest[0].evidence  # evidence is read from the lake too


def test_the_web_app_serves_a_lake_read_only(corpus, tmp_path):
    from fastapi.testclient import TestClient

    from detente.web import WebConfig, create_app

    lake = tmp_path / "lake"
    run_fake([corpus / "a.jsonl", corpus / "b.jsonl"], lake, partition_size=2)
    with LakeStore(lake) as view:
        n_events = view.count("events")
    app = create_app(WebConfig(db=str(lake), lake=str(lake)))
    with TestClient(app) as client:
        listed = client.get("/api/events?limit=5")
        assert listed.status_code == 200 and listed.json()["total"] == n_events > 0
        assert client.get("/").status_code == 200
        refused = client.post("/api/ingest", json={"documents": [{"text": HOTLINE}]})
        assert refused.status_code >= 400
