"""Event-coding throughput: the full coder beside a bare spaCy parse of the same texts.

On a seeded sample of the AllSides international corpus (../shared/corpora/news), in one run:

* bare parse: ``nlp.pipe`` over the texts with the pipeline the coder uses, nothing else;
* full coder: ``Coder.code_many`` (parse, actor resolution, triggers, arguments, modality,
  dates, places, attribution, classifier) over the same texts;

and reports articles/s, sentences/s, the coder/parse time ratio (target <= 1.3) and peak memory.

The machine this runs on is shared, and wall-clock time swings by 2x with the neighbours'
load, so the ratio is taken on *CPU time of this process* (``time.process_time``), and the two
runs are interleaved chunk by chunk (parse a chunk, code it, next chunk, alternating which goes
first) so that both see the same conditions.  Wall-clock figures are reported beside them.

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
    ap.add_argument("--chunk", type=int, default=25, help="articles per interleaved chunk")
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

    def bare(chunk):
        n = 0
        for doc in nlp.pipe(chunk, batch_size=args.batch_size):
            n += sum(1 for _ in doc.sents)
        return n

    def full(chunk_rows, chunk_texts):
        n_ev = n_al = 0
        items = ((r["id"], t, r.get("date")) for r, t in zip(chunk_rows, chunk_texts))
        for _aid, events in coder.code_many(items, batch_size=args.batch_size):
            n_ev += len(events)
            n_al += sum(1 for e in events if e.source is None and e.target is None)
        return n_ev, n_al

    cpu = {"parse": 0.0, "code": 0.0}
    wall = {"parse": 0.0, "code": 0.0}
    n_sents = n_events = n_actorless = 0
    step = args.chunk
    with PeakRSS() as mem:
        for k, lo in enumerate(range(0, len(texts), step)):
            chunk_rows, chunk_texts = rows[lo:lo + step], texts[lo:lo + step]
            order = ("parse", "code") if k % 2 == 0 else ("code", "parse")
            for what in order:
                c0, w0 = time.process_time(), time.perf_counter()
                if what == "parse":
                    n_sents += bare(chunk_texts)
                else:
                    e, a = full(chunk_rows, chunk_texts)
                    n_events += e
                    n_actorless += a
                cpu[what] += time.process_time() - c0
                wall[what] += time.perf_counter() - w0
    ratio = cpu["code"] / cpu["parse"]
    wall_ratio = wall["code"] / wall["parse"]
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB on Linux

    mib = 1024 * 1024
    n = len(rows)
    lines = [
        SECTION,
        "",
        f"`python bench/coding.py -n {args.n}` — {n} articles sampled (seed {args.seed}) from "
        f"`../shared/corpora/news/allsides_international.jsonl`, {n_chars / 1e6:.2f} M characters, "
        f"{n_sents} sentences; spaCy `{nlp.meta.get('name')}` {nlp.meta.get('version')}, batch size "
        f"{args.batch_size}, chunks of {step} articles alternating parse and coder; one process; "
        f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}.",
        "",
        "| run | CPU s | articles/s (CPU) | sentences/s (CPU) | wall s |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| bare `nlp.pipe` parse | {cpu['parse']:.1f} | {n / cpu['parse']:.1f} | "
        f"{n_sents / cpu['parse']:.0f} | {wall['parse']:.1f} |",
        f"| full coder (`Coder.code_many`) | {cpu['code']:.1f} | {n / cpu['code']:.1f} | "
        f"{n_sents / cpu['code']:.0f} | {wall['code']:.1f} |",
        "",
        f"**Coder time / bare parse = {ratio:.2f}** on CPU time (target ≤ 1.3); "
        f"{wall_ratio:.2f} on wall-clock time.  Peak RSS {mem.peak / mib:.0f} MiB while measuring "
        f"(process peak {maxrss:.0f} MiB, including setup).  {n_events} events "
        f"({n_actorless} with no actor), {n_events / max(1, n):.1f} per article.  Setup (pipeline, "
        f"actor dictionaries, classifier) {setup:.1f} s wall, not included.",
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
