"""`detente ingest` and `detente stats`."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from . import app
from .common import DB_HELP, db_path


@app.command()
def ingest(
    paths: List[str] = typer.Argument(..., help="Files or folders (recursive); '-' reads stdin. "
                                      "Text, Markdown, HTML, JSON Lines, RSS/Atom/RDF, JSON Feed, "
                                      "WARC/ARC; .gz read transparently."),
    db: Optional[Path] = typer.Option(None, "--db", help=DB_HELP),
    no_code: bool = typer.Option(False, "--no-code", help="Store articles without coding events."),
    strict: bool = typer.Option(False, "--strict", help="Stop at the first input that fails."),
    quiet: bool = typer.Option(False, "--quiet", "-q",
                               help="No progress bar and no skip notes; failures and the "
                                    "summary are still printed."),
    batch_size: int = typer.Option(200, "--batch-size", min=1,
                                   help="Articles written per transaction."),
) -> None:
    """Read news files into the store: clean, deduplicate, link near-duplicates, code events."""
    from ..ingest.pipeline import ingest as run
    from ..store import StoreError

    try:
        report = run(paths, db_path(db), code=not no_code, strict=strict, quiet=quiet,
                     batch_size=batch_size)
    except StoreError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2)
    except KeyboardInterrupt:
        typer.echo("interrupted: batches written so far are kept; run the same command again "
                   "to continue", err=True)
        raise typer.Exit(130)
    if quiet:
        for p in report.problems:
            if p.kind == "failed":
                typer.echo(str(p), err=True)
    if report.stopped:
        typer.echo("stopped at the first failure (--strict)", err=True)
    typer.echo(report.summary())
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def stats(db: Optional[Path] = typer.Option(None, "--db", help=DB_HELP),
          top: int = typer.Option(20, "--top", help="Outlets to list.")) -> None:
    """What the store holds: articles by outlet and by month, duplicates, events."""
    from rich.console import Console
    from rich.table import Table

    from ..store import Store, StoreError

    path = db_path(db)
    if not Path(path).exists():
        typer.echo(f"{path}: no such store (run `detente ingest` first)", err=True)
        raise typer.Exit(1)
    try:
        store = Store(path)  # read-write so an old store is migrated, as the error suggests
    except StoreError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2)
    console = Console()
    with store:
        one = lambda sql: store.con.execute(sql).fetchall()[0]  # noqa: E731
        n_articles, n_heads, n_outlets = one(
            "SELECT count(*), count(*) FILTER (WHERE canonical_id = id OR canonical_id IS NULL), "
            "count(DISTINCT outlet) FROM articles")
        n_sources, n_extra_sources = one(
            "SELECT count(*), count(*) - count(DISTINCT article_id) FROM article_sources")
        n_clusters = one(
            "SELECT count(DISTINCT canonical_id) FROM articles WHERE canonical_id <> id")[0]
        n_events, n_coded, coders = one(
            "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM coded_articles), "
            "(SELECT string_agg(DISTINCT coder_version, ', ') FROM coded_articles)")
        dated = one("SELECT count(*), min(published), max(published) FROM articles "
                    "WHERE published IS NOT NULL")

        summary = Table(title=f"detente store {path}", show_header=False)
        summary.add_column(style="bold")
        summary.add_column(justify="right")
        summary.add_row("articles", f"{n_articles:,}")
        summary.add_row("  unique stories (cluster heads)", f"{n_heads:,}")
        summary.add_row("  near-duplicates", f"{n_articles - n_heads:,} in {n_clusters:,} clusters")
        summary.add_row("sources (outlet/URL sightings)", f"{n_sources:,}")
        summary.add_row("  extra sightings of stored articles", f"{n_extra_sources:,}")
        summary.add_row("outlets", f"{n_outlets:,}")
        if dated[0]:
            summary.add_row("dated articles", f"{dated[0]:,} ({dated[1]:%Y-%m-%d} .. {dated[2]:%Y-%m-%d})")
        summary.add_row("events", f"{n_events:,}")
        summary.add_row("coded articles", f"{n_coded:,}" + (f" ({coders})" if coders else ""))
        console.print(summary)

        outlets = Table(title=f"articles by outlet (top {top})")
        outlets.add_column("outlet")
        outlets.add_column("articles", justify="right")
        outlets.add_column("near-dups", justify="right")
        outlets.add_column("events", justify="right")
        for outlet, n, nd, ne in store.con.execute(
                "SELECT coalesce(a.outlet, '(none)'), count(*), "
                "count(*) FILTER (WHERE a.canonical_id <> a.id), coalesce(sum(e.n), 0) "
                "FROM articles a LEFT JOIN (SELECT article_id, count(*) n FROM events "
                "GROUP BY article_id) e ON e.article_id = a.id "
                "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?", [top]).fetchall():
            outlets.add_row(outlet, f"{n:,}", f"{nd:,}", f"{ne:,}")
        console.print(outlets)

        months = Table(title="articles by month")
        months.add_column("month")
        months.add_column("articles", justify="right")
        months.add_column("events", justify="right")
        for month, n, ne in store.con.execute(
                "SELECT coalesce(strftime(date_trunc('month', a.published), '%Y-%m'), "
                "'(undated)') m, count(*), coalesce(sum(e.n), 0) FROM articles a "
                "LEFT JOIN (SELECT article_id, count(*) n FROM events GROUP BY article_id) e "
                "ON e.article_id = a.id GROUP BY 1 ORDER BY 1").fetchall():
            months.add_row(month, f"{n:,}", f"{ne:,}")
        console.print(months)
