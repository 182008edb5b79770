"""`detente dyad`, `detente align`, `detente merge`: thin commands over detente.relations."""
from __future__ import annotations

import csv
import json
import sys
from typing import Any, Optional

import typer

from . import app
from .common import DbOption, LakeOption, fail, open_store

FORMATS = ("table", "csv", "json")


def _country(text: str, what: str) -> str:
    from ..relations.countries import resolve_country
    from ..relations.common import RelationsError

    try:
        return resolve_country(text)
    except RelationsError as exc:
        fail(f"{what}: {exc}")


def _check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        fail(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")
    return fmt


def _warn_unmerged(store, reports: bool) -> None:
    if reports:
        return
    from ..relations.merge import merge_lag

    n = merge_lag(store)
    if n:
        typer.echo(f"note: merged events are out of date ({abs(n)} reports "
                   f"{'not merged yet' if n > 0 else 'gone since the last merge'}); run "
                   "`detente merge` (or use --reports)", err=True)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, default=str)


def _fmt_num(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:+.2f}" if v else "0.00"
    return str(v)


@app.command()
def dyad(
    a: str = typer.Argument(..., help="First country: ISO3 code (PRK) or name (North Korea)."),
    b: str = typer.Argument(..., help="Second country."),
    date_from: Optional[str] = typer.Option(None, "--from", help="First day (YYYY[-MM[-DD]])."),
    date_to: Optional[str] = typer.Option(None, "--to", help="Last day, inclusive."),
    freq: str = typer.Option("month", "--freq", help="day, week, month, quarter or year."),
    directed: bool = typer.Option(False, "--directed", help="Only A acting on B (plus symmetric "
                                  "acts such as meetings)."),
    reports: bool = typer.Option(False, "--reports", help="Count reports, not merged events."),
    dimension: Optional[str] = typer.Option(None, "--dimension", help="Only events of one "
                                            "dimension: diplomatic, military, economic, "
                                            "economic:trade, sanctions, humanitarian, ..."),
    roots: Optional[list[str]] = typer.Option(None, "--root", help="Only these CAMEO roots "
                                              "(repeatable): --root 04 for meetings."),
    shifts: bool = typer.Option(False, "--shifts", help="Also list change points (warming/cooling)."),
    top: int = typer.Option(3, "--top", help="Top events kept per period (csv/json)."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, csv or json."),
    db: DbOption = None,
    lake: LakeOption = None,
) -> None:
    """A dyad's events per period: quad classes, Goldstein, net cooperation, top events."""
    from ..relations import RelationsError, dyad_series, find_shifts, series_rows

    _check_format(fmt)
    ca, cb = _country(a, "A"), _country(b, "B")
    store = open_store(db, lake)
    try:
        _warn_unmerged(store, reports)
        periods = dyad_series(store, ca, cb, date_from, date_to, freq=freq, directed=directed,
                              reports=reports, top=max(top, 10 if shifts else 0),
                              dimension=dimension, roots=roots or None,
                              articles=fmt == "json")
        found = find_shifts(periods) if shifts else []
    except RelationsError as exc:
        fail(str(exc))
    finally:
        store.close()
    for p in periods:
        p.top_events = p.top_events[:max(top, 0)]
    if fmt == "json":
        out: dict[str, Any] = {"a": ca, "b": cb, "freq": freq, "directed": directed,
                               "unit": "reports" if reports else "merged events",
                               "periods": [p.to_dict() for p in periods]}
        if shifts:
            out["shifts"] = [s.to_dict() for s in found]
        typer.echo(_dumps(out))
        return
    rows = series_rows(periods)
    if fmt == "csv":
        if not rows:
            return
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0].keys()), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        if shifts and found:
            typer.echo("")
            w2 = csv.writer(sys.stdout, lineterminator="\n")
            w2.writerow(["shift_start", "label", "size", "before", "after", "driver"])
            for s in found:
                w2.writerow([s.start.isoformat(), s.label, round(s.size, 3), round(s.before, 3),
                             round(s.after, 3), s.drivers[0].short() if s.drivers else ""])
        return
    _print_table(ca, cb, rows, reports, directed)
    if shifts:
        _print_shifts(found)


