"""Lake upkeep: compaction, store <-> lake transfer, and a summary of what a lake holds.

* :func:`compact` merges each month's small partition files into files of up to
  ``target_bytes`` and folds the per-partition markers into one checkpoint, so that listing a
  lake stays cheap after thousands of partitions.  Rows do not change (nor, therefore, the
  derived tables).  Safe to interrupt at any point: new files become visible only with the
  checkpoint, old ones are deleted only after it; leftovers of an interrupted compaction are
  removed by the next.
* :func:`export_store` writes a DuckDB store as a lake (one partition, with the store's own
  near-duplicate links and merged events as the derived tables); :func:`import_lake` loads a
  lake into a store.  Store -> lake -> store gives back the same rows (wall-clock columns
  aside).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import asdict, dataclass
from typing import Any

import duckdb

from ..store import Store
from .layout import (CHECKPOINT_PREFIX, COMMITS, DERIVED, DERIVED_STATE, TABLES, Lake, LakeError,
                     Marker, atomic_write_text, fsync_file, partition_key)
from .views import create_views, store_columns

TARGET_BYTES = 256 << 20


def _lit(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


# -- compaction ------------------------------------------------------------------------------
@dataclass
class CompactReport:
    files_before: int = 0
    files_after: int = 0
    markers_folded: int = 0
    orphans_removed: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        return (f"{self.files_before:,} files -> {self.files_after:,}; {self.markers_folded:,} "
                f"markers folded into one checkpoint; {self.orphans_removed:,} leftover files "
                f"removed ({self.seconds:.1f} s)")


_SORT = {"articles": "part, origin", "sources": "part, origin", "events": "part, id"}


def compact(lake_path: str | os.PathLike, *, target_bytes: int = TARGET_BYTES) -> CompactReport:
    """Merge small files month by month (see the module docstring)."""
    t0 = time.perf_counter()
    lake = Lake(lake_path)
    report = CompactReport()
    with lake.locked("detente lake compact"):
        lake.clean_tmp()
        markers = lake.markers()
        visible = lake.visible_files(markers)
        report.files_before = sum(len(v) for v in visible.values())
        mapping: dict[str, str] = {}
        con = duckdb.connect(":memory:")
        work = lake.work_dir("compact")
        try:
            for table in TABLES:
                by_dir: dict[str, list[str]] = {}
                for rel in visible[table]:
                    by_dir.setdefault(rel.rsplit("/", 1)[0], []).append(rel)
                for folder, rels in sorted(by_dir.items()):
                    for group in _bins(lake, rels, target_bytes):
                        if len(group) < 2:
                            continue
                        digest = hashlib.sha256("\n".join(group).encode()).hexdigest()[:20]
                        rel_out = f"{folder}/compact-{digest}.parquet"
                        tmp = work / rel_out
                        tmp.parent.mkdir(parents=True, exist_ok=True)
                        names = ", ".join(_lit(lake.root / r) for r in group)
                        con.execute(
                            f"COPY (SELECT * FROM read_parquet([{names}], hive_partitioning = false, "
                            f"union_by_name = true) ORDER BY {_SORT[table]}) TO {_lit(tmp)} "
                            "(FORMAT parquet, COMPRESSION zstd)")
                        fsync_file(tmp)
                        os.replace(tmp, lake.root / rel_out)
                        for r in group:
                            mapping[r] = rel_out
        finally:
            con.close()
            shutil.rmtree(work, ignore_errors=True)
        seq = lake.checkpoint_seq() + 1
        folded = {k: Marker(**{**asdict(m), "files": sorted({mapping.get(f, f) for f in m.files}),
                               "after": seq}) for k, m in markers.items()}
        commits = lake.root / COMMITS
        commits.mkdir(parents=True, exist_ok=True)
        atomic_write_text(commits / f"{CHECKPOINT_PREFIX}{seq:06d}.jsonl",
                          "".join(json.dumps(asdict(m), ensure_ascii=False, sort_keys=True) + "\n"
                                  for _, m in sorted(folded.items())))
        # From here the checkpoint is the truth; the rest is cleaning up.
        for p in commits.iterdir():
            if p.name.endswith(".json") or (p.name.startswith(CHECKPOINT_PREFIX)
                                            and p.name != f"{CHECKPOINT_PREFIX}{seq:06d}.jsonl"):
                report.markers_folded += p.name.endswith(".json")
                p.unlink(missing_ok=True)
        keep = {f for m in folded.values() for f in m.files}
        report.files_after = len(keep)
        report.orphans_removed = _remove_unlisted(lake, keep) - len(mapping)
    report.seconds = time.perf_counter() - t0
    return report


def _bins(lake: Lake, rels: list[str], target: int) -> list[list[str]]:
    """Consecutive files packed into groups of at most ``target`` bytes."""
    groups: list[list[str]] = [[]]
    size = 0
    for rel in sorted(rels):
        n = (lake.root / rel).stat().st_size
        if groups[-1] and size + n > target:
            groups.append([])
            size = 0
        groups[-1].append(rel)
        size += n
    return groups


def _remove_unlisted(lake: Lake, keep: set[str]) -> int:
    """Delete table files no marker lists (replaced by compaction, or left by a killed run).
    Only under the lock."""
    removed = 0
    for table in TABLES:
        base = lake.root / table
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*.parquet")):
            rel = path.relative_to(lake.root).as_posix()
            if rel not in keep:
                path.unlink(missing_ok=True)
                removed += 1
        for folder in sorted(base.iterdir()):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
    return removed


# -- store -> lake ---------------------------------------------------------------------------
@dataclass
class TransferReport:
    articles: int = 0
    events: int = 0
    sources: int = 0
    merged_events: int = 0
    seconds: float = 0.0

    def summary(self, verb: str, target: str) -> str:
        return (f"{verb} {self.articles:,} articles, {self.events:,} events, {self.sources:,} "
                f"sources, {self.merged_events:,} merged events -> {target} "
                f"({self.seconds:.1f} s)")


def export_store(db: str | os.PathLike, lake_path: str | os.PathLike) -> TransferReport:
    """Write the store ``db`` as a new lake at ``lake_path`` (a new or empty folder)."""
    t0 = time.perf_counter()
    store = Store(db, read_only=True)
    report = TransferReport()
    try:
        lake = Lake(lake_path, create=True)
        with lake.locked("detente lake export"):
            if lake.markers():
                raise LakeError(f"{lake.root}: the lake already has partitions; export into a "
                                "new folder")
            _export(store, lake, report)
    finally:
        store.close()
    report.seconds = time.perf_counter() - t0
    return report


def _export(store: Store, lake: Lake, report: TransferReport) -> None:
    con = store.con
    source = os.path.abspath(store.path)
    ids = con.execute("SELECT count(*), md5(coalesce(string_agg(id || '/' || "
                      "coalesce(canonical_id, ''), ',' ORDER BY id), '')) FROM articles").fetchall()[0]
    evs = con.execute("SELECT count(*), md5(coalesce(string_agg(id, ',' ORDER BY id), '')) "
                      "FROM events").fetchall()[0]
    fingerprint = {"kind": "store", "source": source, "articles": ids[0], "articles_md5": ids[1],
                   "events": evs[0], "events_md5": evs[1]}
    key = partition_key(fingerprint)
    work = lake.work_dir(f"export-{key}")
    order = (f"printf('%s\t%015d\t%06d', {_lit(source)}, "
             "row_number() OVER (ORDER BY a.ingested_at, a.id), 0)")
    month = "coalesce(strftime(timezone('UTC', {col}), '%Y-%m'), 'unknown')"
    pattern = f"FILENAME_PATTERN 'part-{key}-{{i}}'"
    try:
        con.execute(f"""CREATE TEMP TABLE _export_order AS
                        SELECT a.id, {order} AS origin FROM articles a""")
        con.execute(f"""
            COPY (SELECT a.id, a.title, a.text, a.date, a.published, a.outlet, a.url, a.author,
                         a.source_id, a.source_path, a.source_format, a.lang,
                         CAST(a.extra AS VARCHAR) AS extra, a.minhash, a.n_chars,
                         c.coder_version, c.n_events, o.origin, {_lit(key)} AS part,
                         {month.format(col='a.published')} AS month
                  FROM articles a JOIN _export_order o ON o.id = a.id
                  LEFT JOIN coded_articles c ON c.article_id = a.id ORDER BY o.origin)
            TO {_lit(work / 'articles')} (FORMAT parquet, COMPRESSION zstd,
                                          PARTITION_BY (month), {pattern})""")
        ev_cols = ", ".join(f"e.{c}" for c in Store.EVENT_COLUMNS)
        con.execute(f"""
            COPY (SELECT {ev_cols}, {_lit(key)} AS part,
                         coalesce(strftime(e.event_day, '%Y-%m'), 'unknown') AS month
                  FROM events e ORDER BY e.id)
            TO {_lit(work / 'events')} (FORMAT parquet, COMPRESSION zstd,
                                        PARTITION_BY (month), {pattern})""")
        (work / "sources").mkdir(parents=True, exist_ok=True)
        con.execute(f"""
            COPY (SELECT s.article_id, s.outlet, s.url, s.title, s.date, s.source_id,
                         s.source_path,
                         coalesce(o.origin, '') || printf('\t%06d', row_number() OVER (
                             PARTITION BY s.article_id ORDER BY s.seen_at, s.url, s.outlet)) AS origin,
                         {_lit(key)} AS part
                  FROM article_sources s LEFT JOIN _export_order o ON o.id = s.article_id
                  ORDER BY origin)
            TO {_lit(work / 'sources' / f'part-{key}.parquet')} (FORMAT parquet, COMPRESSION zstd)""")
        files = sorted(p.relative_to(work).as_posix() for p in work.rglob("*.parquet"))
        for f in files:
            fsync_file(work / f)
        report.articles = ids[0]
        report.events = evs[0]
        report.sources = con.execute("SELECT count(*) FROM article_sources").fetchall()[0][0]
        lake.commit_files(key, fingerprint, work, files,
                          rows={"articles": report.articles, "events": report.events,
                                "sources": report.sources, "documents": report.articles})
        report.merged_events = _export_derived(con, lake, key)
    finally:
        con.execute("DROP TABLE IF EXISTS _export_order")
        shutil.rmtree(work, ignore_errors=True)


def _export_derived(con, lake: Lake, key: str) -> int:
    """The store's own links and merged events become the lake's derived tables."""
    digest = lake.committed_digest()
    name = f"{digest}-export"
    work = lake.work_dir("derived")
    for sub in ("owners", "article_sources", "event_merge_members", "merged_events"):
        (work / sub).mkdir(parents=True, exist_ok=True)
    con.execute(f"COPY (SELECT id, {_lit(key)} AS part, coalesce(canonical_id, id) AS canonical_id "
                f"FROM articles ORDER BY id) TO {_lit(work / 'owners' / 'owners.parquet')} "
                "(FORMAT parquet, COMPRESSION zstd)")
    con.execute("COPY (SELECT * EXCLUDE (seen_at) FROM article_sources ORDER BY article_id, "
                "outlet NULLS FIRST, url NULLS FIRST, source_id NULLS FIRST) TO "
                f"{_lit(work / 'article_sources' / 'article_sources.parquet')} "
                "(FORMAT parquet, COMPRESSION zstd)")
    con.execute("COPY (SELECT * FROM event_merge_members ORDER BY event_id) TO "
                f"{_lit(work / 'event_merge_members' / 'event_merge_members.parquet')} "
                "(FORMAT parquet, COMPRESSION zstd)")
    merged = con.execute("SELECT count(*) FROM merged_events").fetchall()[0][0]
    if merged:
        con.execute("COPY (SELECT * EXCLUDE (merged_at), coalesce(strftime(event_day, '%Y-%m'), "
                    "'unknown') AS month FROM merged_events ORDER BY id) TO "
                    f"{_lit(work / 'merged_events')} (FORMAT parquet, COMPRESSION zstd, "
                    "PARTITION_BY (month), FILENAME_PATTERN 'merged-{i}')")
    target = lake.root / DERIVED / name
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(work, target)
    atomic_write_text(lake.root / DERIVED_STATE, json.dumps(
        {"digest": digest, "dir": f"{DERIVED}/{name}", "merged_events": merged,
         "exported_from": "store"}, indent=2))
    return merged


# -- lake -> store ---------------------------------------------------------------------------
def import_lake(lake_path: str | os.PathLike, db: str | os.PathLike) -> TransferReport:
    """Load the lake into the store ``db`` (created when missing).  Rows already in the store
    (same ids) are kept; merged events are copied when the store was empty and the lake is
    finalized, and recomputed (incrementally) otherwise."""
    t0 = time.perf_counter()
    lake = Lake(lake_path)
    report = TransferReport()
    store = Store(db)
    try:
        con = store.con
        was_empty = store.count("articles") == 0 and store.count("events") == 0
        views = create_views(con, lake, prefix="lake", temp=True)
        cols = store_columns()

        def names(table: str, skip: tuple[str, ...] = ()) -> str:
            return ", ".join(c for c, _ in cols[table] if c not in skip)

        def count(sql: str) -> int:
            return con.execute(sql).fetchall()[0][0]

        copy_merged = was_empty and views.finalized
        with store.transaction():
            before = {t: store.count(t) for t in ("articles", "events", "article_sources")}
            a = names("articles", ("ingested_at",))
            con.execute(f"INSERT OR IGNORE INTO articles ({a}) SELECT {a} FROM lake_articles")
            e = names("events")
            con.execute(f"INSERT OR IGNORE INTO events ({e}) SELECT {e} FROM lake_events")
            c = names("coded_articles", ("coded_at",))
            con.execute(f"INSERT OR IGNORE INTO coded_articles ({c}) SELECT {c} FROM lake_coded_articles")
            s = names("article_sources", ("seen_at",))
            key = "coalesce({t}.outlet, ''), coalesce({t}.url, ''), coalesce({t}.source_id, '')"
            con.execute(f"""
                INSERT INTO article_sources ({s}) SELECT {s} FROM lake_article_sources n
                WHERE NOT EXISTS (SELECT 1 FROM article_sources x WHERE x.article_id = n.article_id
                                  AND ({key.format(t='x')}) = ({key.format(t='n')}))""")
            if copy_merged:
                m = names("merged_events", ("merged_at",))
                con.execute(f"INSERT INTO merged_events ({m}) SELECT {m} FROM lake_merged_events")
                mm = names("event_merge_members")
                con.execute(f"INSERT INTO event_merge_members ({mm}) "
                            f"SELECT {mm} FROM lake_event_merge_members")
            report.articles = store.count("articles") - before["articles"]
            report.events = store.count("events") - before["events"]
            report.sources = store.count("article_sources") - before["article_sources"]
        for view in ("articles", "events", "coded_articles", "article_sources", "merged_events",
                     "event_merge_members", "owners", "raw_articles", "raw_events", "raw_sources"):
            con.execute(f"DROP VIEW IF EXISTS lake_{view}")
        if not copy_merged and count("SELECT count(*) FROM events"):
            from ..relations.merge import merge_events

            merge_events(store)
        report.merged_events = count("SELECT count(*) FROM merged_events")
    finally:
        store.close()
    report.seconds = time.perf_counter() - t0
    return report


# -- info ------------------------------------------------------------------------------------
def lake_info(lake_path: str | os.PathLike) -> dict[str, Any]:
    """Partitions, files, bytes and rows of a lake, and whether it is finalized."""
    lake = Lake(lake_path)
    markers = lake.markers()
    files = lake.visible_files(markers)
    rows: dict[str, int] = {}
    versions: dict[str, int] = {}
    problems = 0
    for m in markers.values():
        for k, v in m.rows.items():
            rows[k] = rows.get(k, 0) + v
        if m.coder_version:
            versions[m.coder_version] = versions.get(m.coder_version, 0) + 1
        problems += len(m.problems)
    state = lake.derived_state() or {}
    digest = lake.committed_digest(markers)
    return {
        "lake": str(lake.root), "partition_size": lake.partition_size,
        "partitions": len(markers),
        "files": {t: len(v) for t, v in files.items()},
        "bytes": {t: sum((lake.root / f).stat().st_size for f in v if (lake.root / f).exists())
                  for t, v in files.items()},
        "rows": rows, "problems": problems, "coder_versions": versions,
        "finalized": bool(state) and state.get("digest") == digest,
        "derived": {k: v for k, v in state.items() if k not in ("digest", "dir")},
    }


__all__ = ["compact", "CompactReport", "export_store", "import_lake", "TransferReport",
           "lake_info"]
