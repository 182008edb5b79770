"""What a worker does with one partition: read, clean, deduplicate, code, write, commit.

:func:`process_partition` is a pure function of the partition (plus the coder version): the
same partition gives the same rows in the same order on any worker, in any run, which is what
lets a resumed run end with exactly the lake of a clean one.  It is idempotent: a partition
already committed is reported and left alone, so Dask may run it twice (a worker lost after
the commit but before reporting) without harm.

The coder -- spaCy pipeline, actor dictionaries, classifier: seconds to load, ~1 GB -- is built
once per worker process and cached at module level; :class:`CoderPlugin` builds it when the
worker starts, so the first partition is not slower than the rest.
"""
from __future__ import annotations

import ctypes
import functools
import importlib
import io
import os
import resource
import time
from dataclasses import dataclass, field, replace
from datetime import date, timezone
from typing import Any, Callable, Optional, Union

import pyarrow as pa

from ..ingest.inputs import read_source
from ..ingest.jsonl import line_to_document
from ..ingest.neardup import signature
from ..ingest.source import Problem, Source, problem
from ..ingest.steps import article_fields, code_articles, source_fields, strip_outlet_templates
from ..records import Document, Event, IngestProblem
from ..store import Store
from .layout import (ARTICLE_SCHEMA, EVENT_SCHEMA, SOURCE_SCHEMA, UNKNOWN_MONTH, Lake,
                     table_file)
from .plan import PartitionSpec, spec_source

CoderFactory = Union[str, Callable[[], Any], None]
DEFAULT_CODER = "detente.events.coder:default_coder"

if [f.name for f in EVENT_SCHEMA][:-1] != list(Store.EVENT_COLUMNS):
    # Event rows are built with Store.event_row; a new store column needs one in the lake.
    raise ImportError("detente.scale.layout.EVENT_SCHEMA is out of step with Store.EVENT_COLUMNS")

_DAY = Store.EVENT_COLUMNS.index("event_day")

# One coder per worker process, by factory name.
_CODERS: dict[str, Any] = {}


def _factory_name(factory: CoderFactory) -> str:
    if factory is None:
        return DEFAULT_CODER
    if isinstance(factory, str):
        return factory
    return f"{factory.__module__}:{factory.__qualname__}"


def load_coder(factory: CoderFactory = None) -> Any:
    """The worker's coder, built on first use.  ``factory``: a zero-argument callable or its
    ``"module:function"`` name (names travel to remote workers without pickling code)."""
    name = _factory_name(factory)
    coder = _CODERS.get(name)
    if coder is None:
        if callable(factory):
            fn = factory
        else:
            module, _, attr = name.partition(":")
            fn = getattr(importlib.import_module(module), attr)
        coder = _CODERS[name] = fn()
    return coder


# Coded once when a worker starts: the first parse and the first coded sentence load what the
# pipeline loads lazily (lemmatizer tables, date parser languages, classifier), so that cost is
# paid at start-up rather than inside the first partition.
_WARM_UP_TEXT = ("Russian President Vladimir Putin met North Korean leader Kim Jong Un in "
                 "Pyongyang on Wednesday, and the two sides signed a partnership agreement.")


def warm_up(factory: CoderFactory = None) -> Any:
    """Build the process's coder and code one sentence with it."""
    coder = load_coder(factory)
    for _ in coder.code_many([("warm-up", _WARM_UP_TEXT, "2024-06-19")]):
        pass
    return coder


# glibc's mallopt parameters, and the ceilings its dynamic mmap threshold grows to on 64-bit.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MMAP_CEILING, _TRIM_CEILING = 32 << 20, 64 << 20


@functools.lru_cache(maxsize=1)
def _glibc() -> Optional[ctypes.CDLL]:
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
    except (OSError, AttributeError):  # not glibc (musl, macOS): its malloc has no such knobs
        return None
    return libc


def relax_malloc_trim() -> bool:
    """Undo, in this process, the malloc setting Dask's nanny gives its workers; True if done.

    The nanny starts each worker with ``MALLOC_TRIM_THRESHOLD_=65536`` so that freed memory
    goes back to the OS at once.  Setting that variable also freezes glibc's mmap threshold at
    128 KiB, so every larger block -- the arrays spaCy allocates for each batch -- is mapped
    fresh, page-faulted in and unmapped again: the parsing threads spent ~6 s of system time
    per 100 articles instead of ~2 s, and more user time too (bench/dask_settings.py,
    docs/benchmarks.md "Dask worker settings").  This sets the two thresholds where glibc's
    own dynamic threshold would settle, which is what a process started without the variable
    runs with;
    :func:`release_free_memory` after each partition gives back what the nanny's setting was
    there to give back.  Only when the variable is set, and only on glibc."""
    libc = _glibc()
    if "MALLOC_TRIM_THRESHOLD_" not in os.environ or libc is None:
        return False
    return bool(libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_CEILING)) and \
        bool(libc.mallopt(_M_TRIM_THRESHOLD, _TRIM_CEILING))


