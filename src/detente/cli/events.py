"""`detente code`, `detente eval` and `detente events`: the event stage's commands."""
from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Iterator, List, Optional

import typer

from . import app
from .common import DbOption, LakeOption, fail, note, open_store


def _read_records(path: str) -> Iterator[tuple[str, str, Optional[str]]]:
    """(id, text, date) per JSONL record.  A line that is no JSON object is reported and
    skipped; a record with a bad field is reported and passed on (empty text: no events) so
    the output keeps one line per input record."""
    from ..io import JsonlError, read_jsonl

    name = "<stdin>" if path == "-" else path
    try:
        for n, rec in read_jsonl(path, on_bad_line=lambda msg: note(f"{msg}; skipped")):
            rid = rec.get("id")
            if rid is None:
                rid = f"{Path(name).name}:{n}"
                note(f"{name}:{n}: field \"id\" missing; using {rid!r}")
            text = rec.get("text")
            if not isinstance(text, str):
                note(f"{name}:{n}: field \"text\" missing or not a string; no events for {rid!r}")
                text = ""
            date = rec.get("date")
            if date is not None and not isinstance(date, str):
                note(f"{name}:{n}: field \"date\" is not a string; ignored")
                date = None
            yield str(rid), text, date
    except JsonlError as exc:  # unreadable file (it existed when the command started)
        fail(str(exc))


@app.command("code")
def code_cmd(
    inputs: List[str] = typer.Argument(..., help="JSONL files of {\"id\", \"text\", \"date\"?} records ('-' = stdin)"),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="write JSONL here (default stdout)"),
    batch_size: int = typer.Option(64, help="texts per spaCy batch"),
) -> None:
    """Code texts into events without a store: one output line per input record."""
    from ..events.coder import Coder, event_to_json

    for path in inputs:
        if path != "-" and not Path(path).is_file():
            fail(f"{path}: no such file")
    coder = Coder()
    out = open(output, "w", encoding="utf-8") if output else sys.stdout
    n_rec = n_ev = 0
    try:
        for path in inputs:
            for rid, events in coder.code_many(_read_records(path), batch_size=batch_size):
                out.write(json.dumps({"id": rid, "events": [event_to_json(e) for e in events]},
                                     ensure_ascii=False, default=str) + "\n")
                n_rec += 1
                n_ev += len(events)
    finally:
        if output:
            out.close()
    note(f"coded {n_rec} records, {n_ev} events" + (f" -> {output}" if output else ""))


@app.command("eval")
def eval_cmd(
    gold: List[Path] = typer.Argument(..., help="gold JSONL files"),
    errors: int = typer.Option(0, "--errors", help="also list the N most frequent error classes"),
    as_json: bool = typer.Option(False, "--json", help="one JSON object per file"),
    predictions: Optional[Path] = typer.Option(None, "--save-predictions",
                                               help="folder to write each file's predictions to"),
    cv: int = typer.Option(0, "--cv", help="K: cross-validate the learned classifier over the gold "
                           "files (K folds) so it never helps code a sentence it was trained on"),
    no_classifier: bool = typer.Option(False, "--no-classifier",
                                       help="code with the verb dictionary alone"),
) -> None:
    """Score the coder on gold-coded sentences, with the reference scorer's metrics."""
    from ..events.coder import Coder
    from ..events.evaluate import GoldFileError, cross_validate_coder, evaluate_file, format_scores

    if cv:
        from ..config import shared_dir

        shared = shared_dir()
        codebooks = shared / "codebooks" if shared and (shared / "codebooks").is_dir() else None
        try:
            results = cross_validate_coder(gold, folds=cv, codebook_dir=codebooks, progress=note)
        except GoldFileError as exc:
            fail(str(exc))
        for name, scores in results.items():
            typer.echo(f"{name} (classifier {cv}-fold cross-validated): {format_scores(scores)}")
        raise typer.Exit(0)
    coder = Coder(classifier=False) if no_classifier else Coder()
    if not no_classifier and coder.classifier is not None:
        note(f"coding with event-type model {coder.classifier.version}, which was trained on the "
             "dev gold halves: these figures are optimistic; see --cv K for honest ones")
    status = 0
    for path in gold:
        try:
            res = evaluate_file(path, coder)
        except GoldFileError as exc:
            note(str(exc))
            status = 2
            continue
        if as_json:
            typer.echo(json.dumps({"file": str(path), **res.scores,
                                   "errors": dict(res.errors.most_common(errors or None))}))
        else:
            typer.echo(f"{path.name}: {format_scores(res.scores)}")
            for cls, n in res.errors.most_common(errors):
                typer.echo(f"    {n:5d}  {cls}")
        if predictions:
            predictions.mkdir(parents=True, exist_ok=True)
            with open(predictions / f"{path.stem}.pred.jsonl", "w", encoding="utf-8") as fh:
                for p in res.predictions:
                    fh.write(json.dumps(p, ensure_ascii=False, default=str) + "\n")
    raise typer.Exit(status)


