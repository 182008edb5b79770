"""What a running ingest shows: a rich progress bar sized by input bytes (so the ETA holds for
one big JSONL and for many small pages alike) with articles/s, and one line per problem.

The bar appears only on a terminal; piped or quiet runs print problem lines (or nothing)."""
from __future__ import annotations

import sys
import time
from typing import Optional, TextIO

from ..records import IngestProblem


class Display:
    def __init__(self, *, quiet: bool, total_bytes: Optional[int], stream: TextIO | None = None):
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.articles = 0
        self.bytes_read = 0
        self._progress = None
        self._task = None
        if not quiet and self.stream.isatty():
            from rich.console import Console
            from rich.progress import (BarColumn, Progress, SpinnerColumn, TaskProgressColumn,
                                       TextColumn, TimeRemainingColumn)

            # The console holds the real stream: readers that capture sys.stderr (warcio
            # warnings) must not swallow the bar.
            console = Console(file=self.stream)
            self._progress = Progress(
                SpinnerColumn(), TextColumn("[bold]ingest"), BarColumn(), TaskProgressColumn(),
                TextColumn("{task.fields[articles]:,} articles"),
                TextColumn("{task.fields[rate]:.0f} articles/s"), TimeRemainingColumn(),
                console=console, transient=True)
            self._task = self._progress.add_task("ingest", total=total_bytes, articles=0, rate=0.0)
            self._progress.start()

    def advance_bytes(self, n: int) -> None:
        """Input bytes consumed by the readers (read ahead of writing)."""
        self.bytes_read += n

    def written_upto(self, mark: int) -> None:
        """Documents read up to input byte ``mark`` are stored: the bar shows stored work, so
        its ETA holds although the pipeline reads a window of documents ahead."""
        if self._progress is not None:
            self._progress.update(self._task, completed=max(mark, self._progress.tasks[0].completed))

    def articles_done(self, n: int) -> None:
        self.articles += n
        if self._progress is not None:
            elapsed = max(1e-6, time.monotonic() - self.started)
            self._progress.update(self._task, articles=self.articles, rate=self.articles / elapsed)

    def problem(self, p: IngestProblem) -> None:
        if self.quiet:
            return
        line = str(p)
        if self._progress is not None:
            self._progress.console.print(line, markup=False, highlight=False, soft_wrap=True)
        else:
            print(line, file=self.stream, flush=True)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=self.bytes_read)
            self._progress.stop()
            self._progress = None
