"""The `detente` command: a thin typer layer over the Python API.

Each stage keeps its commands in its own module here (ingest.py, events.py, relations.py,
web.py, scale.py) and registers them on :data:`app`; this file only assembles them.
"""
from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="detente",
    help="International news -> coded political events, dyad trends and cited briefings.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

# Modules that add commands to `app`.  A module that is not written yet is simply absent.
_COMMAND_MODULES = ("ingest", "events", "relations", "brief", "train", "web", "scale")


def _register() -> None:
    for name in _COMMAND_MODULES:
        try:
            importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise


_register()


def main() -> None:
    app()
