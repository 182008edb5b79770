"""`detente run` (Dask pipeline into a Parquet lake) and `detente lake ...` (upkeep)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from . import app
from .common import db_path, fail

lake_app = typer.Typer(help="The Parquet event lake: compact, finalize, export/import, info.",
                       no_args_is_help=True)
app.add_typer(lake_app, name="lake")


@app.command("run")
def run_cmd(
    inputs: List[str] = typer.Argument(..., help="Files, folders (recursive), globs ('news/**/*.warc.gz'), "
                                       "'-' for stdin: JSON Lines, WARC/ARC, HTML, text, feeds; .gz "
                                       "read transparently."),
    lake: Path = typer.Option(..., "--lake", help="Lake folder (created when new; resumed when not)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Address of a running Dask "
                                            "scheduler (tcp://host:8786 or a scheduler file path)."),
    workers: Optional[int] = typer.Option(None, "--workers", min=0, help="Local worker processes "
                                          "(default: CPU count; 0 = this process, no Dask)."),
    partition_size: Optional[int] = typer.Option(None, "--partition-size", min=1, help="Documents "
                                                 "(lines, records, files) per partition; fixed for a "
                                                 "lake at its first run (default 200)."),
    max_in_flight: Optional[int] = typer.Option(None, "--max-in-flight", min=1, help="Partitions "
                                                "submitted at once (default: 2 per worker thread)."),
    no_code: bool = typer.Option(False, "--no-code", help="Write articles without coding events."),
    no_finalize: bool = typer.Option(False, "--no-finalize", help="Skip the lake-wide step "
                                     "(near-duplicate links, merged events); `detente lake "
                                     "finalize` runs it later."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only failures and the summary."),
) -> None:
    """Code large corpora on a Dask cluster into a Parquet lake; resumable, exactly-once."""
    from ..records import IngestProblem
    from ..scale.layout import LakeError
    from ..scale.runner import run
    from ..scale.work import PartitionResult

    if scheduler and workers is not None:
        fail("give --scheduler or --workers, not both")

    def on_partition(r: PartitionResult) -> None:
        if not quiet:
            typer.echo(f"committed {r.description}: {r.documents:,} documents, {r.articles:,} "
                       f"articles, {r.events:,} events ({r.seconds:.1f} s)", err=True)

    def on_problem(p: IngestProblem) -> None:
        if not quiet or p.kind == "failed":
            typer.echo(str(p), err=True)

    try:
        report = run(inputs, lake, scheduler=scheduler, workers=workers,
                     partition_size=partition_size, max_in_flight=max_in_flight,
                     code=not no_code, finalize=not no_finalize,
                     on_partition=on_partition, on_problem=on_problem)
    except LakeError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{lake}: {exc.strerror or exc}")
    except KeyboardInterrupt:
        typer.echo("interrupted: committed partitions are kept; run the same command again to "
                   "continue", err=True)
        raise typer.Exit(130)
    typer.echo(report.summary())
    if report.error:
        fail(f"stopped: {report.error}; committed partitions are kept, run again to continue", 1)
    if not report.partitions and report.failed:
        raise typer.Exit(1)


@lake_app.command("compact")
def compact_cmd(
    lake: Path = typer.Argument(..., help="Lake folder."),
    target_mb: int = typer.Option(256, "--target-mb", min=1, help="Largest file written (MB)."),
) -> None:
    """Merge each month's small partition files and fold the markers into one checkpoint."""
    from ..scale.layout import LakeError
    from ..scale.maintenance import compact

    try:
        report = compact(lake, target_bytes=target_mb << 20)
    except LakeError as exc:
        fail(str(exc))
    typer.echo(report.summary())


@lake_app.command("finalize")
def finalize_cmd(
    lake: Path = typer.Argument(..., help="Lake folder."),
    force: bool = typer.Option(False, "--force", help="Recompute even when current."),
) -> None:
    """Recompute article owners, near-duplicate links and merged events over the whole lake."""
    from ..scale.derive import finalize
    from ..scale.layout import Lake, LakeError

    try:
        opened = Lake(lake)
        with opened.locked("detente lake finalize"):
            report = finalize(opened, force=force)
    except LakeError as exc:
        fail(str(exc))
    typer.echo(report.summary())


@lake_app.command("export")
def export_cmd(
    db: Optional[Path] = typer.Option(None, "--db", help="Store file (default $DETENTE_DB or "
                                      "./detente.duckdb)."),
    lake: Path = typer.Option(..., "--lake", help="New lake folder."),
) -> None:
    """Write the DuckDB store as a Parquet lake."""
    from ..scale.layout import LakeError
    from ..scale.maintenance import export_store
    from ..store import StoreError

    path = db_path(db)
    try:
        report = export_store(path, lake)
    except (LakeError, StoreError) as exc:
        fail(str(exc))
    typer.echo(report.summary("exported", str(lake)))


@lake_app.command("import")
def import_cmd(
    lake: Path = typer.Option(..., "--lake", help="Lake folder."),
    db: Optional[Path] = typer.Option(None, "--db", help="Store file (default $DETENTE_DB or "
                                      "./detente.duckdb); created when missing."),
) -> None:
    """Load a Parquet lake into the DuckDB store."""
    from ..scale.layout import LakeError
    from ..scale.maintenance import import_lake
    from ..store import StoreError

    path = db_path(db)
    try:
        report = import_lake(lake, path)
    except (LakeError, StoreError) as exc:
        fail(str(exc))
    typer.echo(report.summary("imported", path))


@lake_app.command("info")
def info_cmd(
    lake: Path = typer.Argument(..., help="Lake folder."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """What a lake holds: partitions, files, rows, whether it is finalized."""
    from ..scale.layout import LakeError
    from ..scale.maintenance import lake_info

    try:
        info = lake_info(lake)
    except LakeError as exc:
        fail(str(exc))
    if as_json:
        typer.echo(json.dumps(info, indent=2))
        return
    rows = info["rows"]
    typer.echo(f"{info['lake']}: {info['partitions']:,} partitions of up to "
               f"{info['partition_size']} documents")
    for table in ("articles", "events", "sources"):
        typer.echo(f"  {table:9s} {rows.get(table, 0):>12,} rows  {info['files'][table]:>6,} files  "
                   f"{info['bytes'][table] / 1e6:>10,.1f} MB")
    state = "finalized" if info["finalized"] else "NOT finalized (run `detente lake finalize`)"
    derived = info["derived"]
    typer.echo(f"  {state}; merged events: {derived.get('merged_events', 0):,}")
    if info["problems"]:
        typer.echo(f"  {info['problems']:,} problem lines recorded in markers")
