"""Recall of the actor dictionaries against the gold sets in ../shared/gold (skipped without it)."""
from __future__ import annotations

import pytest

from detente.actors.evaluate import coverage, span_coverage


@pytest.mark.parametrize("name,floor", [("cameo-manual.dev.jsonl", 0.88), ("petrarch-gsr.dev.jsonl", 0.95)])
def test_gold_actor_countries_are_found(shared, nlp, name, floor):
    cov = coverage(shared / "gold" / name, nlp=nlp)
    print(cov.line())
    assert cov.sentences > 30
    assert cov.micro >= floor, cov.line()


@pytest.mark.slow
def test_conflibert_spans_overlap_mentions(shared, nlp):
    cov = span_coverage(shared / "gold" / "conflibert-penta.dev.jsonl", nlp=nlp)
    print(cov.line())
    assert cov.covered / cov.spans >= 0.8, cov.line()
