"""Reading a lake as if it were the store: DuckDB views over its Parquet files.

The views carry the store's table names, columns and types (``articles``, ``article_sources``,
``events``, ``coded_articles``, ``merged_events``, ``event_merge_members``), so every query
written against the store -- relations, briefs, the web app -- runs on a lake unchanged.
:class:`LakeStore` is a read-only :class:`~detente.store.Store` whose connection holds them.

Duplicates across partitions
----------------------------
The same article (same content id) can arrive in two partitions: a wire story in two files,
or a file given twice.  Each partition writes its own copy, because a worker cannot know what
other partitions hold.  The owner rule picks one, deterministically and independently of run
order: **the copy read first in input order (smallest origin = source path, offset, index)
owns the article**, and only the owner's article row and events are visible; every copy keeps
its ``article_sources`` row (first seen per article, outlet, URL and source id), so provenance
is complete.  Near-duplicates (edited copies) are linked by ``canonical_id`` and only cluster
heads' events are visible, as in the store, which codes only heads.  Both are computed
lake-wide by :func:`~detente.scale.derive.finalize` into ``derived/``; until it has run for
the current set of partitions (a run in progress, or ``--no-finalize``), the views apply the
owner rule on the fly, every article is its own head, and ``merged_events`` is the last
finalize's (``LakeStore.stale`` says so).
"""
from __future__ import annotations

import glob
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

import duckdb
import pyarrow as pa

from ..store import Store, StoreError, default_db_path
from ..store.schema import MIGRATIONS, SCHEMA_VERSION
from .layout import SCHEMAS, Lake, LakeError, Marker

STORE_TABLES = ("articles", "article_sources", "events", "coded_articles", "merged_events",
                "event_merge_members")
DERIVED_TABLES = ("owners", "article_sources", "merged_events", "event_merge_members")
# Columns the store fills with wall-clock times; a lake has none (it is a pure function of its
# inputs), so its views give NULL.
CLOCK_COLUMNS = {"articles": "ingested_at", "article_sources": "seen_at",
                 "coded_articles": "coded_at", "merged_events": "merged_at"}


@lru_cache(maxsize=1)
def store_columns() -> dict[str, list[tuple[str, str]]]:
    """(name, DuckDB type) of every store table, in order, from the store's own migrations."""
    con = duckdb.connect(":memory:")
    try:
        for _, _, statements in MIGRATIONS:
            for sql in statements:
                con.execute(sql)
        rows = con.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position").fetchall()
    finally:
        con.close()
    out: dict[str, list[tuple[str, str]]] = {}
    for table, column, dtype in rows:
        out.setdefault(table, []).append((column, dtype))
    return out


_ARROW_TO_DUCKDB = {
    pa.string(): "VARCHAR", pa.int8(): "TINYINT", pa.int32(): "INTEGER", pa.int64(): "BIGINT",
    pa.float64(): "DOUBLE", pa.date32(): "DATE", pa.timestamp("us", tz="UTC"): "TIMESTAMPTZ",
    pa.list_(pa.uint64()): "UBIGINT[]", pa.list_(pa.string()): "VARCHAR[]",
}


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _read(files: list[str], schema: pa.Schema, hive: bool = True) -> str:
    """A FROM-able expression over Parquet files; a typed empty relation when there are none
    (DuckDB refuses an empty file list)."""
    if not files:
        cols = ", ".join(f"NULL::{_ARROW_TO_DUCKDB[f.type]} AS {f.name}" for f in schema)
        return f"(SELECT {cols} WHERE false)"
    names = ", ".join(_lit(f) for f in files)
    opts = ", hive_partitioning = true, hive_types = {'month': VARCHAR}" if hive else \
        ", hive_partitioning = false"
    # No union_by_name: every file of a table is written with the same schema (layout.SCHEMAS,
    # or DuckDB COPY of the same columns), and reconciling schemas would open every file's
    # footer at each query's bind.
    return f"read_parquet([{names}]{opts})"


def _store_select(table: str, alias: str, overrides: dict[str, str] | None = None) -> str:
    """SELECT list giving exactly the store's columns of ``table`` (names, order, types)."""
    overrides = overrides or {}
    parts = []
    for name, dtype in store_columns()[table]:
        if name in overrides:
            expr = overrides[name]
        elif name == CLOCK_COLUMNS.get(table):
            expr = "NULL"
        else:
            expr = f"{alias}.{name}"
        parts.append(f"CAST({expr} AS {dtype}) AS {name}")
    return ", ".join(parts)


