"""The per-document steps `detente ingest` and `detente run` share (detente.ingest.steps)."""
from __future__ import annotations

import numpy as np

from detente.ingest.steps import (ProblemTally, article_fields, code_articles, source_fields,
                                  strip_outlet_templates)
from detente.ingest.source import problem
from detente.records import Document, IngestProblem


def _doc(n: int, outlet: str = "Example Wire", body: str | None = None) -> Document:
    text = body if body is not None else (
        f"Story {n}: the ministers of two countries met on day {n} and talked for hours.\n"
        "Subscribe to our newsletter")
    return Document(text=text, title=f"t{n}", outlet=outlet, url=f"https://example.org/{n}",
                    source_path=f"in/{n}.txt")


def test_strip_outlet_templates_removes_repeated_lines_and_reports_emptied_docs():
    docs = [_doc(n) for n in range(4)] + [_doc(9, body="Subscribe to our newsletter")]
    keep, problems = strip_outlet_templates(docs)
    assert keep == [0, 1, 2, 3]
    assert all("newsletter" not in docs[i].text for i in keep)
    assert [p.kind for p in problems] == ["skipped"]
    assert problems[0].path == "in/9.txt" and "https://example.org/9" in problems[0].reason


class _Coder:
    """Codes every text into no events, except that it fails on texts containing 'boom'."""

    def code_many(self, items):
        for aid, text, _date in items:
            if "boom" in text:
                raise RuntimeError("parser exploded")
            yield aid, []


def test_code_articles_retries_one_by_one_so_one_failure_costs_one_article():
    items = [("a", "fine", None), ("b", "boom", None), ("c", "fine too", "2024-01-01")]
    coded, problems = code_articles(_Coder(), items, {"b": "in/b.jsonl"})
    assert coded == [("a", []), ("c", [])]
    assert len(problems) == 1 and problems[0].path == "in/b.jsonl"
    assert "article b (RuntimeError: parser exploded)" in problems[0].reason
    assert problems[0].kind == "skipped" and problems[0].count == 0
    assert code_articles(_Coder(), [], {}) == ([], [])


def test_article_and_source_fields():
    doc = Document(text="Body.", title="T", date="2024-06-19", outlet="O", extra={"k": 1})
    row = article_fields(doc, "id1", np.array([1, 2], dtype=np.uint64))
    assert row["id"] == "id1" and row["minhash"] == [1, 2] and row["n_chars"] == 5
    assert row["published"].year == 2024 and row["extra"] == '{"k": 1}'
    assert article_fields(doc, "id1", None)["minhash"] is None
    assert source_fields(doc, "id1") == {"article_id": "id1", "outlet": "O", "url": None,
                                         "title": "T", "date": "2024-06-19", "source_id": None,
                                         "source_path": None}


def test_problem_tally_counts_documents_not_lines():
    class Report(ProblemTally):
        def __init__(self):
            self.problems, self.failed, self.skipped = [], 0, 0

    r = Report()
    r.add_problems([IngestProblem("f", "bad", "failed"), problem("g", "empty", "skipped", count=3),
                    problem("h", "note", "skipped", count=0)])
    assert (r.failed, r.skipped, len(r.problems)) == (1, 3, 3)
