"""Documents into the store: exact and near-duplicate detection, one transaction per batch.

Order of work for each window of documents read (``WINDOW`` of them, a fixed number so the
outcome does not depend on ``batch_size``):

1. lines repeated across many articles of one outlet in the window are removed (the outlet's
   template, see :func:`clean.remove_repeated_lines`);
2. the window is cut into batches of ``batch_size``; for each batch, articles already stored
   (same ``content_id``) are duplicates -- they only add a provenance row when an outlet or URL
   is new -- and the rest are checked against the MinHash LSH index (built at start from every
   signature in the store) and linked to their cluster head by ``canonical_id``;
3. new cluster heads are coded (``code=True``) before the transaction opens, then articles,
   sources and events of the batch are written in ONE transaction.

A killed run therefore leaves the store exactly as after some batch, and a re-run recomputes the
same ids, skips what is stored and continues: kill-then-rerun equals one clean run.
"""
from __future__ import annotations

import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Optional, Union

import numpy as np
import pyarrow as pa

from ..records import Document, Event, IngestProblem
from ..store import Store, default_db_path
from .inputs import PathLike, iter_documents, total_size
from .neardup import NUM_PERM, NearDupIndex, signature
from .progress import Display
from .source import problem
from .steps import (CodeItem, ProblemTally, article_fields, code_articles, source_fields,
                    strip_outlet_templates)

# Documents read before template-line removal and writing; also the "batch" within which
# repeated lines of one outlet are judged.
WINDOW = 1000


@dataclass
class IngestReport(ProblemTally):
    """What one ingest did.  Documents are counted once each: ``ingested`` (new, unique),
    ``near_duplicate`` (new, linked to an earlier article), ``duplicate`` (already stored),
    ``skipped`` (read but not an article: empty, non-HTML archive records, ...); ``failed``
    counts inputs or records that could not be read."""

    db: str
    ingested: int = 0
    near_duplicate: int = 0
    duplicate: int = 0
    skipped: int = 0
    failed: int = 0
    new_sources: int = 0
    coded: int = 0
    events: int = 0
    seconds: float = 0.0
    problems: list[IngestProblem] = field(default_factory=list)
    # Article id of every document stored or found already stored, in input order.
    article_ids: list[str] = field(default_factory=list)
    stopped: bool = False  # --strict stopped at the first failure
    coder_error: Optional[str] = None

    @property
    def stored(self) -> int:
        return self.ingested + self.near_duplicate

    @property
    def documents(self) -> int:
        return self.ingested + self.near_duplicate + self.duplicate

    @property
    def articles_per_second(self) -> float:
        return self.documents / self.seconds if self.seconds > 0 else 0.0

    @property
    def ok(self) -> bool:
        """Success: something was stored or everything was already there, and strict mode did
        not stop.  Failure: nothing readable at all."""
        if self.stopped:
            return False
        if self.documents:
            return True
        return self.failed == 0 and self.skipped > 0

    def summary(self) -> str:
        parts = [f"{self.ingested:,} ingested", f"{self.duplicate:,} duplicate",
                 f"{self.near_duplicate:,} near-duplicate", f"{self.skipped:,} skipped",
                 f"{self.failed:,} failed"]
        line = " · ".join(parts)
        if self.coded or self.events:
            line += f" · {self.coded:,} coded ({self.events:,} events)"
        rate = f"{self.articles_per_second:,.0f} articles/s" if self.documents else "-"
        return f"{line} in {self.seconds:.1f} s ({rate}) -> {self.db}"


def _settle(con) -> None:
    """Finish any half-read result on the connection: DuckDB 2 refuses register()/sql() while
    an execute() result (e.g. the store's own fetchone() queries) is still open."""
    con.complete()


@contextmanager
def _registered(con, name: str, table: pa.Table) -> Iterator[None]:
    """``table`` visible to SQL on ``con`` as ``name`` for the duration of the block: batch
    lookups and inserts join against it instead of running a query per row."""
    _settle(con)
    con.register(name, table)
    try:
        yield
    finally:
        con.unregister(name)


class _CoderUnavailable(RuntimeError):
    pass


def _load_coder():
    try:
        from ..events.coder import Coder
    except ImportError as exc:
        raise _CoderUnavailable(f"event coder not available ({exc})") from exc
    return Coder()


