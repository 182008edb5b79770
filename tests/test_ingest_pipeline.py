"""Store writes: rows and metadata, re-ingest, provenance, near-duplicates, batch atomicity,
kill-and-resume, coding in the batch transaction, and the `ingest`/`stats` commands."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from detente.cli import app
from detente.ingest import pipeline
from detente.ingest.pipeline import IngestReport, ingest, ingest_documents
from detente.records import Document, Event, Evidence, event_id
from detente.store import Store

from conftest import DEMO, SEED

DATA = Path(__file__).parent / "data" / "ingest"

STORY = ("The defence ministers of Norland and Vestria met in Halvik on Tuesday and agreed to set "
         "up a hotline between their navies, a step both governments described as the most "
         "important since the fisheries dispute began. The hotline will link the two fleet "
         "headquarters and will be tested every week, officials said. Norland's minister, Ada "
         "Brenn, told reporters that the agreement would reduce the risk of accidents at sea. "
         "Vestria's minister said his government would also invite Norland observers to its "
         "spring exercises, which take place near the disputed islands every April.")
# The same wire story as another outlet ran it: a new first clause, a few words changed and a
# closing sentence added.
STORY_EDITED = (STORY.replace("met in Halvik on Tuesday", "met in the port of Halvik on Tuesday")
                .replace("officials said", "officials from both sides said")
                + " The ministers will meet again in the autumn.")
OTHER_STORY = ("Farmers in the south of Ostria blocked roads with tractors on Wednesday to protest "
               "against lower grain prices, the third such protest this month. Police said the "
               "blockades caused long queues at two border crossings. The agriculture minister "
               "promised to meet farmers' representatives next week and said the government was "
               "studying a temporary subsidy for small farms.")


def _doc(text, outlet, url, title="Ministers agree hotline", date="2024-03-05", sid=None):
    return Document(text=text, title=title, date=date, outlet=outlet, url=url, source_id=sid,
                    source_path="test", source_format="jsonl")


def tables(path) -> dict[str, list[tuple]]:
    """Every stored row except the wall-clock columns, in a stable order."""
    with Store(path) as store:
        con = store.con

        def rows(sql):
            return [tuple(json.dumps(v, default=str) if isinstance(v, (list, dict)) else v for v in r)
                    for r in con.execute(sql).fetchall()]

        return {
            "articles": rows("SELECT * EXCLUDE (ingested_at) FROM articles ORDER BY id"),
            "article_sources": rows("SELECT * EXCLUDE (seen_at) FROM article_sources "
                                    "ORDER BY ALL"),
            "events": rows("SELECT * FROM events ORDER BY id"),
            "coded_articles": rows("SELECT * EXCLUDE (coded_at) FROM coded_articles ORDER BY ALL"),
        }


# -- rows and metadata ---------------------------------------------------------------------

def test_ingest_folder_stores_text_and_metadata(tmp_path):
    db = tmp_path / "s.duckdb"
    report = ingest([DATA], db, code=False, quiet=True)
    assert (report.ingested, report.duplicate, report.near_duplicate) == (14, 0, 0)
    assert report.failed == 3  # the three bad JSONL lines
    assert report.ok and len(report.article_ids) == 14
    with Store(db) as store:
        assert store.count("articles") == 14 and store.count("article_sources") == 14
        (row,) = store.query("SELECT * FROM articles WHERE source_id = 'c2'")
        assert row["title"] == "Election Monitors Arrive in Pravia"
        assert row["text"].startswith("A team of forty election monitors arrived in Pravia")
        assert row["date"] == "2021-03-04T08:15:00+01:00"
        assert row["published"].isoformat().startswith("2021-03-04T07:15:00")
        assert (row["outlet"], row["url"], row["source_format"]) == (
            "Example Wire", "https://wire.example.org/c2", "jsonl")
        assert row["canonical_id"] == row["id"] and len(row["minhash"]) == 128
        assert row["n_chars"] == len(row["text"])
        (c1,) = store.query("SELECT extra, author FROM articles WHERE source_id = 'c1'")
        assert json.loads(c1["extra"]) == {"topic": "trade"} and c1["author"] == "R. Lind"
        (seed_like,) = store.query(
            "SELECT title, text FROM articles WHERE source_path LIKE '%article.txt'")
        assert seed_like["title"] == "Coastal States Sign Fisheries Pact After Two Years of Talks"
        assert "Share this article" not in seed_like["text"]


def test_reingest_changes_nothing(tmp_path):
    db = tmp_path / "s.duckdb"
    ingest([DATA, SEED], db, code=False, quiet=True)
    before = tables(db)
    again = ingest([DATA, SEED], db, code=False, quiet=True)
    assert (again.ingested, again.near_duplicate, again.duplicate) == (0, 0, 15)
    assert again.new_sources == 0 and again.ok
    assert tables(db) == before


def test_new_outlet_or_url_for_a_stored_article_adds_a_source(tmp_path):
    db = tmp_path / "s.duckdb"
    ingest_documents([_doc(STORY, "Example Wire", "https://wire.example.org/1")], db, code=False)
    report = ingest_documents([_doc(STORY, "Other Daily", "https://other.example.org/x"),
                               _doc(STORY, "Example Wire", "https://wire.example.org/1")],
                              db, code=False)
    assert (report.ingested, report.duplicate, report.new_sources) == (0, 2, 1)
    with Store(db) as store:
        assert store.count("articles") == 1
        outlets = {r["outlet"] for r in store.query("SELECT outlet FROM article_sources")}
        assert outlets == {"Example Wire", "Other Daily"}


# -- near-duplicates ---------------------------------------------------------------------------

def test_near_duplicates_are_linked_within_and_across_runs(tmp_path):
    db = tmp_path / "s.duckdb"
    first = ingest_documents([_doc(STORY, "Example Wire", "https://wire.example.org/1"),
                              _doc(OTHER_STORY, "Example Wire", "https://wire.example.org/2",
                                   title="Farmers block roads")], db, code=False)
    head = first.article_ids[0]
    # A later run: the index must see the article stored by the first one.
    second = ingest_documents([_doc(STORY_EDITED, "Other Daily", "https://other.example.org/a")],
                              db, code=False)
    assert (second.ingested, second.near_duplicate) == (0, 1)
    copy = second.article_ids[0]
    assert copy != head
    with Store(db) as store:
        canon = dict(store.con.execute("SELECT id, canonical_id FROM articles").fetchall())
        assert canon[copy] == head and canon[head] == head
        assert canon[first.article_ids[1]] == first.article_ids[1]
        sources = store.query("SELECT article_id, outlet FROM article_sources ORDER BY outlet")
        assert {(s["article_id"], s["outlet"]) for s in sources} >= {
            (head, "Example Wire"), (copy, "Other Daily")}
    # Within one run, too.
    other_db = tmp_path / "t.duckdb"
    both = ingest_documents([_doc(STORY, "A", "u1"), _doc(STORY_EDITED, "B", "u2")], other_db,
                            code=False)
    assert (both.ingested, both.near_duplicate) == (1, 1)


def test_short_texts_are_only_matched_exactly(tmp_path):
    a = "Trade ministers met in Vienna on Monday to discuss steel tariffs."
    b = "Trade ministers met in Vienna on Tuesday to discuss steel tariffs."
    report = ingest_documents([_doc(a, "A", "u1", title=None), _doc(b, "B", "u2", title=None)],
                              tmp_path / "s.duckdb", code=False)
    assert (report.ingested, report.near_duplicate) == (2, 0)


# -- atomicity: a batch is all or nothing, and a re-run completes it -------------------------

def _wikinews_subset(tmp_path, n=120, parts=4) -> tuple[Path, int]:
    lines = (DEMO / "wikinews_2019_2020.jsonl").read_text(encoding="utf-8").splitlines(True)[:n]
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(parts):
        (folder / f"part{i}.jsonl").write_text("".join(lines[i::parts]), encoding="utf-8")
    return folder, len(lines)


def test_failed_batch_rolls_back_and_rerun_equals_clean_run(tmp_path, monkeypatch):
    folder, n = _wikinews_subset(tmp_path, n=30, parts=2)
    clean = tmp_path / "clean.duckdb"
    ingest([folder], clean, code=False, quiet=True, batch_size=7)
    broken = tmp_path / "broken.duckdb"
    original = pipeline._Ingestor._insert_sources
    calls = {"n": 0}

    def fail_on_third(self, rows):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # as if Ctrl-C arrived mid-transaction
        return original(self, rows)

    monkeypatch.setattr(pipeline._Ingestor, "_insert_sources", fail_on_third)
    with pytest.raises(KeyboardInterrupt):
        ingest([folder], broken, code=False, quiet=True, batch_size=7)
    with Store(broken) as store:
        assert store.count("articles") == 14 and store.count("article_sources") == 14
    monkeypatch.setattr(pipeline._Ingestor, "_insert_sources", original)
    rerun = ingest([folder], broken, code=False, quiet=True, batch_size=7)
    assert (rerun.duplicate, rerun.ingested + rerun.near_duplicate) == (14, n - 14)
    assert tables(broken) == tables(clean)


def test_kill_9_mid_ingest_then_rerun_equals_clean_run(tmp_path):
    folder, n = _wikinews_subset(tmp_path)
    batch = 4

    def command(db):
        return [sys.executable, "-m", "detente.cli", "ingest", str(folder), "--db", str(db),
                "--no-code", "--quiet", "--batch-size", str(batch)]

    clean = tmp_path / "clean.duckdb"
    subprocess.run(command(clean), check=True, capture_output=True, timeout=300)

    killed = tmp_path / "killed.duckdb"
    stored = 0
    for attempt in range(4):
        for leftover in (killed, Path(f"{killed}.wal")):
            leftover.unlink(missing_ok=True)
        proc = subprocess.Popen(command(killed), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        wal = Path(f"{killed}.wal")
        sizes: set[int] = set()
        deadline = time.monotonic() + 120
        # Each committed transaction grows the write-ahead log: kill after the migration and
        # `attempt + 1` batch commits have landed, with the rest still to come.
        while proc.poll() is None and time.monotonic() < deadline:
            if wal.exists():
                sizes.add(wal.stat().st_size)
                if len(sizes) >= 3 + attempt:
                    break
            time.sleep(0.002)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        with Store(killed) as store:
            stored = store.count("articles")
            sources = store.count("article_sources")
        if 0 < stored < n:
            break
    assert 0 < stored < n, "could not stop the run mid-way"
    assert stored % batch == 0 and sources == stored  # whole batches only
    subprocess.run(command(killed), check=True, capture_output=True, timeout=300)
    assert tables(killed) == tables(clean)


# -- coding inside the batch transaction ------------------------------------------------------

class FakeCoder:
    """One event per article: enough to check where the pipeline writes events."""

    version = "fake-1"

    def __init__(self):
        self.seen: list[str] = []

    def code_many(self, items, batch_size=64):
        for article_id, text, date in items:
            self.seen.append(article_id)
            ev = Event(id=event_id(article_id, 0, 0, "NOR", "VES", "036"), source="NOR",
                       target="VES", code="036", root="03", quad_class=1, goldstein=4.0,
                       date=date, date_precision="day" if date else None,
                       evidence=Evidence(article_id=article_id, sentence_index=0,
                                         sentence=text[:40], sentence_start=0, trigger="met",
                                         trigger_start=0, trigger_end=3),
                       source_country="NOR", target_country="VES")
            yield article_id, [ev]


def test_events_are_written_with_their_batch_and_near_duplicates_not_recoded(tmp_path):
    db = tmp_path / "s.duckdb"
    coder = FakeCoder()
    docs = [_doc(STORY, "A", "u1"), _doc(STORY_EDITED, "B", "u2"),
            _doc(OTHER_STORY, "A", "u3", title="Farmers")]
    report = ingest_documents(docs, db, coder_factory=lambda: coder)
    head, copy, other = report.article_ids
    assert coder.seen == [head, other]  # the near-duplicate is linked, not coded again
    assert (report.coded, report.events) == (2, 2)
    with Store(db) as store:
        rows = store.query("SELECT article_id, coder_version, n_events FROM coded_articles "
                           "ORDER BY article_id")
        assert {(r["article_id"], r["coder_version"], r["n_events"]) for r in rows} == {
            (head, "fake-1", 1), (other, "fake-1", 1)}
        assert store.count("events") == 2
    # Nothing is coded twice.
    again = ingest_documents(docs, db, coder_factory=FakeCoder)
    assert (again.coded, again.duplicate) == (0, 3)


def test_an_article_the_coder_fails_on_is_stored_uncoded_and_the_rest_coded(tmp_path):
    class Fragile(FakeCoder):
        def code_many(self, items, batch_size=64):
            for item in items:
                if "Farmers" in item[1]:
                    raise ValueError("cannot parse")
                yield from super().code_many([item])

    docs = [_doc(STORY, "A", "u1"), _doc(OTHER_STORY, "A", "u3", title="Farmers")]
    report = ingest_documents(docs, tmp_path / "s.duckdb", coder_factory=Fragile)
    assert (report.ingested, report.coded) == (2, 1)
    (note,) = [p for p in report.problems if "events not coded" in p.reason]
    assert report.article_ids[1] in note.reason and "ValueError: cannot parse" in note.reason


def test_articles_stored_uncoded_are_coded_by_a_later_coding_run(tmp_path):
    db = tmp_path / "s.duckdb"
    ingest([DATA / "feed.atom"], db, code=False, quiet=True)
    coder = FakeCoder()
    report = ingest([DATA / "feed.atom"], db, quiet=True, coder_factory=lambda: coder)
    assert report.duplicate == 1 and report.coded == 1 and len(coder.seen) == 1


def test_missing_coder_stores_articles_uncoded_with_a_note(tmp_path):
    def unavailable():
        raise pipeline._CoderUnavailable("event coder not available (test)")

    report = ingest([DATA / "feed.atom"], tmp_path / "s.duckdb", quiet=True,
                    coder_factory=unavailable)
    assert report.ingested == 1 and report.ok and report.coded == 0
    assert any("not coded" in str(p) for p in report.problems)


def test_real_coder_codes_the_seed(tmp_path):
    pytest.importorskip("detente.events.coder")
    report = ingest([SEED], tmp_path / "s.duckdb", quiet=True)
    assert report.ingested == 1 and report.coded == 1
    with Store(tmp_path / "s.duckdb") as store:
        assert store.count("coded_articles") == 1
        assert store.count("events") == report.events > 0
        (aid,) = {r["article_id"] for r in store.query("SELECT article_id FROM events")}
        assert aid == report.article_ids[0]


# -- commands -------------------------------------------------------------------------------

def test_cli_ingest_summary_exit_codes_and_stats(tmp_path, monkeypatch):
    runner = CliRunner()
    db = tmp_path / "cli.duckdb"
    result = runner.invoke(app, ["ingest", str(DATA), "--db", str(db), "--no-code"])
    assert result.exit_code == 0, result.output
    assert "14 ingested · 0 duplicate · 0 near-duplicate" in result.stdout
    assert f"{DATA / 'corpus.jsonl'}:3: invalid JSON" in result.stderr
    assert "Traceback" not in result.output
    # Everything already there: still success.
    result = runner.invoke(app, ["ingest", str(DATA / "feed.atom"), "--db", str(db), "--no-code"])
    assert result.exit_code == 0 and "0 ingested · 1 duplicate" in result.stdout
    # All inputs failed: non-zero, one line each.
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"")
    result = runner.invoke(app, ["ingest", str(bad), "/nonexistent.xml", "--db", str(db),
                                 "--no-code", "--quiet"])
    assert result.exit_code == 1
    assert f"{bad}: empty file" in result.stderr
    assert "/nonexistent.xml: no such file or directory" in result.stderr
    # --strict stops at the first failure.
    result = runner.invoke(app, ["ingest", str(bad), str(DATA / "feed.rdf"), "--db",
                                 str(tmp_path / "strict.duckdb"), "--no-code", "--strict"])
    assert result.exit_code == 1 and "--strict" in result.stderr
    assert "0 ingested" in result.stdout
    # stats, with the store chosen by $DETENTE_DB
    monkeypatch.setenv("DETENTE_DB", str(db))
    result = runner.invoke(app, ["stats"])
    assert result.exit_code == 0, result.output
    for expected in ("articles", "Example Wire", "2021-03", "events", "near-duplicates"):
        assert expected in result.stdout


def test_stats_without_a_store(tmp_path):
    result = CliRunner().invoke(app, ["stats", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1 and "no such store" in result.stderr


def test_report_ok_rules():
    assert IngestReport(db="x", duplicate=3).ok
    assert not IngestReport(db="x", failed=2).ok
    assert IngestReport(db="x", ingested=1, failed=5).ok
    assert not IngestReport(db="x", ingested=1, stopped=True).ok
    assert not IngestReport(db="x").ok  # nothing found at all
