"""The web server's view of the store: parallel readers, one writer.

DuckDB allows one writing connection per file and per process one database instance; inside
that instance any number of connections (``con.cursor()``) may run queries at once, each
seeing the last committed state.  So the server opens the store once and:

* hands every read request a cursor from a bounded pool (``reader()``), so requests run in
  parallel without one connection being shared between threads;
* runs every write on ONE thread (``submit_write``), in submission order, on the store's own
  connection.  Two uploads can therefore never interleave their transactions, and a reader in
  the middle of a page never sees half a batch.

The reader cursors are spawned from a connection of their own, never from the writer's, so
creating one never races with a transaction in progress.
"""
from __future__ import annotations

import concurrent.futures
import queue
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, TypeVar

import duckdb

from ..store import Store, StoreError

T = TypeVar("T")


class Busy(RuntimeError):
    """No reader free (or the write queue full) within the wait: the client should retry."""


class ReadStore(Store):
    """A :class:`Store` over one pooled read cursor, for the functions that take a Store (the
    brief writer).  Closing it returns nothing to the pool: the pool owns the cursor."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: str):  # noqa: D107 - no super():
        # the cursor is already open on the migrated store.
        self.path = path
        self.read_only = True
        self.con = con

    def close(self) -> None:
        pass


class Database:
    """One store opened for a server.  ``read_only`` opens the file read-only (several
    read-only servers may then share it); otherwise writes go through :meth:`submit_write`."""

    def __init__(self, path: str, *, read_only: bool = False, readers: int = 8,
                 max_pending_writes: int = 64, wait_seconds: float = 30.0,
                 store: Optional[Store] = None):
        # ``store``: an already open read-only Store to serve instead (a Parquet lake's
        # detente.scale.LakeStore); it is served read-only.
        self.path = str(path)
        self.read_only = read_only or store is not None
        if store is None and read_only and not Path(self.path).exists():
            raise StoreError(f"{self.path}: no such store (run `detente ingest` first)")
        self.store = store if store is not None else Store(self.path, read_only=read_only)
        self._spawner = self.store.con.cursor()
        self._spawn_lock = threading.Lock()
        self._pool: queue.Queue[duckdb.DuckDBPyConnection] = queue.Queue()
        self._readers = max(1, readers)
        for _ in range(self._readers):
            self._pool.put(self._spawn())
        self.wait_seconds = wait_seconds
        self.max_pending_writes = max_pending_writes
        self._writer: Optional[concurrent.futures.ThreadPoolExecutor] = None
        self._pending = 0
        self._pending_lock = threading.Lock()
        # Bumped after every committed write, so caches keyed on it never serve stale pages.
        self.generation = 0
        self._closed = False

    def _spawn(self) -> duckdb.DuckDBPyConnection:
        with self._spawn_lock:
            return self._spawner.cursor()

    # -- reads ------------------------------------------------------------------------------
    @contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor for one request.  A cursor that failed mid-query is replaced rather than
        returned, so a broken result set never leaks into the next request."""
        try:
            con = self._pool.get(timeout=self.wait_seconds)
        except queue.Empty:
            raise Busy("all store readers are busy; retry shortly") from None
        healthy = False
        try:
            yield con
            # DuckDB refuses some work (sql(), register()) on a connection whose last
            # execute() result was not read to the end: finish it before the next request.
            con.complete()
            healthy = True
        finally:
            if healthy:
                self._pool.put(con)
            else:
                try:
                    con.close()
                finally:
                    self._pool.put(self._spawn())

    @contextmanager
    def read_store(self) -> Iterator[ReadStore]:
        with self.reader() as con:
            yield ReadStore(con, self.path)

    # -- writes -----------------------------------------------------------------------------
    @property
    def pending_writes(self) -> int:
        return self._pending

    def submit_write(self, fn: Callable[[Store], T]) -> "concurrent.futures.Future[T]":
        """Run ``fn(store)`` on the writer thread (after the writes queued before it)."""
        if self.read_only:
            raise StoreError(f"{self.path}: the store is open read-only")
        with self._pending_lock:
            if self._pending >= self.max_pending_writes:
                raise Busy(f"{self._pending} writes are queued; retry shortly")
            self._pending += 1
            if self._writer is None:
                self._writer = concurrent.futures.ThreadPoolExecutor(
                    max_workers=1, thread_name_prefix="detente-writer")
        return self._writer.submit(self._run_write, fn)

    def _run_write(self, fn: Callable[[Store], T]) -> T:
        try:
            return fn(self.store)
        finally:
            with self._pending_lock:
                self._pending -= 1
                self.generation += 1

    # -- lifecycle --------------------------------------------------------------------------
    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._writer is not None:
            self._writer.shutdown(wait=True)  # a batch in progress finishes and commits
        while True:
            try:
                self._pool.get_nowait().close()
            except queue.Empty:
                break
        self._spawner.close()
        self.store.close()

    def counts(self) -> dict[str, Any]:
        with self.reader() as con:
            row = con.execute(
                "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM events), "
                "(SELECT count(*) FROM merged_events)").fetchall()[0]
            version = con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()[0][0]
        return {"articles": row[0], "events": row[1], "merged_events": row[2],
                "schema_version": version}
