"""The per-document steps every writer shares: `detente ingest` (into the store, in windows
of documents) and `detente run` (into a lake, a partition at a time) clean, code and lay out
articles the same way, so a document gives the same article and events in either.

* :func:`strip_outlet_templates` -- lines an outlet repeats across the documents of a window
  or partition (its template) are removed; a document left empty is reported and dropped.
* :func:`code_articles` -- events per article, one failing article costing only itself.
* :func:`article_fields` / :func:`source_fields` -- the columns of an article row and of a
  provenance row that do not depend on where they are written.
* :class:`ProblemTally` -- how a report counts the problems it is given.
"""
from __future__ import annotations

from typing import Any, Iterable, Optional, Sequence

import numpy as np

from ..records import Document, Event, IngestProblem
from ..store.db import to_json
from .clean import remove_repeated_lines
from .dates import to_timestamp
from .htmlpage import host_of
from .source import problem

# (article id, text, date): what a coder's code_many() takes.
CodeItem = tuple[str, str, Optional[str]]


def strip_outlet_templates(docs: Sequence[Document]) -> tuple[list[int], list[IngestProblem]]:
    """Remove from each document's text the lines its outlet (or, without one, its URL's
    host) repeats in other documents of ``docs``; texts are replaced in place.  Returns the
    indices of the documents with text left, and a "skipped" problem for each other one."""
    groups = [d.outlet or host_of(d.url) for d in docs]
    texts = remove_repeated_lines([d.text for d in docs], groups)
    kept: list[int] = []
    problems: list[IngestProblem] = []
    for i, (doc, text) in enumerate(zip(docs, texts)):
        if not text.strip():
            where = f" {doc.url}" if doc.url else ""
            problems.append(problem(doc.source_path or "?", f"article{where} has no text left "
                                    "after removing lines its outlet repeats in other articles",
                                    kind="skipped"))
            continue
        doc.text = text
        kept.append(i)
    return kept, problems


def code_articles(coder: Any, items: list[CodeItem], paths: dict[str, Optional[str]],
                  ) -> tuple[list[tuple[str, list[Event]]], list[IngestProblem]]:
    """(article id, events) for each item the coder could code, in order, and a problem for
    each it could not.  The batch is coded in one ``code_many`` call (spaCy batches it); when
    that fails, it is retried article by article so one bad article costs only itself -- it
    stays uncoded (no coder version), and a later run retries it.  ``paths``: article id ->
    source file, to name in the problem."""
    if not items:
        return [], []
    try:
        return list(coder.code_many(items)), []
    except Exception:  # noqa: BLE001 - find the article at fault, code the others
        pass
    coded: list[tuple[str, list[Event]]] = []
    problems: list[IngestProblem] = []
    for item in items:
        try:
            coded.extend(coder.code_many([item]))
        except Exception as exc:  # noqa: BLE001 - reported as one line
            problems.append(problem(paths.get(item[0]) or item[0], f"events not coded for "
                                    f"article {item[0]} ({type(exc).__name__}: {exc})",
                                    kind="skipped", count=0))
    return coded, problems


def article_fields(doc: Document, article_id: str, sig: Optional[np.ndarray]) -> dict[str, Any]:
    """The article row's columns that come from the document itself (``published`` parsed
    from its date, ``minhash`` from its near-duplicate signature ``sig``)."""
    return {
        "id": article_id, "title": doc.title, "text": doc.text, "date": doc.date,
        "published": to_timestamp(doc.date), "outlet": doc.outlet, "url": doc.url,
        "author": doc.author, "source_id": doc.source_id, "source_path": doc.source_path,
        "source_format": doc.source_format, "lang": doc.lang,
        "extra": to_json(doc.extra) if doc.extra else None,
        "minhash": sig.astype(np.uint64).tolist() if sig is not None else None,
        "n_chars": len(doc.text),
    }


def source_fields(doc: Document, article_id: str) -> dict[str, Any]:
    """The provenance row's columns: where this copy of the article was seen."""
    return {"article_id": article_id, "outlet": doc.outlet, "url": doc.url, "title": doc.title,
            "date": doc.date, "source_id": doc.source_id, "source_path": doc.source_path}


class ProblemTally:
    """For reports with ``problems`` (a list), ``failed`` and ``skipped`` (counts): a problem
    counts as many documents as it stands for (``count``, default 1; 0 for notes that are
    about no document, such as an article left uncoded)."""

    problems: list[IngestProblem]
    failed: int
    skipped: int

    def add_problem(self, p: IngestProblem) -> None:
        self.problems.append(p)
        n = getattr(p, "count", 1)
        if p.kind == "failed":
            self.failed += n
        else:
            self.skipped += n

    def add_problems(self, problems: Iterable[IngestProblem]) -> None:
        for p in problems:
            self.add_problem(p)
