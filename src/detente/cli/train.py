"""`detente train`: rebuild the learned event-type classifier from the gold dev halves."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from . import app


def _default_shared(sub: str) -> Optional[Path]:
    from ..config import shared_dir

    root = shared_dir()
    return root / sub if root is not None else None


@app.command("train")
def train_cmd(
    gold_dir: Optional[Path] = typer.Option(
        None, "--gold-dir", help="folder with the gold dev files (default ../shared/gold)"),
    codebook_dir: Optional[Path] = typer.Option(
        None, "--codebook-dir",
        help="folder with cameo_manual_verb_codebook.jsonl (default ../shared/codebooks)"),
    no_codebook: bool = typer.Option(
        False, "--no-codebook", help="train on the gold sentences alone"),
    output: Optional[Path] = typer.Option(
        None, "-o", "--output", help="model file to write (default: the shipped model)"),
    candidate: Optional[List[str]] = typer.Option(
        None, "--candidate", "-c",
        help="estimator(s) to compare, repeatable (default: all; see --list)"),
    folds: int = typer.Option(5, min=2, max=20, help="cross-validation folds"),
    list_candidates: bool = typer.Option(False, "--list", help="list the estimators and exit"),
) -> None:
    """Cross-validate the candidate estimators, refit the best on all data and write the model."""
    import logging
    import warnings

    from ..events.classifier import MODEL_PATH
    from ..events.training import CANDIDATES, DEFAULT_CANDIDATES, TrainingDataError, train

    if list_candidates:
        typer.echo("\n".join(CANDIDATES))
        return
    gold_dir = gold_dir or _default_shared("gold")
    if gold_dir is None:
        typer.echo("error: no gold data: ../shared/gold is absent; pass --gold-dir", err=True)
        raise typer.Exit(2)
    if not no_codebook:
        codebook_dir = codebook_dir or _default_shared("codebooks")
        if codebook_dir is None:
            typer.echo("error: ../shared/codebooks is absent; pass --codebook-dir or "
                       "--no-codebook", err=True)
            raise typer.Exit(2)
    else:
        codebook_dir = None
    out = output or MODEL_PATH
    # sklearn's convergence chatter is noise here; the CV figures say whether a fit is good.
    warnings.filterwarnings("ignore", module="sklearn")
    logging.getLogger("detente").setLevel(logging.WARNING)
    try:
        result = train(gold_dir, codebook_dir, out=out,
                       candidates=tuple(candidate) if candidate else DEFAULT_CANDIDATES,
                       folds=folds, progress=typer.echo)
    except (TrainingDataError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2)
    size = result.path.stat().st_size / 1e6 if result.path else 0.0
    typer.echo(f"wrote {result.path} ({size:.2f} MB), version {result.model.version}")