def release_free_memory() -> None:
    """Return the allocator's free pages to the OS, between partitions rather than after every
    free: glibc keeps what a partition's parse freed in each thread's arena, so a worker's RSS
    would otherwise settle at its largest partition's high-water mark and creep up with
    fragmentation.  A few milliseconds per partition."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


try:
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:  # dask is a dependency, but the lake readers must not need it
    WorkerPlugin = object  # type: ignore[misc,assignment]


class CoderPlugin(WorkerPlugin):  # type: ignore[misc,valid-type]
    """Loads the coder when a worker starts (and again in a worker the nanny restarts), after
    undoing the nanny's malloc setting (:func:`relax_malloc_trim`) on any cluster."""

    name = "detente-coder"
    idempotent = True

    def __init__(self, factory: CoderFactory = None):
        self.factory = _factory_name(factory) if not callable(factory) else factory

    def setup(self, worker=None) -> None:  # noqa: D401 - Dask's hook
        self.malloc_relaxed = relax_malloc_trim()
        warm_up(self.factory)


@dataclass
class PartitionResult:
    key: str
    description: str
    skipped: bool = False  # already committed: nothing done
    documents: int = 0  # documents read
    articles: int = 0  # distinct articles written
    events: int = 0
    problems: list[IngestProblem] = field(default_factory=list)
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    pid: int = 0
    peak_rss: int = 0  # bytes, of the process that ran it
    coder_version: Optional[str] = None


# -- reading ---------------------------------------------------------------------------------
def _origin(source: str, offset: int, index: int) -> str:
    return f"{source}\t{offset:015d}\t{index:06d}"


def read_partition(spec: PartitionSpec) -> tuple[list[tuple[str, Document]], list[IngestProblem]]:
    """The partition's documents, each with its origin (input position), and its problems."""
    docs: list[tuple[str, Document]] = []
    problems: list[IngestProblem] = []
    where = spec.fingerprint.get("source", spec.source)
    if spec.kind == "jsonl":
        encoding, lines = spec.payload
        for lineno, raw in lines:
            item = line_to_document(raw, encoding, f"{spec.source}:{lineno}", spec.source)
            if isinstance(item, Problem):
                problems.append(item)
            else:
                docs.append((_origin(where, lineno, 0), item))
    elif spec.kind == "archive":
        from ..ingest.webarchive import read_archive

        fmt, start, _ = spec.payload
        for i, item in enumerate(_guarded(read_archive(spec_source(spec), fmt), spec.source)):
            if isinstance(item, Document):
                docs.append((_origin(where, start, i), item))
            else:
                problems.append(item)
    elif spec.kind == "files":
        for (name, data), (abs_name, _, _) in zip(spec.payload, spec.fingerprint["files"]):
            src = Source(name=name, opener=lambda data=data: io.BytesIO(data), size=len(data))
            for i, item in enumerate(_guarded(read_source(src), name)):
                if isinstance(item, Document):
                    docs.append((_origin(abs_name, 0, i), item))
                else:
                    problems.append(item)
    elif spec.kind == "docs":
        for seq, fields in spec.payload:
            docs.append((_origin(where, seq, 0), Document(**fields)))
    else:
        raise ValueError(f"unknown partition kind {spec.kind!r}")
    return docs, problems


def _guarded(items, name: str):
    """A reader bug costs one file, not the partition (as in ingest)."""
    try:
        yield from items
    except MemoryError:
        yield problem(name, "too large to read into memory")
    except Exception as exc:  # noqa: BLE001 - reported as one line
        yield problem(name, f"unexpected error while reading: {type(exc).__name__}: {exc}")


# -- cleaning and coding ---------------------------------------------------------------------
def clean_partition(docs: list[tuple[str, Document]]) -> tuple[list[tuple[str, Document]], list[IngestProblem]]:
    """Remove each outlet's template lines within the partition (as ingest does within its
    window); a document left with no text is reported and dropped."""
    keep, problems = strip_outlet_templates([doc for _, doc in docs])
    return [docs[i] for i in keep], problems


# -- rows ------------------------------------------------------------------------------------
def _month_of_timestamp(ts) -> str:
    return ts.astimezone(timezone.utc).strftime("%Y-%m") if ts is not None else UNKNOWN_MONTH