def _print_table(a: str, b: str, rows: list[dict[str, Any]], reports: bool, directed: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    arrow = "->" if directed else "<->"
    unit = "reports" if reports else "merged events"
    if not rows:
        typer.echo(f"no events between {a} and {b} ({unit})")
        return
    from rich import box

    table = Table(title=f"{a} {arrow} {b} ({unit})", box=box.SIMPLE_HEAD, pad_edge=False,
                  caption="coop/confl: verbal/material; G: Goldstein; net: net cooperation")
    # Short headers and verbal/material pairs keep the table readable at 80 columns.
    for col in ("period", "ev", "rep", "coop", "confl", "G mean", "G sum", "net"):
        table.add_column(col, justify="left" if col == "period" else "right", no_wrap=True)
    table.add_column("top event", overflow="fold", min_width=24, ratio=1)
    for r in rows:
        table.add_row(r["period"], str(r["n_events"]), str(r["n_reports"]),
                      f"{r['verbal_coop']}/{r['material_coop']}",
                      f"{r['verbal_conflict']}/{r['material_conflict']}",
                      _fmt_num(r["goldstein_mean"]), _fmt_num(r["goldstein_sum"]),
                      _fmt_num(r["net_coop"]), r["top_event"])
    Console().print(table)


def _print_shifts(found) -> None:
    if not found:
        typer.echo("no shifts detected")
        return
    for s in found:
        typer.echo(f"{s.start.isoformat()}  {s.label:8s} {s.size:+.2f}  "
                   f"(net coop {s.before:+.2f} -> {s.after:+.2f})")
        for d in s.drivers:
            typer.echo(f"    {d.short()}")


@app.command()
def align(
    country: str = typer.Argument(..., help="Country: ISO3 code or name."),
    date_from: Optional[str] = typer.Option(None, "--from", help="First day (YYYY[-MM[-DD]])."),
    date_to: Optional[str] = typer.Option(None, "--to", help="Last day, inclusive."),
    k: int = typer.Option(5, "-k", "--top", help="Partners listed on each side."),
    reports: bool = typer.Option(False, "--reports", help="Count reports, not merged events."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, csv or json."),
    db: DbOption = None,
    lake: LakeOption = None,
) -> None:
    """A country's closest and most hostile partners in a period, with the evidence."""
    from ..relations import RelationsError
    from ..relations import align as align_api

    _check_format(fmt)
    code = _country(country, "COUNTRY")
    store = open_store(db, lake)
    try:
        _warn_unmerged(store, reports)
        result = align_api(store, code, date_from, date_to, k=k, reports=reports,
                           articles=fmt == "json")
    except RelationsError as exc:
        fail(str(exc))
    finally:
        store.close()
    if fmt == "json":
        typer.echo(_dumps(result.to_dict()))
        return
    rows = [{"side": side, "partner": p.country, "affinity": round(p.affinity, 3),
             "net_coop": None if p.net_coop is None else round(p.net_coop, 3),
             "n_events": p.n_events, "cooperation": p.cooperation, "conflict": p.conflict,
             "evidence": p.evidence[0].short() if p.evidence else ""}
            for side, group in (("closest", result.closest), ("hostile", result.hostile))
            for p in group]
    if fmt == "csv":
        writer = csv.DictWriter(sys.stdout, lineterminator="\n",
                                fieldnames=["side", "partner", "affinity", "net_coop", "n_events",
                                            "cooperation", "conflict", "evidence"])
        writer.writeheader()
        writer.writerows(rows)
        return
    from rich.console import Console
    from rich.table import Table

    if not rows:
        typer.echo(f"no events between {code} and another country in this period")
        return
    from rich import box

    table = Table(title=f"{code}: closest and most hostile partners", box=box.SIMPLE_HEAD,
                  pad_edge=False)
    for col in ("side", "partner", "affinity", "net", "ev", "coop", "confl"):
        table.add_column(col, no_wrap=True)
    table.add_column("evidence", overflow="fold", min_width=24, ratio=1)
    for r in rows:
        table.add_row(r["side"], r["partner"], _fmt_num(r["affinity"]), _fmt_num(r["net_coop"]),
                      str(r["n_events"]), str(r["cooperation"]), str(r["conflict"]), r["evidence"])
    Console().print(table)
    typer.echo(f"bloc: {', '.join(result.bloc)}")


@app.command()
def merge(
    full: bool = typer.Option(False, "--full", help="Re-merge every report, not just new ones."),
    db: DbOption = None,
) -> None:
    """Merge reports of one real-world event into merged events (incremental)."""
    from ..relations import merge_events
    from ..store import StoreError

    store = open_store(db, write=True)
    try:
        report = merge_events(store, full=full)
    except StoreError as exc:
        fail(str(exc))
    finally:
        store.close()
    typer.echo(str(report))
