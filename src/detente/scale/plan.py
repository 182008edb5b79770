"""Cutting inputs into partitions, lazily, on the client.

The client only reads bytes and finds boundaries; extraction, cleaning and coding happen on
the workers.  Partition units:

* JSON Lines: K non-blank lines (gzip read as a stream);
* WARC/ARC: K response/resource records, as a byte range of the file (warcio finds the record
  offsets; a per-record-gzip WARC range is itself a valid WARC);
* any other file (HTML page, text, Markdown, feed, JSON array): one file is one unit, K files
  a partition (a feed's items stay together because the file must be parsed whole anyway);
* a stream of :class:`~detente.records.Document` (an API caller, the benchmark's generator):
  K documents.

A partition also closes at ``max_bytes`` so that memory stays bounded whatever K is.  Every
partition carries a fingerprint (source, range, SHA-256 of its bytes) from which its key is
derived: the same input cut the same way gives the same keys in every run.
"""
from __future__ import annotations

import glob
import hashlib
import io
import json
import os
from dataclasses import asdict, dataclass
from typing import Any, Iterable, Iterator, Union

from ..ingest.inputs import PathLike, iter_sources
from ..ingest.sniff import Unsupported, sniff
from ..ingest.source import GZIP_ERRORS, Problem, Source, gzip_error, problem
from ..records import Document, IngestProblem
from .layout import partition_key

DEFAULT_PARTITION_SIZE = 200
DEFAULT_MAX_BYTES = 64 << 20
# Past a break in a WARC (corrupt gzip member, garbage) the reader on the worker is handed this
# much of what follows so that it can name the problem, as `detente ingest` would.
_ARCHIVE_TAIL = 1 << 20


@dataclass
class PartitionSpec:
    """One unit of work.  ``payload`` is what the worker reads documents from:

    * ``jsonl``: ``(encoding, [(line number, raw line), ...])``
    * ``archive``: ``(format, start offset, bytes)``
    * ``files``: ``[(path, bytes), ...]``
    * ``docs``: ``[(sequence number, Document fields), ...]``
    """

    key: str
    kind: str
    source: str
    fingerprint: dict[str, Any]
    payload: Any
    units: int
    nbytes: int

    def describe(self) -> str:
        fp = self.fingerprint
        if self.kind == "jsonl":
            return f"{self.source} lines {fp['first_line']}-{fp['last_line']}"
        if self.kind == "archive":
            return f"{self.source} bytes {fp['start']}-{fp['end']}"
        if self.kind == "docs":
            return f"{self.source} documents {fp['first']}-{fp['last']}"
        names = [f[0] for f in fp["files"]]
        return names[0] if len(names) == 1 else f"{names[0]} (+{len(names) - 1} files)"


def _sha(parts: Iterable[bytes]) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(len(p).to_bytes(8, "little"))
        h.update(p)
    return h.hexdigest()


def _spec(kind: str, source: str, fingerprint: dict[str, Any], payload: Any, units: int,
          nbytes: int) -> PartitionSpec:
    return PartitionSpec(key=partition_key(fingerprint), kind=kind, source=source,
                         fingerprint=fingerprint, payload=payload, units=units, nbytes=nbytes)


def expand_inputs(paths: Iterable[PathLike]) -> Iterator[Union[str, Problem]]:
    """Paths as given, with shell-style globs (``news/**/*.jsonl``) expanded in sorted order
    when the path itself does not exist (a quoted glob the shell did not expand)."""
    for item in paths:
        text = str(item)
        if text == "-" or os.path.exists(text) or not glob.has_magic(text):
            yield text
            continue
        matches = sorted(glob.glob(text, recursive=True))
        if not matches:
            yield problem(text, "no file matches this pattern")
        yield from matches


