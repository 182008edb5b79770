"""detente: international news to political-event intelligence.

The Python API mirrors the CLI::

    import detente
    report = detente.ingest(["news/"], db="detente.duckdb")   # read, clean, dedup, code, store
    store = detente.Store("detente.duckdb")
"""
from __future__ import annotations

__version__ = "0.1.0"

from .records import ActorMention, Document, Event, Evidence, IngestProblem, Place  # noqa: E402
from .store import Store, StoreError  # noqa: E402

__all__ = ["Store", "StoreError", "Document", "Event", "Evidence", "ActorMention", "Place",
           "IngestProblem", "__version__"]


def __getattr__(name: str):
    # Heavier stages load lazily so `import detente` stays fast for API users who only query.
    if name == "ingest":
        from .ingest.pipeline import ingest
        return ingest
    if name == "code_text":
        from .events.coder import code_text
        return code_text
    raise AttributeError(name)
