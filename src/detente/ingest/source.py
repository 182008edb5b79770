"""One input file (or stdin) as readers see it: a name for messages, the raw bytes on demand,
gzip undone transparently, and byte counts reported for the progress bar."""
from __future__ import annotations

import gzip
import io
import zlib
from dataclasses import dataclass, field
from typing import BinaryIO, Callable, Literal, Optional

from ..records import IngestProblem

HEAD_BYTES = 65536
GZIP_MAGIC = b"\x1f\x8b"

ProgressFn = Callable[[int], None]


@dataclass
class Problem(IngestProblem):
    """An :class:`IngestProblem` standing for ``count`` records (e.g. "212 WARC records
    skipped"), so one line can report many without losing the counts."""

    count: int = 1


def problem(path: str, reason: str, kind: Literal["skipped", "failed"] = "failed",
            count: int = 1) -> Problem:
    return Problem(path=path, reason=reason, kind=kind, count=count)


class TruncatedInput(EOFError):
    pass


def gzip_error(exc: BaseException) -> str:
    """One line for what went wrong inside a gzip stream."""
    if isinstance(exc, EOFError):
        return "truncated gzip: the compressed data ends early (incomplete download?)"
    return f"corrupt gzip data ({exc})"


GZIP_ERRORS = (EOFError, gzip.BadGzipFile, zlib.error)


class CountingReader(io.RawIOBase):
    """Read-through wrapper reporting bytes consumed from the underlying (compressed) file, so
    progress is measured against file sizes known up front."""

    def __init__(self, raw: BinaryIO, on_read: Optional[ProgressFn]):
        self._raw = raw
        self._on_read = on_read
        self._pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self._advance(n)
        return n

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read() if size is None or size < 0 else self._raw.read(size)
        self._advance(len(data))
        return data

    def _advance(self, n: int) -> None:
        self._pos += n
        if n and self._on_read:
            self._on_read(n)

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        try:
            self._raw.close()
        finally:
            super().close()


@dataclass
class Source:
    """An input to read.  ``opener`` returns the raw (possibly gzip-compressed) bytes stream."""

    name: str
    opener: Callable[[], BinaryIO]
    size: Optional[int] = None
    progress: Optional[ProgressFn] = None
    _gzipped: Optional[bool] = field(default=None, repr=False)
    _head: Optional[bytes] = field(default=None, repr=False)

    def raw(self) -> BinaryIO:
        """The bytes as stored (compressed if the file is), counted for progress."""
        return io.BufferedReader(CountingReader(self.opener(), self.progress), 1 << 16)

    @property
    def gzipped(self) -> bool:
        if self._gzipped is None:
            with self.opener() as fh:
                self._gzipped = fh.read(2) == GZIP_MAGIC
        return self._gzipped

    def stream(self) -> BinaryIO:
        """The content, decompressed when gzip.  Reading a truncated gzip raises EOFError."""
        raw = self.raw()
        return gzip.GzipFile(fileobj=raw, mode="rb") if self.gzipped else raw

    def read(self) -> bytes:
        with self.stream() as fh:
            return fh.read()

    def head(self) -> bytes:
        """The first bytes of the content, for sniffing.  A truncated or corrupt gzip still
        yields what decompresses, so the format can be named in the error."""
        if self._head is None:
            with self.opener() as fh:
                start = fh.read(HEAD_BYTES)
            if start[:2] == GZIP_MAGIC:
                self._gzipped = True
                try:
                    self._head = zlib.decompressobj(wbits=47).decompress(start, HEAD_BYTES)
                except zlib.error:
                    self._head = b""
            else:
                self._gzipped = False
                self._head = start
        return self._head
