"""Event-coding throughput: the full coder beside a bare spaCy parse of the same texts.

On a seeded sample of the AllSides international corpus (../shared/corpora/news), in one run:

* bare parse: ``nlp.pipe`` over the texts with the pipeline the coder uses, nothing else;
* full coder: ``Coder.code_many`` (parse, actor resolution, triggers, arguments, modality,
  dates, places, attribution, classifier) over the same texts;

and reports articles/s, sentences/s, the coder/parse time ratio (target <= 1.3) and peak memory.
The bare parse runs twice, before and after the coder, and the faster of the two counts, so a
noisy neighbour inflates the ratio rather than flattering it... unless it hits the coder run, in
which case rerun.

Usage (from the repo root)::

    .venv/bin/python bench/coding.py                 # 500 articles, writes docs/benchmarks.md
    .venv/bin/python bench/coding.py -n 100 --no-write
"""
from __future__ import annotations

import argparse
import json
import platform
import random
import re
import resource
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from detente.config import shared_dir  # noqa: E402

DOC = REPO / "docs" / "benchmarks.md"
SECTION = "## Event coding"


class PeakRSS:
    """Samples the process RSS every 50 ms (psutil), since ru_maxrss covers the whole process
    lifetime and cannot separate the phases."""

    def __init__(self):
        import psutil

        self.proc = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.05)

    def __enter__(self):
        self.peak = self.proc.memory_info().rss
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, self.proc.memory_info().rss)


def load_sample(path: Path, n: int, seed: int) -> list[dict]:
    rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    rows = [r for r in rows if isinstance(r.get("text"), str) and r["text"].strip()]
    random.Random(seed).shuffle(rows)
    return rows[:n]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=500, help="articles to sample (default 500)")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = ap.parse_args(argv)

    shared = shared_dir()
    corpus = shared / "corpora" / "news" / "allsides_international.jsonl" if shared else None
    if corpus is None or not corpus.exists():
        print("bench/coding.py: ../shared/corpora/news/allsides_international.jsonl is absent; nothing to measure")
        return 1

    from detente.events.coder import Coder, prepare_text
    from detente.nlp import load_nlp

    rows = load_sample(corpus, args.n, args.seed)
    texts = [prepare_text(r["text"]) for r in rows]
    n_chars = sum(len(t) for t in texts)

    t0 = time.perf_counter()
    nlp = load_nlp()
    coder = Coder(nlp=nlp)  # adds the paragraph breaker, loads resolver and classifier
    # warm caches (lazy matchers, lexemes) outside the timed runs
    list(coder.code_many((("warm", t, None) for t in texts[:5]), batch_size=args.batch_size))
    setup = time.perf_counter() - t0

    def bare():
        t = time.perf_counter()
        n_sents = 0
        for doc in nlp.pipe(texts, batch_size=args.batch_size):
            n_sents += sum(1 for _ in doc.sents)
        return time.perf_counter() - t, n_sents

    with PeakRSS() as mem_parse:
        parse1, n_sents = bare()
    with PeakRSS() as mem_code:
        t = time.perf_counter()
        n_events = n_actorless = 0
        for r, (_aid, events) in zip(rows, coder.code_many(
                ((r["id"], txt, r.get("date")) for r, txt in zip(rows, texts)), batch_size=args.batch_size)):
            n_events += len(events)
            n_actorless += sum(1 for e in events if e.source is None and e.target is None)
        code_time = time.perf_counter() - t
    parse2, _ = bare()
    parse = min(parse1, parse2)
    ratio = code_time / parse
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB on Linux

    mib = 1024 * 1024
    lines = [
        SECTION,
        "",
        f"`python bench/coding.py -n {args.n}` — {len(rows)} articles sampled (seed {args.seed}) from "
        f"`../shared/corpora/news/allsides_international.jsonl`, {n_chars / 1e6:.2f} M characters, "
        f"{n_sents} sentences; spaCy `{nlp.meta.get('name')}` {nlp.meta.get('version')}, batch size "
        f"{args.batch_size}, one process; {platform.python_implementation()} {platform.python_version()}, "
        f"{platform.machine()}.",
        "",
        "| run | seconds | articles/s | sentences/s | peak RSS (MiB) |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| bare `nlp.pipe` parse (best of 2: {parse1:.1f} s, {parse2:.1f} s) | {parse:.1f} | "
        f"{len(rows) / parse:.1f} | {n_sents / parse:.0f} | {mem_parse.peak / mib:.0f} |",
        f"| full coder (`Coder.code_many`) | {code_time:.1f} | {len(rows) / code_time:.1f} | "
        f"{n_sents / code_time:.0f} | {mem_code.peak / mib:.0f} |",
        "",
        f"**Coder time / bare parse = {ratio:.2f}** (target ≤ 1.3).  {n_events} events "
        f"({n_actorless} with no actor), {n_events / max(1, len(rows)):.1f} per article.  "
        f"Setup (pipeline, actor dictionaries, classifier) {setup:.1f} s, not included.  "
        f"Process peak RSS {maxrss:.0f} MiB.",
        "",
        "The coder parses each text once and reuses that parse for actors, triggers and "
        "attributes; sentences without a verb are skipped before any matching.",
        "",
    ]
    section = "\n".join(lines)
    print(section)
    if not args.no_write:
        write_section(section)
        print(f"wrote {DOC.relative_to(REPO)}")
    return 0


def write_section(section: str) -> None:
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOC.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
