"""HTML main-text extraction benchmark: detente's ``extract_html`` against plain trafilatura.

Scores both extractors in the same run on

* the Scrapinghub article-extraction benchmark (181 pages, human ``articleBody``), with that
  benchmark's own metric (re-implemented below from its description, and cross-checked against
  the published per-tool outputs it ships in ``output/``);
* trafilatura's evaluation set (990 pages, "must contain" / "must not contain" snippets), with
  its own snippet metric -- a sanity check that we do not overfit Scrapinghub;
* Mozilla Readability's test pages -- metadata agreement (title, byline, date, lang), for the
  same reason (their expected text is Readability's output, not a human gold standard).

Usage (from the repo root)::

    .venv/bin/python bench/extraction.py               # all three, writes docs/benchmarks.md
    .venv/bin/python bench/extraction.py --only scrapinghub --no-write
    .venv/bin/python bench/extraction.py --check-metric  # metric vs. the published scores

The reference data lives in ../shared (never copied into the repo); without it the script stops
with one line saying so.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import random
import re
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from detente.config import shared_dir  # noqa: E402

DOC = REPO / "docs" / "benchmarks.md"
SECTION = "## HTML extraction"

# --------------------------------------------------------------------------------------------
# Scrapinghub metric.  Tokens are \w+ runs; each document becomes a multiset of 4-token
# shingles; TP/FP/FN are the multiset overlap, normalised to sum 1 so long articles do not
# dominate; precision and recall are averaged over documents (precision only where something
# was predicted, recall only where something was expected) and F1 is taken of the two means.
# --------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"\w+", re.UNICODE)
NGRAM = 4


def tokenize(text: Optional[str]) -> list[str]:
    return _TOKEN.findall(text or "")


def shingles(text: Optional[str], n: int = NGRAM) -> Counter:
    tokens = tokenize(text)
    # a text shorter than n tokens still yields one (short) shingle, as upstream does
    return Counter(tuple(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1))
                   if tokens[i:i + n])


def shingle_tp_fp_fn(true: Optional[str], pred: Optional[str]) -> tuple[float, float, float]:
    t, p = shingles(true), shingles(pred)
    tp = float(sum((t & p).values()))
    fp = float(sum((p - t).values()))
    fn = float(sum((t - p).values()))
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (tp, fp, fn)


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fp == 0:
        return 0.0
    return tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fn == 0:
        return 0.0
    return tp / (tp + fn)


def aggregate(counts: list[tuple[float, float, float]]) -> dict[str, float]:
    precision = statistics.mean(_precision(*c) for c in counts if c[0] + c[1] > 0)
    recall = statistics.mean(_recall(*c) for c in counts if c[0] + c[2] > 0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"f1": f1, "precision": precision, "recall": recall}


def exact_match(true: Optional[str], pred: Optional[str]) -> float:
    return float(tokenize(true) == tokenize(pred))


def score_scrapinghub(truth: dict[str, str], pred: dict[str, Optional[str]],
                      n_bootstrap: int = 1000, seed: int = 0) -> dict[str, float]:
    """Benchmark metrics with bootstrap standard deviations, as upstream reports them."""
    keys = sorted(truth)
    counts = [shingle_tp_fp_fn(truth[k], pred.get(k)) for k in keys]
    accuracy = [exact_match(truth[k], pred.get(k)) for k in keys]
    result = aggregate(counts)
    result["accuracy"] = statistics.mean(accuracy)
    rng = random.Random(seed)
    samples: dict[str, list[float]] = {}
    for _ in range(n_bootstrap):
        idx = [rng.randrange(len(keys)) for _ in keys]
        for name, value in aggregate([counts[i] for i in idx]).items():
            samples.setdefault(name, []).append(value)
        samples.setdefault("accuracy", []).append(statistics.mean(accuracy[i] for i in idx))
    for name, values in samples.items():
        result[f"{name}_std"] = statistics.stdev(values) if len(values) > 1 else 0.0
    return result
