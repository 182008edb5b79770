"""The embedded article/event store: one DuckDB file.

DuckDB allows one writing process per file; the store therefore opens read-write only when
asked to write, and every batch is one transaction so an interrupted job leaves the file as it
was before the batch or after it, never half-written.
"""
from __future__ import annotations

import json
import os
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional

import duckdb

from ..records import Event
from .schema import MIGRATIONS, SCHEMA_VERSION

DEFAULT_DB = "detente.duckdb"


def default_db_path() -> str:
    return os.environ.get("DETENTE_DB") or DEFAULT_DB


class StoreError(RuntimeError):
    pass


class Store:
    """A detente store.  ``Store(path)`` creates and migrates the file when it is missing.

    ``read_only=True`` lets several readers (web workers, query commands) share a file that no
    process is writing.
    """

    def __init__(self, path: str | os.PathLike | None = None, read_only: bool = False):
        self.path = str(path or default_db_path())
        self.read_only = read_only
        if read_only and not Path(self.path).exists():
            raise StoreError(f"{self.path}: no such store (run `detente ingest` first)")
        try:
            self.con = duckdb.connect(self.path, read_only=read_only)
        except duckdb.IOException as exc:  # locked by a writer, or not a DuckDB file
            raise StoreError(f"{self.path}: cannot open store: {exc}") from exc
        if not read_only:
            self.migrate()
        elif self.version() < SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: schema version {self.version()} is older than {SCHEMA_VERSION}; "
                "open it once read-write (e.g. `detente stats`) to migrate")

    # -- lifecycle ------------------------------------------------------------------------
    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def version(self) -> int:
        exists = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
        ).fetchone()[0]
        if not exists:
            return 0
        return self.con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]

    def migrate(self) -> None:
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
            "description VARCHAR, applied_at TIMESTAMPTZ DEFAULT current_timestamp)")
        current = self.version()
        for version, description, statements in MIGRATIONS:
            if version <= current:
                continue
            with self.transaction():
                for sql in statements:
                    self.con.execute(sql)
                self.con.execute("INSERT INTO schema_version (version, description) VALUES (?, ?)",
                                 [version, description])

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            # BaseException: a Ctrl-C mid-batch must roll back too.
            self.con.execute("ROLLBACK")
            raise
        else:
            self.con.execute("COMMIT")

    # -- queries --------------------------------------------------------------------------
    def query(self, sql: str, params: Optional[list[Any]] = None) -> list[dict[str, Any]]:
        cur = self.con.execute(sql, params or [])
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row)) for row in cur.fetchall()]

    def count(self, table: str) -> int:
        if table not in {"articles", "article_sources", "events", "coded_articles"}:
            raise StoreError(f"unknown table {table!r}")
        return self.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    # -- events ---------------------------------------------------------------------------
    EVENT_COLUMNS = (
        "id", "article_id", "sentence_index", "sentence", "sentence_start",
        "source", "source_country", "source_name", "source_start", "source_end",
        "target", "target_country", "target_name", "target_start", "target_end",
        "code", "root", "quad_class", "goldstein", "plover", "plover_mode", "modality",
        "date", "date_precision", "event_day", "place", "place_country",
        "trigger", "trigger_start", "trigger_end", "asserted_by", "cited_sources",
        "confidence", "coder_version",
    )

    @staticmethod
    def event_row(ev: Event, coder_version: str) -> tuple:
        evid = ev.evidence
        src = evid.source_span if evid and evid.source_span else (None, None)
        tgt = evid.target_span if evid and evid.target_span else (None, None)
        day = None
        if ev.date:
            parts = (ev.date.split("T")[0].split("-") + ["01", "01"])[:3]
            day = "-".join([parts[0], parts[1] or "01", parts[2] or "01"])
        return (
            ev.id, evid.article_id if evid else None, evid.sentence_index if evid else 0,
            evid.sentence if evid else None, evid.sentence_start if evid else None,
            ev.source, ev.source_country, ev.source_name, src[0], src[1],
            ev.target, ev.target_country, ev.target_name, tgt[0], tgt[1],
            ev.code, ev.root, ev.quad_class, ev.goldstein, ev.plover, ev.plover_mode, ev.modality,
            ev.date, ev.date_precision, day,
            ev.place.name if ev.place else None, ev.place.country if ev.place else None,
            evid.trigger if evid else None, evid.trigger_start if evid else None,
            evid.trigger_end if evid else None, evid.asserted_by if evid else None,
            list(evid.cited_sources) if evid else [], ev.confidence, coder_version,
        )

    def replace_events(self, article_id: str, events: Iterable[Event], coder_version: str) -> int:
        """Store the events of one article, replacing any earlier coding of it.  Call inside
        :meth:`transaction` so an article's events land with the article."""
        rows = [self.event_row(ev, coder_version) for ev in events]
        self.con.execute("DELETE FROM events WHERE article_id = ?", [article_id])
        if rows:
            placeholders = ", ".join("?" for _ in self.EVENT_COLUMNS)
            self.con.executemany(
                f"INSERT OR REPLACE INTO events ({', '.join(self.EVENT_COLUMNS)}) VALUES ({placeholders})",
                rows)
        self.con.execute(
            "INSERT OR REPLACE INTO coded_articles (article_id, coder_version, n_events) VALUES (?, ?, ?)",
            [article_id, coder_version, len(rows)])
        return len(rows)


def to_json(value: Any) -> str:
    if hasattr(value, "__dataclass_fields__"):
        value = asdict(value)
    return json.dumps(value, ensure_ascii=False, default=str)
