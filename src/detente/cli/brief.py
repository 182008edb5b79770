"""`detente brief` (cited briefings) and `detente plot` (dyad and network charts)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, BinaryIO, Callable, Optional

import typer

from . import app
from .common import DbOption, LakeOption, fail, open_store

plot_app = typer.Typer(help="Charts: a dyad's series with its shifts, or the alignment network.",
                       no_args_is_help=True)
app.add_typer(plot_app, name="plot")


def _write(text: str, output: Optional[Path]) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"{output}: cannot write: {exc.strerror or exc}")


@app.command()
def brief(
    a: str = typer.Argument(..., help="First country (ISO3, e.g. RUS) or actor code."),
    b: str = typer.Argument(..., help="Second country (ISO3, e.g. PRK) or actor code."),
    since: Optional[str] = typer.Option(None, "--since", help="Cover events from this date "
                                        "(YYYY, YYYY-MM or YYYY-MM-DD); earlier ones become history."),
    fmt: str = typer.Option("md", "--format", "-f", help="md or html (self-contained)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here instead of stdout."),
    db: DbOption = None,
    lake: LakeOption = None,
) -> None:
    """A cited briefing on two countries: every statement cites its articles."""
    from ..brief import BriefError, write_brief
    from ..store import StoreError

    store = open_store(db, lake)
    try:
        text = write_brief(store, a, b, since=since, fmt=fmt)
    except (BriefError, StoreError) as exc:
        fail(str(exc))
    finally:
        store.close()
    _write(text, output)


def _chart_format(output: Path) -> str:
    fmt = output.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        fail(f"{output}: the chart format comes from the file name; use .png or .svg")
    return fmt


def _draw(output: Path, db: Optional[str], lake: Optional[str],
          chart: Callable[[Any, BinaryIO, str], None]) -> None:
    """Run ``chart(store, handle, fmt)`` into ``output``: format from its suffix, the store
    or lake opened read-only, a chart error as one line (and no half-written file)."""
    from ..relations.plots import PlotError

    fmt = _chart_format(output)
    store = open_store(db, lake)
    try:
        with _writable(output) as handle:
            chart(store, handle, fmt)
    except PlotError as exc:
        fail(str(exc))
    finally:
        store.close()


@plot_app.command("dyad")
def plot_dyad_command(
    a: str = typer.Argument(..., help="First country (ISO3)."),
    b: str = typer.Argument(..., help="Second country (ISO3)."),
    output: Path = typer.Option(..., "--output", "-o", help="FILE.png or FILE.svg"),
    date_from: Optional[str] = typer.Option(None, "--from", help="First day (YYYY[-MM[-DD]])."),
    date_to: Optional[str] = typer.Option(None, "--to", help="Last day (YYYY[-MM[-DD]])."),
    freq: str = typer.Option("month", "--freq", help="week, month, quarter or year."),
    db: DbOption = None,
    lake: LakeOption = None,
) -> None:
    """The dyad's net cooperation and event counts per period, with shifts and key events."""
    from ..relations.plots import dyad_chart

    _draw(output, db, lake, lambda store, handle, fmt: dyad_chart(
        store, a, b, handle, fmt=fmt, date_from=date_from, date_to=date_to, freq=freq))


@plot_app.command("network")
def plot_network_command(
    output: Path = typer.Option(..., "--output", "-o", help="FILE.png or FILE.svg"),
    date_from: Optional[str] = typer.Option(None, "--from", help="First day (YYYY[-MM[-DD]])."),
    date_to: Optional[str] = typer.Option(None, "--to", help="Last day (YYYY[-MM[-DD]])."),
    db: DbOption = None,
    lake: LakeOption = None,
) -> None:
    """The alignment network: countries linked by net cooperation, coloured by bloc."""
    from ..relations.plots import network_chart

    _draw(output, db, lake, lambda store, handle, fmt: network_chart(
        store, handle, fmt=fmt, date_from=date_from, date_to=date_to))


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
            fail(f"{self.path}: cannot write: {exc.strerror or exc}")
        return self.handle

    def __exit__(self, exc_type, exc, tb):
        self.handle.close()
        if exc_type is not None:
            self.path.unlink(missing_ok=True)
        return False
