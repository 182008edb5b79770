"""Ingest: files, folders and streams of news in any common format -> cleaned, deduplicated
articles in the store.

``iter_documents(paths)`` reads (text, Markdown, HTML, JSON Lines, RSS/Atom/RDF/JSON Feed,
WARC/ARC; gzip and stdin included) and yields Documents and one-line problems;
``ingest(paths, db)`` stores them batch by batch with near-duplicate linking and, optionally,
event coding; ``clean_text(text)`` is the plain-text boilerplate remover both use.
"""
from .clean import clean_text
from .inputs import IngestError, iter_documents

__all__ = ["clean_text", "iter_documents", "ingest", "ingest_documents", "IngestReport",
           "IngestError"]


def __getattr__(name: str):
    # The pipeline pulls in the store and datasketch; importing it lazily keeps
    # `from detente.ingest import clean_text` light for other stages.
    if name in ("ingest", "ingest_documents", "IngestReport"):
        from . import pipeline

        return getattr(pipeline, name)
    raise AttributeError(name)
