"""Ingest on the real reference corpora in ../shared (read at test time, never copied): the
near-duplicate threshold on real AllSides near-duplicates, and every corpus file either
ingested or rejected with one clear line."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from detente.ingest.pipeline import ingest
from detente.store import Store

# AllSides article ids (not text) of candidate pairs, labelled by reading both articles.
# Same story re-run with edits: must be linked.
NEAR_DUPLICATES = [
    ("allsides:alNaerSF4wSmafd1", "allsides:hLJTwX29AEClgy3a"),  # Fox / Politico: one AP story
    ("allsides:bNFvN0lGy1AbyeM3", "allsides:hSvdkWfp380aDTo6"),  # Reuters, re-headlined
    ("allsides:IaKqYjvp2d3MdeNj", "allsides:xNkm4R0LbOImwDy3"),  # BBC, updated
    ("allsides:NOBNbN7kmbAqFzrY", "allsides:SYPeGeWE4H1uV8ts"),  # Guardian / Fox: one wire story
    ("allsides:7M9Re8emMPUGS7JG", "allsides:trybrgKcCC5w9apY"),  # CNN, re-issued at a new URL
    ("allsides:DkQ4OrtC0OITk2R2", "allsides:Hxh0WbJz33iyQVv5"),  # AP / Washington Times copy
    ("allsides:1Rsmj3XNrft7jrcb", "allsides:9CMwzJJVs4vAcUUv"),  # AP / CBS copy
    ("allsides:RHQbQZCjwWNSwPzV", "allsides:j6yJvAL7c9Si7lXb"),  # AP / Daily Mail copy
]
# Different articles on one event that share wire paragraphs: must stay apart.
DISTINCT = [
    ("allsides:ImWEuzpBPGc8956D", "allsides:zv1Es66jjTAFeogf"),  # CNN rewritten around new events
    ("allsides:HT0cGbnCLzweCbrR", "allsides:yfYpGOghLlgImh2a"),  # a blog post quoting Fox
    ("allsides:VkjL5MTB2Q6Ym5Bt", "allsides:Xeu9i2R93p8gbSPG"),  # Fox's own story vs AP's
    ("allsides:Sl9VPMAJkFPlB4cU", "allsides:UoZzLPxIo5PBDcck"),
    ("allsides:k44hroMxdkdlVySh", "allsides:xJuixTweMkrAowpK"),
]


def test_allsides_near_duplicates(shared, tmp_path):
    wanted = {i for pair in NEAR_DUPLICATES + DISTINCT for i in pair}
    subset = tmp_path / "allsides-pairs.jsonl"
    with open(shared / "corpora/news/allsides_international.jsonl", encoding="utf-8") as src, \
            open(subset, "w", encoding="utf-8") as out:
        for line in src:
            if json.loads(line)["id"] in wanted:
                out.write(line)
    db = tmp_path / "pairs.duckdb"
    report = ingest([subset], db, code=False, quiet=True)
    assert report.documents == len(wanted) and not report.failed
    with Store(db) as store:
        cluster = dict(store.con.execute("SELECT source_id, canonical_id FROM articles").fetchall())
    for a, b in NEAR_DUPLICATES:
        assert cluster[a] == cluster[b], (a, b)
    for a, b in DISTINCT:
        assert cluster[a] != cluster[b], (a, b)
    assert report.near_duplicate == len(NEAR_DUPLICATES)


@pytest.mark.slow
def test_every_shared_corpus_file_is_ingested_or_rejected_clearly(shared, tmp_path):
    corpora = shared / "corpora"
    db = tmp_path / "all.duckdb"
    env = dict(os.environ, COLUMNS="200")
    proc = subprocess.run([sys.executable, "-m", "detente.cli", "ingest", str(corpora), "--db",
                           str(db), "--no-code"], capture_output=True, text=True, env=env,
                          timeout=1800)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr and "Error:" not in proc.stderr
    lines = [l for l in proc.stderr.splitlines() if l.strip()]
    with Store(db) as store:
        stored = {r[0] for r in store.con.execute(
            "SELECT DISTINCT source_path FROM article_sources").fetchall()}
        n_articles = store.count("articles")
    files = sorted(p for p in corpora.rglob("*") if p.is_file())
    for path in files:
        named = [l for l in lines if l.startswith(str(path))]
        assert str(path) in stored or named, f"{path}: neither stored nor reported"
    # Every problem line is "path: reason" for a file under the corpora.
    for line in lines:
        assert line.startswith(str(corpora)) and ": " in line, line
    assert n_articles > 7000
    # The known bad inputs are named with what is wrong with them.
    text = "\n".join(lines)
    assert "example-bad-non-chunked.warc.gz: whole-file gzip WARC" in text
    assert "7ef13a42fa7e177a: malformed feed XML" in text
    assert "index.json: JSON with" in text