class _Ingestor:
    def __init__(self, store: Store, report: IngestReport, display: Display, *, code: bool,
                 batch_size: int, coder_factory: Callable[[], Any] = _load_coder):
        self.store = store
        self.report = report
        self.display = display
        self.code = code
        self.batch_size = max(1, batch_size)
        self.coder_factory = coder_factory
        self._coder = None
        self._pending: dict[str, str] = {}  # texts of the batch being written, by id
        self.index = NearDupIndex(text_of=self._text_of)
        self.index.load(self._stored_signatures())

    def _text_of(self, article_id: str) -> Optional[str]:
        if article_id in self._pending:
            return self._pending[article_id]
        rows = self.store.con.execute("SELECT text FROM articles WHERE id = ?",
                                      [article_id]).fetchall()
        return rows[0][0] if rows else None

    # -- setup ----------------------------------------------------------------------------
    def _stored_signatures(self):
        _settle(self.store.con)
        table = self.store.con.sql(
            "SELECT id, canonical_id, minhash FROM articles WHERE minhash IS NOT NULL "
            "ORDER BY ingested_at, id").to_arrow_table()
        if table.num_rows == 0:
            return []
        ids = table.column("id").to_pylist()
        canon = table.column("canonical_id").to_pylist()
        lists = table.column("minhash").combine_chunks()
        lengths = np.diff(lists.offsets.to_numpy())
        flat = lists.values.to_numpy(zero_copy_only=False)
        if (lengths == NUM_PERM).all():
            sigs = flat.reshape(-1, NUM_PERM)
            return zip(ids, canon, sigs)
        starts = lists.offsets.to_numpy()[:-1]
        return ((i, c, flat[s:s + n]) for i, c, s, n in zip(ids, canon, starts, lengths))

    def coder(self):
        if self._coder is None and self.code:
            try:
                self._coder = self.coder_factory()
            except _CoderUnavailable as exc:
                self.code = False
                self.report.coder_error = str(exc)
                note = problem("events", f"not coded: {exc}; articles are stored uncoded "
                                         "(use --no-code to silence this)", kind="skipped", count=0)
                self.report.add_problem(note)
                self.display.problem(note)
        return self._coder

    # -- windows and batches --------------------------------------------------------------
    def process_window(self, docs: list[Document], marks: Optional[list[int]] = None) -> None:
        """``marks[i]``: input bytes read when document i was read, so the progress bar moves
        as documents are written, not as the read-ahead window fills."""
        if not docs:
            return
        marks = marks or [0] * len(docs)
        keep, problems = strip_outlet_templates(docs)
        self._problems(problems)
        kept = [docs[i] for i in keep]
        kept_marks = [marks[i] for i in keep]
        for start in range(0, len(kept), self.batch_size):
            self.write_batch(kept[start:start + self.batch_size])
            self.display.written_upto(kept_marks[min(start + self.batch_size, len(kept)) - 1])

    def write_batch(self, docs: list[Document]) -> None:
        ids = [d.id for d in docs]
        existing = self._existing(ids)
        articles: list[dict[str, Any]] = []
        sources: list[dict[str, Any]] = []
        to_code: list[CodeItem] = []
        recheck_coding: list[str] = []
        batch_ids: set[str] = set()
        counts = {"ingested": 0, "near_duplicate": 0, "duplicate": 0}
        for doc, aid in zip(docs, ids):
            sources.append({**source_fields(doc, aid), "seq": len(sources)})
            if aid in existing or aid in batch_ids:
                counts["duplicate"] += 1
                if aid in existing and existing[aid] == aid:
                    recheck_coding.append(aid)
                continue
            batch_ids.add(aid)
            self._pending[aid] = doc.text
            sig = signature(doc.text)
            match = self.index.best_match(sig, doc.text) if sig is not None else None
            canonical = match.canonical_id if match else aid
            counts["near_duplicate" if match else "ingested"] += 1
            if sig is not None:
                self.index.add(aid, sig, canonical)
            articles.append({**article_fields(doc, aid, sig), "canonical_id": canonical})
            if canonical == aid:
                to_code.append((aid, doc.text, doc.date))
        paths = {aid: doc.source_path for doc, aid in zip(docs, ids)}
        events = self._code(to_code, recheck_coding, paths)
        with self.store.transaction():
            self._insert_articles(articles)
            new_sources = self._insert_sources(sources)
            version = getattr(self._coder, "version", "unknown")
            n_events = 0
            for aid, evs in events:
                n_events += self.store.replace_events(aid, evs, version)
        self._pending.clear()
        # Counted only once the batch is committed.
        self.report.ingested += counts["ingested"]
        self.report.near_duplicate += counts["near_duplicate"]
        self.report.duplicate += counts["duplicate"]
        self.report.new_sources += new_sources
        self.report.article_ids.extend(ids)
        self.report.coded += len(events)
        self.report.events += n_events
        self.display.articles_done(len(docs))

    def _existing(self, ids: list[str]) -> dict[str, str]:
        """Stored ids among ``ids`` -> their canonical id."""
        con = self.store.con
        with _registered(con, "_ingest_ids", pa.table({"id": pa.array(ids, pa.string())})):
            rows = con.execute(
                "SELECT a.id, a.canonical_id FROM articles a JOIN _ingest_ids b ON a.id = b.id"
            ).fetchall()
        return {r[0]: r[1] or r[0] for r in rows}

    def _problems(self, problems: list[IngestProblem]) -> None:
        for p in problems:
            self.report.add_problem(p)
            self.display.problem(p)

    def _code(self, items: list[CodeItem], recheck: list[str],
              paths: dict[str, Optional[str]]) -> list[tuple[str, list[Event]]]:
        if not self.code or not (items or recheck):
            return []
        coder = self.coder()
        if coder is None:
            return []
        if recheck:
            # Articles stored by an uncoded run (--no-code) or an older coder: code them now.
            version = getattr(coder, "version", "unknown")
            table = pa.table({"id": pa.array(sorted(set(recheck)), pa.string())})
            con = self.store.con
            with _registered(con, "_ingest_recheck", table):
                rows = con.execute(
                    "SELECT a.id, a.text, a.date FROM articles a JOIN _ingest_recheck r "
                    "ON a.id = r.id LEFT JOIN coded_articles c ON c.article_id = a.id "
                    "WHERE c.article_id IS NULL OR c.coder_version IS DISTINCT FROM ?",
                    [version]).fetchall()
            items = items + [(r[0], r[1], r[2]) for r in rows]
        # An article that fails is stored uncoded (no coded_articles row): a later run retries.
        coded, problems = code_articles(coder, items, paths)
        self._problems(problems)
        return coded

    _ARTICLE_SCHEMA = pa.schema([
        ("id", pa.string()), ("title", pa.string()), ("text", pa.string()), ("date", pa.string()),
        ("published", pa.timestamp("us", tz="UTC")), ("outlet", pa.string()),
        ("url", pa.string()), ("author", pa.string()), ("source_id", pa.string()),
        ("source_path", pa.string()), ("source_format", pa.string()), ("lang", pa.string()),
        ("extra", pa.string()), ("canonical_id", pa.string()),
        ("minhash", pa.list_(pa.uint64())), ("n_chars", pa.int32()),
    ])
    _SOURCE_SCHEMA = pa.schema([
        ("article_id", pa.string()), ("outlet", pa.string()), ("url", pa.string()),
        ("title", pa.string()), ("date", pa.string()), ("source_id", pa.string()),
        ("source_path", pa.string()), ("seq", pa.int64()),
    ])

    def _insert_articles(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        table = pa.Table.from_pylist(rows, schema=self._ARTICLE_SCHEMA)
        cols = [f.name for f in self._ARTICLE_SCHEMA]
        select = ", ".join("extra::JSON" if c == "extra" else c for c in cols)
        con = self.store.con
        with _registered(con, "_ingest_articles", table):
            con.execute(f"INSERT INTO articles ({', '.join(cols)}) "
                        f"SELECT {select} FROM _ingest_articles").fetchall()

    def _insert_sources(self, rows: list[dict[str, Any]]) -> int:
        """Provenance rows not already stored (same article, outlet, URL and source id)."""
        if not rows:
            return 0
        table = pa.Table.from_pylist(rows, schema=self._SOURCE_SCHEMA)
        con = self.store.con
        key = ("coalesce({t}.outlet, ''), coalesce({t}.url, ''), coalesce({t}.source_id, '')")
        with _registered(con, "_ingest_sources", table):
            inserted = con.execute(f"""
                INSERT INTO article_sources (article_id, outlet, url, title, date, source_id,
                                             source_path)
                SELECT article_id, outlet, url, title, date, source_id, source_path
                FROM (SELECT *, row_number() OVER (
                          PARTITION BY article_id, {key.format(t='n')} ORDER BY seq) AS k
                      FROM _ingest_sources n) n
                WHERE k = 1 AND NOT EXISTS (
                    SELECT 1 FROM article_sources s
                    WHERE s.article_id = n.article_id
                      AND ({key.format(t='s')}) = ({key.format(t='n')}))
                ORDER BY seq""").fetchall()
        return int(inserted[0][0]) if inserted else 0


def ingest(paths: Union[Iterable[PathLike], PathLike], db: Union[str, os.PathLike, Store, None] = None,
           *, code: bool = True, strict: bool = False, quiet: bool = False,
           batch_size: int = 200, coder_factory: Optional[Callable[[], Any]] = None,
           ) -> IngestReport:
    """Read ``paths`` (files, folders, '-') and store their articles in ``db`` (a path, an open
    :class:`Store`, or the default store).  ``code`` codes new articles into events in the same
    transaction.  ``strict`` stops at the first input that fails (after writing what was read
    before it).  ``quiet`` shows no progress bar and prints no problem lines (they are all in
    the returned report either way)."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = list(paths)
    display = Display(quiet=quiet, total_bytes=total_size(paths))
    items = iter_documents(paths, progress=display.advance_bytes)
    return _run(items, db, display, code=code, strict=strict, batch_size=batch_size,
                coder_factory=coder_factory)


def ingest_documents(items: Iterable[Union[Document, IngestProblem]],
                     db: Union[str, os.PathLike, Store, None] = None, *, code: bool = True,
                     strict: bool = False, quiet: bool = True, batch_size: int = 200,
                     coder_factory: Optional[Callable[[], Any]] = None) -> IngestReport:
    """Store documents that did not come from files (an HTTP upload, a crawler), with the same
    cleaning, deduplication, linking and coding as :func:`ingest`.  ``report.article_ids``
    gives each document's article id, in order."""
    display = Display(quiet=quiet, total_bytes=None)
    return _run(items, db, display, code=code, strict=strict, batch_size=batch_size,
                coder_factory=coder_factory)


def _run(items: Iterable[Union[Document, IngestProblem]], db, display: Display, *, code: bool,
         strict: bool, batch_size: int, coder_factory: Optional[Callable[[], Any]]) -> IngestReport:
    started = time.monotonic()
    own_store = not isinstance(db, Store)
    store = db if isinstance(db, Store) else Store(db or default_db_path())
    report = IngestReport(db=store.path)
    try:
        worker = _Ingestor(store, report, display, code=code, batch_size=batch_size,
                           coder_factory=coder_factory or _load_coder)
        window: list[Document] = []
        marks: list[int] = []
        for item in items:
            if isinstance(item, IngestProblem):
                report.add_problem(item)
                display.problem(item)
                if strict and item.kind == "failed":
                    report.stopped = True
                    break
                continue
            window.append(item)
            marks.append(display.bytes_read)
            if len(window) >= WINDOW:
                worker.process_window(window, marks)
                window, marks = [], []
        worker.process_window(window, marks)
        if report.coded:
            _merge(store, report, display)
    finally:
        display.close()
        report.seconds = time.monotonic() - started
        if own_store:
            store.close()
    return report


def _merge(store: Store, report: IngestReport, display: Display) -> None:
    """Bring the merged-event tables (one row per real-world event across reports) up to date
    with the events just coded; incremental, in its own transaction."""
    try:
        from ..relations.merge import merge_events
    except ImportError:
        return
    try:
        merge_events(store)
    except Exception as exc:  # noqa: BLE001 - the articles and events are already committed
        note = problem("merged events", f"not updated ({type(exc).__name__}: {exc}); run "
                                        "`detente merge`", kind="skipped", count=0)
        report.add_problem(note)
        display.problem(note)
