"""`detente brief` (cited briefings) and `detente plot` (dyad and network charts)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from . import app

plot_app = typer.Typer(help="Charts: a dyad's series with its shifts, or the alignment network.",
                       no_args_is_help=True)
app.add_typer(plot_app, name="plot")


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _open_store(db: Optional[str], lake: Optional[str] = None):
    from ..store import Store, StoreError, default_db_path

    try:
        if lake:
            from ..scale import open_source, stale_note

            source = open_source(db, lake)
            note = stale_note(source)
            if note:
                typer.echo(note, err=True)
            return source
        return Store(db or default_db_path(), read_only=True)
    except StoreError as exc:
        _fail(str(exc))


def _write(text: str, output: Optional[Path]) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        _fail(f"{output}: cannot write: {exc.strerror or exc}")


@app.command()
def brief(
    a: str = typer.Argument(..., help="First country (ISO3, e.g. RUS) or actor code."),
    b: str = typer.Argument(..., help="Second country (ISO3, e.g. PRK) or actor code."),
    since: Optional[str] = typer.Option(None, "--since", help="Cover events from this date "
                                        "(YYYY, YYYY-MM or YYYY-MM-DD); earlier ones become history."),
    fmt: str = typer.Option("md", "--format", "-f", help="md or html (self-contained)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here instead of stdout."),
    db: Optional[str] = typer.Option(None, "--db", help="Store file (default $DETENTE_DB or ./detente.duckdb)."),
    lake: Optional[str] = typer.Option(None, "--lake", help="Parquet lake folder (detente run) instead of the store."),
) -> None:
    """A cited briefing on two countries: every statement cites its articles."""
    from ..brief import BriefError, write_brief
    from ..store import StoreError

    store = _open_store(db, lake)
    try:
        text = write_brief(store, a, b, since=since, fmt=fmt)
    except (BriefError, StoreError) as exc:
        _fail(str(exc))
    finally:
        store.close()
    _write(text, output)


def _chart_format(output: Path) -> str:
    fmt = output.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        _fail(f"{output}: the chart format comes from the file name; use .png or .svg")
    return fmt


@plot_app.command("dyad")
def plot_dyad_command(
    a: str = typer.Argument(..., help="First country (ISO3)."),
    b: str = typer.Argument(..., help="Second country (ISO3)."),
    output: Path = typer.Option(..., "--output", "-o", help="FILE.png or FILE.svg"),
    date_from: Optional[str] = typer.Option(None, "--from", help="First day (YYYY[-MM[-DD]])."),
    date_to: Optional[str] = typer.Option(None, "--to", help="Last day (YYYY[-MM[-DD]])."),
    freq: str = typer.Option("month", "--freq", help="week, month, quarter or year."),
    db: Optional[str] = typer.Option(None, "--db", help="Store file."),
    lake: Optional[str] = typer.Option(None, "--lake", help="Parquet lake folder (detente run) instead of the store."),
) -> None:
    """The dyad's net cooperation and event counts per period, with shifts and key events."""
    from ..relations.plots import PlotError, dyad_chart

    fmt = _chart_format(output)
    store = _open_store(db, lake)
    try:
        with _writable(output) as handle:
            dyad_chart(store, a, b, handle, fmt=fmt, date_from=date_from, date_to=date_to, freq=freq)
    except PlotError as exc:
        _fail(str(exc))
    finally:
        store.close()


@plot_app.command("network")
def plot_network_command(
    output: Path = typer.Option(..., "--output", "-o", help="FILE.png or FILE.svg"),
    date_from: Optional[str] = typer.Option(None, "--from", help="First day (YYYY[-MM[-DD]])."),
    date_to: Optional[str] = typer.Option(None, "--to", help="Last day (YYYY[-MM[-DD]])."),
    db: Optional[str] = typer.Option(None, "--db", help="Store file."),
    lake: Optional[str] = typer.Option(None, "--lake", help="Parquet lake folder (detente run) instead of the store."),
) -> None:
    """The alignment network: countries linked by net cooperation, coloured by bloc."""
    from ..relations.plots import PlotError, network_chart

    fmt = _chart_format(output)
    store = _open_store(db, lake)
    try:
        with _writable(output) as handle:
            network_chart(store, handle, fmt=fmt, date_from=date_from, date_to=date_to)
    except PlotError as exc:
        _fail(str(exc))
    finally:
        store.close()


class _writable:
    """Open ``path`` for binary writing, reporting an unwritable path as one line; a failed
    chart leaves no half-written file behind."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self):
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.handle = open(self.path, "wb")
        except OSError as exc:
            _fail(f"{self.path}: cannot write: {exc.strerror or exc}")
        return self.handle

    def __exit__(self, exc_type, exc, tb):
        self.handle.close()
        if exc_type is not None:
            self.path.unlink(missing_ok=True)
        return False