def plan_inputs(paths: Iterable[PathLike] | PathLike, partition_size: int = DEFAULT_PARTITION_SIZE,
                *, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Union[PartitionSpec, IngestProblem]]:
    """Partitions of the inputs (files, folders, globs, '-'), in input order, and one-line
    problems for inputs that cannot be read at all."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    files: list[tuple[str, bytes]] = []
    file_bytes = 0

    def flush_files() -> Iterator[PartitionSpec]:
        nonlocal files, file_bytes
        if files:
            yield _files_spec(files)
        files, file_bytes = [], 0

    expanded = list(expand_inputs(paths))  # names only, no contents
    for p in expanded:
        if isinstance(p, Problem):
            yield p
    for item in iter_sources([p for p in expanded if not isinstance(p, Problem)]):
        if isinstance(item, Problem):
            yield item
            continue
        fmt = _format_of(item)
        if isinstance(fmt, Problem):
            yield fmt
            continue
        if fmt in ("jsonl", "warc", "arc"):
            yield from flush_files()
            reader = _jsonl_partitions if fmt == "jsonl" else _archive_partitions
            yield from reader(item, partition_size, max_bytes, fmt)
            continue
        try:
            with item.opener() as fh:
                data = fh.read()
        except OSError as exc:
            yield problem(item.name, f"cannot read: {(exc.strerror or str(exc)).lower()}")
            continue
        if files and (len(files) >= partition_size or file_bytes + len(data) > max_bytes):
            yield from flush_files()
        files.append((item.name, data))
        file_bytes += len(data)
    yield from flush_files()


def _format_of(source: Source) -> Union[str, Problem]:
    try:
        head = source.head()
    except OSError as exc:
        return problem(source.name, f"cannot read: {(exc.strerror or str(exc)).lower()}")
    if source.size == 0 or (not head and not source.gzipped):
        return problem(source.name, "empty file")
    if source.gzipped and not head:
        return problem(source.name, "corrupt or truncated gzip (nothing decompresses)")
    try:
        return sniff(head, source.name)
    except Unsupported as exc:
        return problem(source.name, str(exc))


def _abs(name: str) -> str:
    return name if name.startswith("<") else os.path.abspath(name)


def _jsonl_encoding(head: bytes) -> str:
    # As the JSON Lines reader decides it: UTF-8 unless the head says otherwise.
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 4:
            return "utf-8"
    from ..ingest.encoding import BinaryInput, detect_encoding

    try:
        return detect_encoding(head)
    except BinaryInput:
        return "utf-8"


def _jsonl_partitions(source: Source, k: int, max_bytes: int, fmt: str) -> Iterator[Union[PartitionSpec, Problem]]:
    encoding = _jsonl_encoding(source.head())
    where = _abs(source.name)
    lines: list[tuple[int, bytes]] = []
    size = 0
    lineno = 0

    def spec() -> PartitionSpec:
        fp = {"kind": "jsonl", "source": where, "first_line": lines[0][0],
              "last_line": lines[-1][0], "sha256": _sha(l for _, l in lines)}
        return _spec("jsonl", source.name, fp, (encoding, lines), len(lines), size)

    try:
        with source.stream() as fh:
            for lineno, raw in enumerate(fh, 1):
                if not raw.strip():
                    continue
                lines.append((lineno, raw))
                size += len(raw)
                if len(lines) >= k or size >= max_bytes:
                    yield spec()
                    lines, size = [], 0
    except GZIP_ERRORS as exc:
        if lines:
            yield spec()
            lines = []
        yield problem(source.name, f"{gzip_error(exc)}; the {lineno} lines before it were read")
    except OSError as exc:
        yield problem(source.name, f"cannot read: {(exc.strerror or str(exc)).lower()}")
        return
    if lines:
        yield spec()


def _archive_partitions(source: Source, k: int, max_bytes: int, fmt: str) -> Iterator[Union[PartitionSpec, Problem]]:
    """Byte ranges of K article-bearing records.  Boundaries are record offsets, so a range is
    a valid archive on its own; the worker's reader does the rest (and reports what it skips)."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    where = _abs(source.name)
    path = source.name

    def spec(start: int, end: int) -> PartitionSpec:
        with open(path, "rb") as fh:
            fh.seek(start)
            data = fh.read(end - start)
        fp = {"kind": "archive", "source": where, "format": fmt, "start": start, "end": end,
              "sha256": _sha([data])}
        return _spec("archive", source.name, fp, (fmt, start, data), 0, len(data))

    if path.startswith("<"):  # stdin: already in memory, hand it over whole
        with source.opener() as fh:
            data = fh.read()
        fp = {"kind": "archive", "source": where, "format": fmt, "start": 0, "end": len(data),
              "sha256": _sha([data])}
        yield _spec("archive", source.name, fp, (fmt, 0, data), 0, len(data))
        return
    size = source.size if source.size is not None else os.path.getsize(path)
    start = 0
    n = 0
    last_end = 0
    try:
        with open(path, "rb") as fh:
            iterator = ArchiveIterator(fh, arc2warc=True)
            for record in iterator:
                offset = iterator.get_record_offset()
                length = iterator.get_record_length()
                # The partition closes *before* the record that would make it K + 1 articles
                # (or too many bytes), at that record's offset.
                counts = record.rec_type in ("response", "resource")
                if n and ((counts and n >= k) or offset - start >= max_bytes):
                    yield spec(start, offset)
                    start, n = offset, 0
                n += 1 if counts else 0
                last_end = offset + length
    except (ArchiveLoadFailed, *GZIP_ERRORS, ValueError, IndexError, KeyError, OSError):
        # Hand the rest (bounded) to the reader: it names the problem as ingest does.
        end = min(size, max(last_end, start) + _ARCHIVE_TAIL)
        if end > start:
            yield spec(start, end)
        return
    if size > start:
        yield spec(start, size)


