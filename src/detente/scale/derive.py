"""Lake-wide tables, computed once the partitions are in: article owners, near-duplicate
links, deduplicated provenance and merged events.

Partitions are coded independently, so whatever needs all articles at once is done here, on
the client, as a deterministic function of the set of committed partitions:

1. **Owners** -- each article id's first copy in input order (see :mod:`.views`).
2. **Near-duplicate links** -- the ingest rule (MinHash LSH over word 3-shingles, candidates
   verified by exact Jaccard >= ``neardup.THRESHOLD``, best match wins, ties to the smallest
   id), applied in input order, so an article links to the cluster head of its best earlier
   match.  The LSH banding that ``datasketch.MinHashLSH`` does in memory is done as a DuckDB
   join on band slices of the stored signatures instead, so a lake larger than memory links
   out of core; only candidate pairs reach Python.
3. **Merged events** -- :func:`detente.relations.merge_events` on a scratch DuckDB store
   holding the owners' articles, their provenance and the cluster heads' events.

The results go to ``derived/<digest>/`` (written aside, then renamed) and ``_derived.json``
names the folder and the partition digest it was computed from; views use them only while that
digest is current.  Finalize recomputes everything each time: the serial tail of a run, whose
cost is measured in docs/benchmarks.md.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import numpy as np
import pyarrow as pa

from ..ingest.neardup import NUM_PERM, THRESHOLD, jaccard, shingle_set
from ..store import Store
from .layout import DERIVED, DERIVED_STATE, Lake, atomic_write_text
from .views import create_views

# MinHashLSH(threshold=THRESHOLD - 0.1, num_perm=NUM_PERM), as NearDupIndex builds it: the
# banding is taken from datasketch so candidates are exactly those the ingest index finds.
_SHINGLE_CACHE = 4096


@dataclass
class FinalizeReport:
    digest: str
    skipped: bool = False  # already current
    articles: int = 0
    near_duplicates: int = 0
    candidate_pairs: int = 0
    events: int = 0  # cluster heads' events
    merged: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        if self.skipped:
            return "lake already finalized"
        return (f"finalized: {self.articles:,} articles ({self.near_duplicates:,} near-duplicates), "
                f"{self.events:,} events -> {self.merged:,} merged events in {self.seconds:.1f} s")


def _bands() -> tuple[int, int]:
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=max(0.05, THRESHOLD - 0.1), num_perm=NUM_PERM)
    return lsh.b, lsh.r


class _Shingles:
    """Shingle sets of articles by id, read from the scratch store, LRU-cached."""

    def __init__(self, con):
        self.con = con
        self.cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def load(self, ids: list[str]) -> None:
        missing = [i for i in ids if i not in self.cache]
        if missing:
            rows = self.con.execute("SELECT id, text FROM articles WHERE id IN (SELECT unnest(?))",
                                    [missing]).fetchall()
            for aid, text in rows:
                self.cache[aid] = shingle_set(text)
        for i in ids:
            if i in self.cache:
                self.cache.move_to_end(i)
        while len(self.cache) > _SHINGLE_CACHE:
            self.cache.popitem(last=False)

    def __getitem__(self, aid: str) -> np.ndarray:
        if aid not in self.cache:
            self.load([aid])
        return self.cache[aid]


def link_near_duplicates(con) -> tuple[int, int]:
    """Set ``articles.canonical_id`` on the scratch store (ordered by ``_own.origin``).
    Returns (candidate pairs, near-duplicates)."""
    b, r = _bands()
    con.execute(f"""
        CREATE OR REPLACE TABLE _bands AS
        SELECT a.id, o.origin, t.b, a.minhash[t.b * {r} + 1 : (t.b + 1) * {r}] AS band
        FROM articles a JOIN _own o ON o.id = a.id, range({b}) t(b)
        WHERE a.minhash IS NOT NULL AND len(a.minhash) = {NUM_PERM}""")
    con.execute("""
        CREATE OR REPLACE TABLE _cand AS
        SELECT DISTINCT x.id AS later, x.origin AS later_origin, y.id AS earlier
        FROM _bands x JOIN _bands y ON x.b = y.b AND x.band = y.band AND y.origin < x.origin""")
    con.execute("DROP TABLE _bands")
    n_pairs = con.execute("SELECT count(*) FROM _cand").fetchall()[0][0]
    if not n_pairs:
        return 0, 0
    reader = con.cursor()
    shingles = _Shingles(con.cursor())
    canonical: dict[str, str] = {}
    links: list[tuple[str, str]] = []
    cur = reader.execute("SELECT later, list(earlier ORDER BY earlier) FROM _cand "
                         "GROUP BY later, later_origin ORDER BY later_origin")
    while True:
        batch = cur.fetchmany(1000)
        if not batch:
            break
        shingles.load([i for later, earlier in batch for i in [later, *earlier]])
        for later, earlier in batch:
            mine = shingles[later]
            best: Optional[tuple[str, float]] = None
            for cand in earlier:
                sim = jaccard(mine, shingles[cand])
                if sim >= THRESHOLD and (best is None or sim > best[1]):
                    best = (cand, sim)
            if best is not None:
                head = canonical.get(best[0], best[0])
                canonical[later] = head
                links.append((later, head))
    reader.close()
    if links:
        table = pa.table({"id": [l[0] for l in links], "canonical_id": [l[1] for l in links]})
        con.register("_links", table)
        try:
            con.execute("UPDATE articles SET canonical_id = l.canonical_id FROM _links l "
                        "WHERE articles.id = l.id")
        finally:
            con.unregister("_links")
    con.execute("DROP TABLE _cand")
    return n_pairs, len(links)


def finalize(lake: Lake | str | os.PathLike, *, force: bool = False, merge: bool = True,
             workdir: Optional[str] = None,
             progress: Optional[Callable[[str], None]] = None) -> FinalizeReport:
    """Compute the derived tables for the lake's committed partitions (skipped when they are
    current, unless ``force``).  Call under the lake lock (``detente run`` and ``detente lake
    finalize`` do).  ``workdir``: where the scratch DuckDB file goes (default: the system
    temporary folder; keep it off network file systems)."""
    lake = lake if isinstance(lake, Lake) else Lake(lake)
    t0 = time.perf_counter()
    say = progress or (lambda _m: None)
    markers = lake.markers()
    digest = lake.committed_digest(markers)
    report = FinalizeReport(digest=digest)
    state = lake.derived_state()
    if not force and state and state.get("digest") == digest and (lake.root / state["dir"]).is_dir():
        report.skipped = True
        return report
    scratch_dir = Path(tempfile.mkdtemp(prefix="detente-finalize-", dir=workdir))
    try:
        store = Store(scratch_dir / "scratch.duckdb")
        try:
            con = store.con
            create_views(con, lake, prefix="lake", temp=True, markers=markers)
            say("owners")
            con.execute("""
                CREATE TABLE _own AS
                SELECT id, arg_min(part, origin) AS part, min(origin) AS origin
                FROM lake_raw_articles GROUP BY id""")
            cols = [c for c in ("id", "title", "text", "date", "published", "outlet", "url",
                                "author", "source_id", "source_path", "source_format", "lang",
                                "extra", "minhash", "n_chars")]
            select = ", ".join("a.extra::JSON" if c == "extra" else f"a.{c}" for c in cols)
            con.execute(f"""
                INSERT INTO articles ({', '.join(cols)}, canonical_id)
                SELECT {select}, a.id FROM lake_raw_articles a
                JOIN _own o ON o.id = a.id AND o.part = a.part ORDER BY o.origin""")
            report.articles = con.execute("SELECT count(*) FROM articles").fetchall()[0][0]
            say("near-duplicates")
            report.candidate_pairs, report.near_duplicates = link_near_duplicates(con)
            con.execute("""
                INSERT INTO article_sources (article_id, outlet, url, title, date, source_id,
                                             source_path)
                SELECT article_id, outlet, url, title, date, source_id, source_path
                FROM lake_raw_sources
                QUALIFY row_number() OVER (
                    PARTITION BY article_id, coalesce(outlet, ''), coalesce(url, ''),
                                 coalesce(source_id, '') ORDER BY origin) = 1
                ORDER BY origin""")
            event_cols = ", ".join(Store.EVENT_COLUMNS)
            con.execute(f"""
                INSERT INTO events ({event_cols})
                SELECT {', '.join('e.' + c for c in Store.EVENT_COLUMNS)}
                FROM lake_raw_events e
                JOIN _own o ON o.id = e.article_id AND o.part = e.part
                JOIN articles a ON a.id = o.id AND a.canonical_id = a.id
                ORDER BY e.id""")
            report.events = con.execute("SELECT count(*) FROM events").fetchall()[0][0]
            if merge and report.events:
                say("merged events")
                from ..relations.merge import merge_events

                merge_events(store, full=True)
            report.merged = con.execute("SELECT count(*) FROM merged_events").fetchall()[0][0]
            say("writing")
            _write_derived(lake, con, digest, report)
        finally:
            store.close()
    finally:
        shutil.rmtree(scratch_dir, ignore_errors=True)
    report.seconds = time.perf_counter() - t0
    return report


def _write_derived(lake: Lake, con, digest: str, report: FinalizeReport) -> None:
    # A new folder name every time: the current one stays readable until the state moves.
    name = f"{digest}-{uuid.uuid4().hex[:8]}"
    work = lake.root / "_tmp" / f"derived-{uuid.uuid4().hex}"
    work.mkdir(parents=True, exist_ok=True)

    def copy(sql: str, target: Path, extra: str = "") -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        con.execute(f"COPY ({sql}) TO '{target}' (FORMAT parquet, COMPRESSION zstd{extra})")

    copy("SELECT o.id, o.part, a.canonical_id FROM _own o JOIN articles a ON a.id = o.id "
         "ORDER BY o.id", work / "owners" / "owners.parquet")
    copy("SELECT * EXCLUDE (seen_at) FROM article_sources "
         "ORDER BY article_id, outlet NULLS FIRST, url NULLS FIRST, source_id NULLS FIRST",
         work / "article_sources" / "article_sources.parquet")
    copy("SELECT * FROM event_merge_members ORDER BY event_id",
         work / "event_merge_members" / "event_merge_members.parquet")
    if report.merged:
        copy("SELECT * EXCLUDE (merged_at), coalesce(strftime(event_day, '%Y-%m'), 'unknown') "
             "AS month FROM merged_events ORDER BY id", work / "merged_events",
             ", PARTITION_BY (month), FILENAME_PATTERN 'merged-{i}'")
    target = lake.root / DERIVED / name
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(work, target)
    atomic_write_text(lake.root / DERIVED_STATE, json.dumps({
        "digest": digest, "dir": f"{DERIVED}/{name}",
        "articles": report.articles, "near_duplicates": report.near_duplicates,
        "events": report.events, "merged_events": report.merged}, indent=2))
    for other in (lake.root / DERIVED).iterdir():
        if other.name != name:
            shutil.rmtree(other, ignore_errors=True)
