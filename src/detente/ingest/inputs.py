"""From paths to documents: walk files and folders, open each input (gzip undone, '-' = stdin),
sniff its format, and hand it to the reader for that format.

Every failure becomes one :class:`IngestProblem` line naming the file (and line or record) --
never a traceback -- and the walk goes on, unless ``strict`` asks to stop at the first one.
"""
from __future__ import annotations

import io
import os
import re
import stat
import sys
from pathlib import Path
from typing import Iterable, Iterator, Optional, Union

from ..records import Document, IngestProblem
from .feeds import read_feed, read_json_feed
from .htmlpage import read_html
from .jsonl import read_json, read_jsonl
from .sniff import Unsupported, sniff
from .source import GZIP_ERRORS, Problem, ProgressFn, Source, gzip_error, problem
from .textfile import read_text
from .webarchive import read_archive

PathLike = Union[str, os.PathLike]


class IngestError(RuntimeError):
    """Raised in strict mode at the first input that fails."""

    def __init__(self, problem: IngestProblem):
        super().__init__(str(problem))
        self.problem = problem


def _os_reason(exc: OSError) -> str:
    reason = (exc.strerror or str(exc)).lower()
    return f"cannot read: {reason}"


# A folder's own documentation, not news: skipped when met inside a folder (a file named on
# the command line is always read).
_FOLDER_DOCS = re.compile(r"^(readme|license|licence|copying|notice|changelog|authors|"
                          r"contributing)([._-].*)?$", re.I)


def _walk(path: Path) -> Iterator[Path | Problem]:
    """Regular files under ``path`` in a stable order; hidden files and folders are skipped
    (editor backups, .git, .DS_Store), README/LICENSE-style files reported as skipped."""
    errors: list[OSError] = []
    for root, dirs, files in os.walk(path, onerror=errors.append):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            if _FOLDER_DOCS.match(name):
                yield problem(str(Path(root) / name), "folder documentation (README/LICENSE), "
                              "not an article; name the file to ingest it anyway", kind="skipped")
                continue
            yield Path(root) / name
    for exc in errors:
        yield problem(str(exc.filename or path), _os_reason(exc))


def iter_sources(paths: Iterable[PathLike], progress: Optional[ProgressFn] = None,
                 stdin: Optional[io.BufferedIOBase] = None) -> Iterator[Source | Problem]:
    for item in paths:
        if str(item) == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            data = stream.read()  # stdin can be read once; readers may need two passes
            yield Source(name="<stdin>", opener=lambda data=data: io.BytesIO(data),
                         size=len(data), progress=progress)
            continue
        path = Path(item)
        try:
            st = path.stat()
        except FileNotFoundError:
            yield problem(str(path), "no such file or directory")
            continue
        except OSError as exc:
            yield problem(str(path), _os_reason(exc))
            continue
        if stat.S_ISDIR(st.st_mode):
            for entry in _walk(path):
                if isinstance(entry, Problem):
                    yield entry
                    continue
                try:
                    est = entry.stat()
                except OSError as exc:
                    yield problem(str(entry), _os_reason(exc))
                    continue
                if stat.S_ISREG(est.st_mode):
                    yield _file_source(entry, est.st_size, progress)
        elif stat.S_ISREG(st.st_mode):
            yield _file_source(path, st.st_size, progress)
        else:
            yield problem(str(path), "not a regular file or folder")


def _open_file(path: Path):
    return open(path, "rb")


def _file_source(path: Path, size: int, progress: Optional[ProgressFn]) -> Source:
    return Source(name=str(path), opener=lambda: _open_file(path), size=size, progress=progress)


def read_source(source: Source) -> Iterator[Document | Problem]:
    """All documents and problems of one input."""
    try:
        head = source.head()
    except OSError as exc:
        yield problem(source.name, _os_reason(exc))
        return
    if source.size == 0 or (not head and not source.gzipped):
        yield problem(source.name, "empty file")
        return
    if source.gzipped and not head:
        yield problem(source.name, "corrupt or truncated gzip (nothing decompresses)")
        return
    try:
        fmt = sniff(head, source.name)
    except Unsupported as exc:
        yield problem(source.name, str(exc))
        return
    if fmt in ("warc", "arc"):
        # warcio reads per-record gzip itself and must see the compressed bytes.
        yield from read_archive(source, fmt)
        return
    if fmt == "jsonl":
        yield from read_jsonl(source)  # streamed: corpora can be larger than memory
        return
    try:
        raw = source.read()
    except GZIP_ERRORS as exc:
        yield problem(source.name, gzip_error(exc))
        return
    except OSError as exc:
        yield problem(source.name, _os_reason(exc))
        return
    if fmt == "feed":
        yield from read_feed(source, raw)
    elif fmt == "jsonfeed":
        yield from read_json_feed(source, raw)
    elif fmt == "json":
        yield from read_json(source, raw)
    elif fmt == "html":
        yield from read_html(source, raw)
    else:
        yield from read_text(source, raw)


def iter_documents(paths: Iterable[PathLike] | PathLike, *, strict: bool = False,
                   progress: Optional[ProgressFn] = None,
                   stdin: Optional[io.BufferedIOBase] = None,
                   ) -> Iterator[Document | IngestProblem]:
    """Documents (cleaned, dated, with provenance) and problems from files, folders (recursive)
    and '-' (stdin), in a stable order.  ``strict`` raises :class:`IngestError` at the first
    failure instead of yielding it.  ``progress`` is called with the number of (compressed)
    bytes consumed, for a progress bar sized by the total of the files' sizes."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    for source in iter_sources(paths, progress=progress, stdin=stdin):
        items: Iterable[Document | IngestProblem]
        items = [source] if isinstance(source, Problem) else _guarded(read_source(source), source)
        for item in items:
            if strict and isinstance(item, IngestProblem) and item.kind == "failed":
                raise IngestError(item)
            yield item


def _guarded(items: Iterator[Document | Problem], source: Source) -> Iterator[Document | Problem]:
    """A reader bug must cost one file, not the run: turn it into a problem line."""
    try:
        yield from items
    except (KeyboardInterrupt, GeneratorExit):
        raise
    except MemoryError:
        yield problem(source.name, "too large to read into memory")
    except Exception as exc:  # noqa: BLE001 - reported, never a traceback
        yield problem(source.name, f"unexpected error while reading: {type(exc).__name__}: {exc}")


def total_size(paths: Iterable[PathLike]) -> Optional[int]:
    """Sum of the input files' sizes, or None when stdin is among them."""
    total = 0
    for item in paths:
        if str(item) == "-":
            return None
        path = Path(item)
        try:
            if path.is_dir():
                for entry in _walk(path):
                    if isinstance(entry, Path):
                        try:
                            total += entry.stat().st_size
                        except OSError:
                            pass
            elif path.is_file():
                total += path.stat().st_size
        except OSError:
            continue
    return total