def _files_spec(files: list[tuple[str, bytes]]) -> PartitionSpec:
    fp = {"kind": "files",
          "files": [[_abs(name), len(data), _sha([data])] for name, data in files]}
    return _spec("files", files[0][0], fp, list(files), len(files),
                 sum(len(d) for _, d in files))


def plan_documents(documents: Iterable[Union[Document, IngestProblem]], partition_size: int = DEFAULT_PARTITION_SIZE,
                   *, stream: str = "<documents>", max_bytes: int = DEFAULT_MAX_BYTES,
                   ) -> Iterator[Union[PartitionSpec, IngestProblem]]:
    """Partitions of an iterable of Documents (consumed lazily).  ``stream`` names the source:
    resuming a stream needs the same name and the same documents in the same order."""
    batch: list[tuple[int, dict[str, Any]]] = []
    size = 0
    seq = 0

    def spec() -> PartitionSpec:
        blobs = [json.dumps(d, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
                 for _, d in batch]
        fp = {"kind": "docs", "source": stream, "first": batch[0][0], "last": batch[-1][0],
              "sha256": _sha(blobs)}
        return _spec("docs", stream, fp, list(batch), len(batch), size)

    for item in documents:
        if isinstance(item, IngestProblem):
            yield item
            continue
        seq += 1
        fields = asdict(item)
        batch.append((seq, fields))
        size += len(item.text) + len(item.title or "")
        if len(batch) >= partition_size or size >= max_bytes:
            yield spec()
            batch, size = [], 0
    if batch:
        yield spec()


def spec_source(spec: PartitionSpec) -> Source:
    """A Source over an ``archive`` partition's bytes, named after its file."""
    data = spec.payload[2]
    return Source(name=spec.source, opener=lambda: io.BytesIO(data), size=len(data))


__all__ = ["PartitionSpec", "plan_inputs", "plan_documents", "expand_inputs",
           "DEFAULT_PARTITION_SIZE", "DEFAULT_MAX_BYTES"]
