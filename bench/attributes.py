"""Cost of the per-event attribute functions (modality, date, place, attribution) beside a bare
spaCy parse of the same texts, so the coder can see what they add to its 1.3x budget.

Every verb heading a clause stands in for an event trigger (at most ``--per-sentence`` per
sentence), which is more triggers than the coder produces, so the ratio is an upper bound.

Usage (from the repo root)::

    .venv/bin/python bench/attributes.py              # 60 AllSides articles
    .venv/bin/python bench/attributes.py --docs 200 --per-sentence 2

Reads ../shared/corpora/news/allsides_international.jsonl; stops with one line without it.
Prints figures only (docs/benchmarks.md belongs to the coding benchmark).
"""
from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=60)
    parser.add_argument("--per-sentence", type=int, default=3)
    args = parser.parse_args()

    from detente.config import shared_dir

    shared = shared_dir()
    corpus = shared / "corpora/news/allsides_international.jsonl" if shared else None
    if corpus is None or not corpus.exists():
        print("bench/attributes.py: ../shared/corpora/news/allsides_international.jsonl not found")
        return 1

    from detente.events.attribution import attribution_of
    from detente.events.dates import resolve_event_date
    from detente.events.modality import modality_of
    from detente.events.places import find_place
    from detente.nlp import load_nlp

    nlp = load_nlp()
    with corpus.open(encoding="utf-8") as fh:
        records = [json.loads(line) for line in itertools.islice(fh, args.docs)]
    texts = [r.get("text") or "" for r in records]
    dates = [r.get("date") for r in records]

    started = time.perf_counter()
    docs = list(nlp.pipe(texts, batch_size=32))
    parse = time.perf_counter() - started

    # One-off costs (the actor gazetteer behind lookup_country, dateparser's import) are paid
    # once per process; warm them up so the figures are the steady per-event cost.
    warm = nlp("Kim met Putin in Vladivostok on Christmas Eve 2019, KCNA said (Reuters).")
    for tok in warm:
        modality_of(tok.sent, tok), resolve_event_date(tok.sent, tok, "2020-01-01")
        find_place(tok.sent, tok), attribution_of(tok.sent, tok)

    modalities: Counter[str] = Counter()
    steps = {"modality": 0.0, "date": 0.0, "place": 0.0, "attribution": 0.0}
    triggers = 0
    for doc, pub in zip(docs, dates):
        for sent in doc.sents:
            heads = [t for t in sent if t.pos_ == "VERB"
                     and t.dep_ in ("ROOT", "ccomp", "xcomp", "conj", "advcl")]
            for tok in heads[:args.per_sentence]:
                t0 = time.perf_counter()
                modality, _ = modality_of(sent, tok)
                t1 = time.perf_counter()
                resolve_event_date(sent, tok, pub, modality=modality)
                t2 = time.perf_counter()
                find_place(sent, tok)
                t3 = time.perf_counter()
                attribution_of(sent, tok)
                t4 = time.perf_counter()
                steps["modality"] += t1 - t0
                steps["date"] += t2 - t1
                steps["place"] += t3 - t2
                steps["attribution"] += t4 - t3
                modalities[modality] += 1
                triggers += 1
    total = sum(steps.values())
    sentences = sum(1 for d in docs for _ in d.sents)
    print(f"{len(docs)} articles, {sentences} sentences, {triggers} triggers")
    print(f"bare parse      {parse:8.2f} s  ({parse / max(sentences, 1) * 1e3:.2f} ms/sentence)")
    print(f"attributes      {total:8.2f} s  ({total / max(triggers, 1) * 1e6:.0f} us/trigger)"
          f"  = {total / parse:.3f} x the parse")
    for name, seconds in steps.items():
        print(f"  {name:13} {seconds / max(triggers, 1) * 1e6:6.0f} us/trigger")
    print("modalities      " + ", ".join(f"{k} {v}" for k, v in modalities.most_common()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
