"""Reading JSON Lines files of records: gold sets, codebooks, ``detente code`` input.

One reader for every stage, so a bad line reads the same everywhere: ``path:line: reason``.
(News corpora in JSON Lines go through :mod:`detente.ingest.jsonl`, which maps article fields
and sniffs encodings; it shares :func:`json_object` with this module.)
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Union


class JsonlError(ValueError):
    """A JSON Lines file or line that cannot be read; the message is ``path:line: reason``."""


def json_object(line: Union[str, bytes]) -> dict[str, Any]:
    """The JSON object on one line; ``ValueError`` with a short reason (no location) when the
    line is not JSON or holds something other than an object."""
    try:
        value = json.loads(line)
    except ValueError as exc:  # JSONDecodeError, and UnicodeDecodeError for bad bytes
        if isinstance(exc, json.JSONDecodeError):
            raise ValueError(f"invalid JSON ({exc.msg}, column {exc.colno})") from None
        raise ValueError(f"invalid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise ValueError(f"not a JSON object (a {type(value).__name__})")
    return value


def read_jsonl(path: Union[str, Path], *, error: type[Exception] = JsonlError,
               missing: str = "no such file",
               on_bad_line: Optional[Callable[[str], None]] = None) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-blank line of ``path`` (``"-"``: standard input).

    A missing file raises ``error("path: <missing>")``.  A line that is not a JSON object
    raises ``error("path:line: reason")`` -- or, given ``on_bad_line``, is passed to it as
    that message and skipped, for readers that keep going.  Bytes that are not UTF-8 are
    replaced rather than fatal, and a byte-order mark is dropped."""
    name = "<stdin>" if str(path) == "-" else str(path)
    if str(path) == "-":
        fh = sys.stdin
    else:
        try:
            fh = open(path, encoding="utf-8-sig", errors="replace")
        except FileNotFoundError:
            raise error(f"{name}: {missing}") from None
        except OSError as exc:
            raise error(f"{name}: cannot read: {exc.strerror or exc}") from None
    try:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = json_object(line)
            except ValueError as exc:
                message = f"{name}:{lineno}: {exc}"
                if on_bad_line is None:
                    raise error(message) from None
                on_bad_line(message)
                continue
            yield lineno, record
    finally:
        if fh is not sys.stdin:
            fh.close()
