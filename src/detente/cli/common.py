"""What the commands share: how they fail, and how query commands open what they read.

Every query command (``events``, ``dyad``, ``align``, ``brief``, ``plot``) reads either the
DuckDB store or a Parquet lake (``--lake``) through :func:`open_store`, so all of them accept
the same two options, say the same thing when neither can be opened, and warn the same way
about a lake whose merged events are behind its partitions.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated, NoReturn, Optional

import typer

if TYPE_CHECKING:
    from ..store import Store

DB_HELP = "Store file (default $DETENTE_DB or ./detente.duckdb)."
LAKE_HELP = "Parquet lake folder (detente run) instead of the store."

# The two options of every query command.
DbOption = Annotated[Optional[str], typer.Option("--db", help=DB_HELP)]
LakeOption = Annotated[Optional[str], typer.Option("--lake", help=LAKE_HELP)]


def db_path(db: "Optional[str | os.PathLike[str]]") -> str:
    """The store file a command means: ``--db``, else ``$DETENTE_DB``, else ./detente.duckdb."""
    from ..store import default_db_path

    return str(db) if db else default_db_path()


def fail(message: str, code: int = 2) -> NoReturn:
    """One ``error: ...`` line on stderr, then exit (2: bad input or unusable store)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def note(message: str) -> None:
    typer.echo(message, err=True)


def open_store(db: Optional[str], lake: Optional[str] = None, *, write: bool = False) -> "Store":
    """The store ``db`` (default ``$DETENTE_DB`` or ./detente.duckdb) opened read-only, or the
    lake folder ``lake``, as a :class:`~detente.store.Store`; ``write=True`` opens the store
    read-write (for ``merge``).  A lake whose derived tables are stale gets a note on stderr;
    what cannot be opened (missing, locked, not a store, both options given) is one error line
    and exit status 2."""
    from ..store import Store, StoreError

    try:
        if write:
            return Store(db_path(db))
        if not lake:  # the store alone need not import the lake readers
            return Store(db_path(db), read_only=True)
        from ..scale import open_source, stale_note

        source = open_source(db, lake)
    except StoreError as exc:
        fail(str(exc))
    stale = stale_note(source)
    if stale:
        note(stale)
    return source