def _empty_store_table(table: str) -> str:
    cols = ", ".join(f"NULL::{dtype} AS {name}" for name, dtype in store_columns()[table])
    return f"(SELECT {cols} WHERE false)"


OWNER_SCHEMA = pa.schema([("id", pa.string()), ("part", pa.string()), ("canonical_id", pa.string())])


@dataclass
class LakeViews:
    """What :func:`create_views` found: whether the derived tables match the partitions."""

    lake: Lake
    markers: dict[str, Marker]
    digest: str
    derived_digest: Optional[str]
    derived_dir: Optional[Path]

    @property
    def finalized(self) -> bool:
        return self.derived_digest == self.digest and self.derived_dir is not None

    @property
    def stale(self) -> bool:
        return bool(self.markers) and not self.finalized


def derived_files(lake: Lake) -> tuple[Optional[str], Optional[Path], dict[str, list[str]]]:
    """(digest, folder, files per derived table) of the current derived tables, if any."""
    state = lake.derived_state()
    if not state:
        return None, None, {}
    folder = lake.root / state.get("dir", "")
    if not folder.is_dir():
        return None, None, {}
    files = {t: sorted(glob.glob(str(folder / t / "**" / "*.parquet"), recursive=True))
             for t in DERIVED_TABLES}
    return state.get("digest"), folder, files


def create_views(con: duckdb.DuckDBPyConnection, lake: Lake, *, prefix: str = "",
                 temp: bool = False, markers: Optional[dict[str, Marker]] = None) -> LakeViews:
    """Create the store's tables as views over ``lake`` on ``con``: ``articles``, ``events``
    ... (``lake_articles`` ... with ``prefix="lake"``), plus the raw partition files as
    ``_raw_articles``, ``_raw_events``, ``_raw_sources`` (``lake_raw_articles`` ...) and the
    owner table ``_owners``.  ``temp`` makes them temporary (when ``con`` is a real store's)."""
    markers = lake.markers() if markers is None else markers
    files = lake.visible_files(markers)
    abs_files = {t: [str(lake.root / f) for f in fs] for t, fs in files.items()}
    digest = lake.committed_digest(markers)
    derived_digest, derived_dir, derived = derived_files(lake)
    finalized = derived_dir is not None and derived_digest == digest
    kind = "TEMP VIEW" if temp else "VIEW"
    raw = f"{prefix}_raw_"  # raw partition files: _raw_articles, lake_raw_articles, ...
    own = f"{prefix}_owners"

    def view(name: str, sql: str) -> None:
        con.execute(f"CREATE OR REPLACE {kind} {name} AS {sql}")

    def public(table: str) -> str:
        return f"{prefix}_{table}" if prefix else table

    view(raw + "articles", f"SELECT * FROM {_read(abs_files['articles'], SCHEMAS['articles'])}")
    view(raw + "events", f"SELECT * FROM {_read(abs_files['events'], SCHEMAS['events'])}")
    view(raw + "sources", f"SELECT * FROM {_read(abs_files['sources'], SCHEMAS['sources'], hive=False)}")
    if finalized and derived.get("owners"):
        view(own, f"SELECT id, part, canonical_id FROM {_read(derived['owners'], OWNER_SCHEMA, hive=False)}")
    else:
        # The owner rule on the fly: first copy in input order; no near-duplicate links yet.
        view(own, f"SELECT id, arg_min(part, origin) AS part, id AS canonical_id "
                  f"FROM {raw}articles GROUP BY id")
    owned = f"{raw}articles a JOIN {own} o ON a.id = o.id AND a.part = o.part"
    view(public("articles"),
         f"SELECT {_store_select('articles', 'a', {'canonical_id': 'o.canonical_id'})} FROM {owned}")
    view(public("events"), f"SELECT {_store_select('events', 'e')} FROM {raw}events e "
                           f"JOIN {own} o ON e.article_id = o.id AND e.part = o.part "
                           f"WHERE o.canonical_id = o.id")
    view(public("coded_articles"),
         f"SELECT {_store_select('coded_articles', 'a', {'article_id': 'a.id'})} FROM {owned} "
         f"WHERE o.canonical_id = o.id AND a.coder_version IS NOT NULL")
    if finalized and derived.get("article_sources"):
        src = f"read_parquet([{', '.join(_lit(f) for f in derived['article_sources'])}])"
        view(public("article_sources"), f"SELECT {_store_select('article_sources', 's')} FROM {src} s")
    else:
        view(public("article_sources"),
             f"SELECT {_store_select('article_sources', 's')} FROM {raw}sources s "
             "QUALIFY row_number() OVER (PARTITION BY s.article_id, coalesce(s.outlet, ''), "
             "coalesce(s.url, ''), coalesce(s.source_id, '') ORDER BY s.origin) = 1")
    # Merged events: the last finalize's, even when stale (reported by LakeViews.stale).
    for table in ("merged_events", "event_merge_members"):
        fs = derived.get(table) or []
        if fs:
            hive = ", hive_partitioning = true, hive_types = {'month': VARCHAR}" \
                if table == "merged_events" else ""
            src = f"read_parquet([{', '.join(_lit(f) for f in fs)}]{hive})"
            view(public(table), f"SELECT {_store_select(table, 'm')} FROM {src} m")
        else:
            view(public(table), f"SELECT * FROM {_empty_store_table(table)}")
    return LakeViews(lake=lake, markers=markers, digest=digest, derived_digest=derived_digest,
                     derived_dir=derived_dir)