def build_tables(key: str, docs: list[tuple[str, Document]], coded: dict[str, list[Event]],
                 coder_version: Optional[str]) -> tuple[dict[str, list[tuple[str, pa.Table]]], dict[str, int]]:
    """The partition's Parquet tables, by table and month.  Each article is written once (its
    first copy in input order); every copy gets a ``sources`` row."""
    articles: dict[str, list[dict[str, Any]]] = {}
    sources: list[dict[str, Any]] = []
    events: dict[str, list[tuple]] = {}
    seen: set[str] = set()
    n_articles = n_events = 0
    for origin, doc in docs:
        aid = doc.id
        sources.append({**source_fields(doc, aid), "origin": origin, "part": key})
        if aid in seen:
            continue
        seen.add(aid)
        evs = coded.get(aid)
        article = {**article_fields(doc, aid, signature(doc.text)),
                   "coder_version": coder_version if evs is not None else None,
                   "n_events": len(evs) if evs is not None else None,
                   "origin": origin, "part": key}
        articles.setdefault(_month_of_timestamp(article["published"]), []).append(article)
        n_articles += 1
        for ev in evs or ():
            row = Store.event_row(ev, coder_version or "unknown") + (key,)
            day = row[_DAY]
            row = row[:_DAY] + (date.fromisoformat(day) if day else None,) + row[_DAY + 1:]
            events.setdefault(day[:7] if day else UNKNOWN_MONTH, []).append(row)
            n_events += 1
    tables: dict[str, list[tuple[str, pa.Table]]] = {"articles": [], "events": [], "sources": []}
    for month in sorted(articles):
        tables["articles"].append((table_file("articles", key, month),
                                   pa.Table.from_pylist(articles[month], schema=ARTICLE_SCHEMA)))
    for month in sorted(events):
        columns = list(zip(*events[month]))
        arrays = [pa.array(col, type=f.type) for col, f in zip(columns, EVENT_SCHEMA)]
        tables["events"].append((table_file("events", key, month),
                                 pa.Table.from_arrays(arrays, schema=EVENT_SCHEMA)))
    if sources:
        tables["sources"].append((table_file("sources", key),
                                  pa.Table.from_pylist(sources, schema=SOURCE_SCHEMA)))
    return tables, {"documents": len(docs), "articles": n_articles, "events": n_events,
                    "sources": len(sources)}


# -- the task --------------------------------------------------------------------------------
def process_partition(spec: PartitionSpec, lake_path: str, *, code: bool = True,
                      coder: CoderFactory = None, checkpoint: Optional[int] = None,
                      payload: Any = None) -> PartitionResult:
    """Read, clean, code and commit one partition into the lake at ``lake_path``.
    ``payload``: the partition's data when it was sent apart from ``spec``."""
    t0, c0 = time.perf_counter(), time.process_time()
    if payload is not None:
        spec = replace(spec, payload=payload)
    lake = Lake(lake_path)
    result = PartitionResult(key=spec.key, description=spec.describe(), pid=os.getpid())
    if lake.is_committed(spec.key, spec.fingerprint):
        result.skipped = True
        return _finish(result, t0, c0)
    rows, result.problems, result.coder_version = _commit_partition(spec, lake, code, coder,
                                                                     checkpoint)
    release_free_memory()  # the partition's documents, parses and tables are garbage now
    result.documents, result.articles, result.events = rows["documents"], rows["articles"], rows["events"]
    return _finish(result, t0, c0)


def _commit_partition(spec: PartitionSpec, lake: Lake, code: bool, coder: CoderFactory,
                      checkpoint: Optional[int]) -> tuple[dict[str, int], list[IngestProblem], Optional[str]]:
    """The partition's rows written and committed: its row counts, problems, coder version."""
    docs, problems = read_partition(spec)
    docs, more = clean_partition(docs)
    problems += more
    coded: dict[str, list[Event]] = {}
    version: Optional[str] = None
    if code and docs:
        engine = load_coder(coder)
        version = getattr(engine, "version", "unknown")
        unique: dict[str, tuple[str, str, Optional[str]]] = {}
        paths: dict[str, Optional[str]] = {}
        for _, doc in docs:
            aid = doc.id
            if aid not in unique:
                unique[aid] = (aid, doc.text, doc.date)
                paths[aid] = doc.source_path
        found, more = code_articles(engine, list(unique.values()), paths)
        coded = dict(found)
        problems += more
    tables, rows = build_tables(spec.key, docs, coded, version)
    lake.commit(spec.key, spec.fingerprint, tables, rows=rows,
                problems=[[p.path, p.reason, p.kind, getattr(p, "count", 1)] for p in problems],
                coder_version=version, checkpoint=checkpoint)
    return rows, problems, version


def _finish(result: PartitionResult, t0: float, c0: float) -> PartitionResult:
    result.seconds = time.perf_counter() - t0
    result.cpu_seconds = time.process_time() - c0
    result.peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return result