# Columns of `detente events` output (jsonl: all of them, with the sentence and names).
_COLUMNS = ("date", "source", "target", "code", "root", "quad_class", "goldstein", "plover",
            "modality", "place", "trigger", "asserted_by", "article_id", "sentence_index", "id")
_JSONL_COLUMNS = _COLUMNS + ("sentence", "source_name", "target_name", "cited_sources")
_TABLE_COLUMNS = ("date", "source", "target", "code", "modality", "place", "trigger", "sentence")


@app.command("events")
def events_cmd(
    db: DbOption = None,
    lake: LakeOption = None,
    actor: Optional[str] = typer.Option(None, "--actor", help="source or target code/country starts with this (RUS, RUSGOV)"),
    dyad: Optional[List[str]] = typer.Option(None, "--dyad", help="two actors, either direction: --dyad RUS --dyad PRK"),
    code: Optional[str] = typer.Option(None, "--code", help="CAMEO code or prefix (042, 04)"),
    root: Optional[str] = typer.Option(None, "--root", help="CAMEO root (two digits)"),
    quad: Optional[int] = typer.Option(None, "--quad", min=1, max=4, help="quad class 1-4"),
    modality: Optional[str] = typer.Option(None, "--modality", help="occurred|planned|hypothetical|negated|claimed"),
    date_from: Optional[str] = typer.Option(None, "--from", help="event date >= (YYYY[-MM[-DD]])"),
    date_to: Optional[str] = typer.Option(None, "--to", help="event date <= (YYYY[-MM[-DD]])"),
    with_actorless: bool = typer.Option(False, "--actorless", help="include events that name no actor"),
    fmt: str = typer.Option("table", "--format", help="table | csv | jsonl"),
    limit: int = typer.Option(50, "--limit", help="at most this many rows (0 = all)"),
) -> None:
    """List stored events, newest first, with filters (as GET /api/events)."""
    import duckdb

    from ..events.query import EventFilters, list_events
    from ..records import MODALITIES

    if fmt not in ("table", "csv", "jsonl"):
        fail(f"--format: expected table, csv or jsonl, got {fmt!r}")
    if modality and modality not in MODALITIES:
        fail(f"--modality: expected one of {', '.join(MODALITIES)}, got {modality!r}")
    if dyad and len(dyad) != 2:
        fail("--dyad needs exactly two actors: --dyad RUS --dyad PRK")
    filters = EventFilters(
        actor=actor.upper() if actor else None,
        dyad=(dyad[0].upper(), dyad[1].upper()) if dyad else None,
        code=code or None, root=root.zfill(2) if root else None, quad=quad,
        modality=modality or None, start=_date_bound(date_from, "--from"),
        end=_date_bound(date_to, "--to"), actorless=with_actorless)
    with open_store(db, lake) as store:
        try:
            found = list_events(store.con, filters, limit if limit > 0 else None,
                                joined=False)  # the output has none of the joined columns
        except duckdb.Error as exc:  # a lake file gone since it was listed, say
            fail(f"{store.path}: {str(exc).splitlines()[0]}")
    rows = [{c: r.get(c) for c in _JSONL_COLUMNS} for r in found]
    if fmt == "jsonl":
        for r in rows:
            typer.echo(json.dumps(r, ensure_ascii=False, default=str))
    elif fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(_COLUMNS + ("sentence",))
        for r in rows:
            w.writerow([r.get(c) for c in _COLUMNS + ("sentence",)])
        typer.echo(buf.getvalue(), nl=False)
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(show_lines=False)
        for c in _TABLE_COLUMNS:
            table.add_column(c, overflow="fold", max_width=60 if c == "sentence" else None)
        for r in rows:
            table.add_row(*[("" if r.get(c) is None else str(r.get(c))) for c in _TABLE_COLUMNS])
        Console().print(table)
        note(f"{len(rows)} event(s)")


def _date_bound(value: Optional[str], option: str):
    from ..events.query import parse_date_bound

    if not value:
        return None
    try:
        return parse_date_bound(value)
    except ValueError as exc:
        fail(f"{option}: {exc}")