class LakeStore(Store):
    """A lake, read through the :class:`Store` interface (``.con``, ``.query()``,
    ``.count()``): pass it wherever a read-only store is expected.

    The views live in an in-memory DuckDB database, so cursors from ``con.cursor()`` (one per
    web request) see them too.  Writing raises :class:`StoreError`: a lake is written by
    ``detente run`` only."""

    def __init__(self, path: str | Path, threads: Optional[int] = None):  # noqa: D107 - no super()
        try:
            self.lake = Lake(path)
        except LakeError as exc:
            raise StoreError(str(exc)) from exc
        self.path = str(path)
        self.read_only = True
        self.con = duckdb.connect(":memory:", config={"threads": threads} if threads else {})
        # Parquet footers read once per connection, not once per query: a brief or a web
        # page runs dozens of small queries over the same files.
        self.con.execute("SET parquet_metadata_cache = true")
        self.views = create_views(self.con, self.lake)
        self.con.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, "
                         "description VARCHAR, applied_at TIMESTAMPTZ)")
        self.con.execute("INSERT INTO schema_version VALUES (?, 'lake views', NULL)",
                         [SCHEMA_VERSION])

    @property
    def stale(self) -> bool:
        """Partitions were committed since the derived tables (merged events, near-duplicate
        links) were computed: run ``detente lake finalize``."""
        return self.views.stale

    def version(self) -> int:
        return SCHEMA_VERSION

    def migrate(self) -> None:
        raise StoreError(f"{self.path}: a lake is read-only here; `detente run` writes it")

    def transaction(self):  # type: ignore[override]
        raise StoreError(f"{self.path}: a lake is read-only here; `detente run` writes it")

    def replace_events(self, article_id: str, events: Any, coder_version: str) -> int:
        raise StoreError(f"{self.path}: a lake is read-only here; `detente run` writes it")


def open_lake(path: str | Path) -> LakeStore:
    return LakeStore(path)


def open_source(db: Optional[str] = None, lake: Optional[str] = None) -> Store:
    """What a query command reads: the DuckDB store ``db`` (default ``$DETENTE_DB`` or
    ./detente.duckdb), opened read-only, or the lake folder ``lake``.  Either way the result is
    a :class:`Store` whose ``con`` has ``articles``, ``events``, ``merged_events`` ...  Raises
    :class:`StoreError` with one line when neither can be opened."""
    if db and lake:
        raise StoreError("give --db or --lake, not both")
    if lake:
        return LakeStore(lake)
    return Store(db or default_db_path(), read_only=True)


def stale_note(source: Store) -> Optional[str]:
    """One line for query commands when a lake's merged events are behind its partitions."""
    if isinstance(source, LakeStore) and source.stale:
        return (f"note: {source.path}: partitions were added since the lake was finalized; "
                "merged events and near-duplicate links are out of date (run `detente lake "
                f"finalize {source.path}`)")
    return None
