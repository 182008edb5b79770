"""Load test of `detente serve` on loopback: concurrent reads, alone and during an ingest over
HTTP; no error allowed and no document lost.  Writes the `## Web` section of docs/benchmarks.md.

    .venv/bin/python bench/web_load.py                 # base store from the demo corpus
    .venv/bin/python bench/web_load.py --readers 16 --seconds 30 --no-write-docs

What it does, bounded in time and count:
1. builds a base store by ingesting (and coding) the first --base demo articles, or copies --db;
2. starts `detente serve` in a subprocess (a real server process, bearer token set);
3. phase "reads": --readers threads request a mix of API endpoints and pages for --seconds;
4. phase "reads + ingest": the same readers run while one client POSTs the next --ingest demo
   articles in batches of --batch (coded, merged and stored by the server's writer);
5. checks: every response 2xx, every posted document stored (article count before + new ids
   == count after, each id readable), then stops the server.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "demo" / "wikinews_2019_2020.jsonl"
DOCS = REPO / "docs" / "benchmarks.md"


def demo_records() -> list[dict]:
    with open(DEMO, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []

    def add(self, group: str, seconds: float, error: str | None = None) -> None:
        with self.lock:
            self.latency[group].append(seconds)
            if error:
                self.errors.append(f"{group}: {error}")

    def all(self) -> list[float]:
        return [v for vs in self.latency.values() for v in vs]


def read_targets(client: httpx.Client) -> list[tuple[str, str]]:
    """(group, path) pairs built from what the store holds, so every read finds data."""
    events = client.get("/api/events", params={"limit": 200}).json()["items"]
    articles = client.get("/api/articles", params={"limit": 200}).json()["items"]
    net = client.get("/api/network", params={"min_events": 2}).json()
    pairs = [(e["a"], e["b"]) for e in net["edges"][:5]] or [("USA", "IRN")]
    countries = [n["id"] for n in sorted(net["nodes"], key=lambda n: -n["n_events"])[:5]] or ["USA"]
    words = ["election", "minister", "president", "police", "government", "talks", "protest"]
    rnd = random.Random(7)
    targets: list[tuple[str, str]] = [("api health", "/api/health")]
    for _ in range(30):
        a, b = rnd.choice(pairs)
        c = rnd.choice(countries)
        targets += [
            ("api articles search", f"/api/articles?q={rnd.choice(words)}&limit=20"),
            ("api events filter", f"/api/events?actor={c}&limit=50"),
            ("api dyad", f"/api/dyads/{a}/{b}"),
            ("api network", "/api/network"),
        ]
        if events:
            e = rnd.choice(events)
            targets.append(("api event", f"/api/events/{e['merged_id'] or e['id']}"))
        if articles:
            targets.append(("api article", f"/api/articles/{rnd.choice(articles)['id']}"))
        targets += [("page home", "/"), ("page dyad", f"/dyads/{a}/{b}"),
                    ("page country", f"/countries/{c}"), ("page events", f"/events?actor={c}")]
    rnd.shuffle(targets)
    return targets


def reader(url: str, targets: list[tuple[str, str]], stop: threading.Event, stats: Stats,
           seed: int, max_requests: int) -> None:
    rnd = random.Random(seed)
    with httpx.Client(base_url=url, timeout=120) as client:
        for _ in range(max_requests):
            if stop.is_set():
                return
            group, path = rnd.choice(targets)
            t0 = time.perf_counter()
            try:
                r = client.get(path)
                error = None if r.status_code == 200 else f"{path} -> {r.status_code} {r.text[:200]}"
            except httpx.HTTPError as exc:
                error = f"{path} -> {type(exc).__name__}: {exc}"
            stats.add(group, time.perf_counter() - t0, error)


def run_readers(url: str, targets, n: int, seconds: float, stats: Stats, until=None,
                max_requests: int = 100_000) -> float:
    """Readers for ``seconds`` (or until ``until()`` is true, whichever is later, capped at
    4x seconds); returns the wall time."""
    stop = threading.Event()
    threads = [threading.Thread(target=reader, args=(url, targets, stop, stats, i, max_requests),
                                daemon=True) for i in range(n)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    while True:
        elapsed = time.perf_counter() - t0
        done = until() if until else True
        if (elapsed >= seconds and done) or elapsed >= 4 * seconds + 600:
            break
        time.sleep(0.1)
    stop.set()
    for t in threads:
        t.join(timeout=180)
    return time.perf_counter() - t0


def build_base(db: Path, records: list[dict]) -> float:
    from detente.ingest.pipeline import ingest_documents
    from detente.ingest.jsonl import record_to_document

    t0 = time.perf_counter()
    docs = [record_to_document(r, f"demo:{i}", str(DEMO)) for i, r in enumerate(records)]
    report = ingest_documents(docs, str(db), code=True, quiet=True)
    print(f"base store: {report.summary()}", file=sys.stderr)
    return time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="start from a copy of this store instead of building one")
    parser.add_argument("--base", type=int, default=60, help="demo articles in the built base store")
    parser.add_argument("--ingest", type=int, default=40, help="demo articles posted during phase 2")
    parser.add_argument("--batch", type=int, default=4, help="articles per POST")
    parser.add_argument("--readers", type=int, default=8, help="concurrent reading clients")
    parser.add_argument("--seconds", type=float, default=30, help="length of the reads-only phase")
    parser.add_argument("--no-write-docs", action="store_true", help="print, do not edit docs/benchmarks.md")
    args = parser.parse_args()

    records = demo_records()
    tmp = Path(tempfile.mkdtemp(prefix="detente-load-"))
    db = tmp / "load.duckdb"
    token = secrets.token_urlsafe(24)
    server = None
    try:
        if args.db:
            shutil.copy(args.db, db)
            base_seconds = 0.0
            base_desc = f"a copy of {args.db}"
        else:
            base_seconds = build_base(db, records[:args.base])
            base_desc = f"the first {args.base} demo articles, ingested and coded"
        port = free_port()
        env = {**os.environ, "DETENTE_TOKEN": token}
        server = subprocess.Popen(
            [str(REPO / ".venv" / "bin" / "detente"), "serve", "--db", str(db), "--port", str(port),
             "--log-level", "warning", "--readers", str(max(args.readers, 8))],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(url + "/api/health", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"server did not start: {server.stderr.read() if server.stderr else ''}")
            time.sleep(0.3)
        client = httpx.Client(base_url=url, timeout=600)
        # The first upload loads spaCy and the dictionaries into the server (seconds): do it
        # before measuring, and report it on its own.
        t0 = time.perf_counter()
        warm = client.post("/api/ingest", json=records[args.base],
                           headers={"Authorization": f"Bearer {token}"})
        first_ingest = time.perf_counter() - t0
        if warm.status_code not in (200, 201):
            raise SystemExit(f"warm-up ingest failed: {warm.status_code} {warm.text[:300]}")
        targets = read_targets(client)
        # Every distinct request once, as a user's first clicks would (charts get drawn).
        for _, path in dict.fromkeys(targets):
            client.get(path)
        before = client.get("/api/health").json()
        print(f"store: {before['articles']} articles, {before['events']} events", file=sys.stderr)

        # Phase 1: reads alone.
        reads_only = Stats()
        wall1 = run_readers(url, targets, args.readers, args.seconds, reads_only)
        print(f"phase 1: {len(reads_only.all())} reads in {wall1:.1f} s", file=sys.stderr)

        # Phase 2: the same readers while documents are posted.
        todo = [r for r in records[args.base + 1:] if r.get("text")][:args.ingest]
        during = Stats()
        posted: list[dict] = []
        post_latency: list[float] = []
        post_errors: list[str] = []
        finished = threading.Event()

        def writer() -> None:
            with httpx.Client(base_url=url, timeout=900,
                              headers={"Authorization": f"Bearer {token}"}) as wc:
                for i in range(0, len(todo), args.batch):
                    chunk = todo[i:i + args.batch]
                    t0 = time.perf_counter()
                    try:
                        r = wc.post("/api/ingest", json={"documents": chunk})
                        if r.status_code in (200, 201):
                            posted.append(r.json())
                        else:
                            post_errors.append(f"{r.status_code} {r.text[:200]}")
                    except httpx.HTTPError as exc:
                        post_errors.append(f"{type(exc).__name__}: {exc}")
                    post_latency.append(time.perf_counter() - t0)
            finished.set()

        w = threading.Thread(target=writer, daemon=True)
        t_ingest = time.perf_counter()
        w.start()
        wall2 = run_readers(url, targets, args.readers, 5, during, until=finished.is_set)
        w.join(timeout=900)
        ingest_wall = time.perf_counter() - t_ingest

        # Checks: nothing lost.
        after = client.get("/api/health").json()
        new_ids = [i for p in posted for i in p["ids"]]
        stored_new = sum(p["ingested"] + p["near_duplicate"] for p in posted)
        duplicates = sum(p["duplicate"] for p in posted)
        skipped = sum(p["skipped"] + p["failed"] for p in posted)
        unreadable = [i for i in set(new_ids) if client.get(f"/api/articles/{i}").status_code != 200]
        lost = (before["articles"] + stored_new) - after["articles"]
        accounted = len(new_ids) + skipped == len(todo)
        errors = reads_only.errors + during.errors + post_errors
        client.close()
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(tmp, ignore_errors=True)

    result = {
        "readers": args.readers, "base": base_desc, "base_seconds": base_seconds,
        "store_before": before, "store_after": after,
        "phase1": summarise(reads_only, wall1), "phase2": summarise(during, wall2),
        "ingest": {"documents": len(todo), "requests": len(post_latency), "batch": args.batch,
                   "stored": stored_new, "duplicates": duplicates, "skipped": skipped,
                   "events": sum(p["events"] for p in posted), "seconds": ingest_wall,
                   "p50": percentile(post_latency, 50), "max": max(post_latency, default=0)},
        "first_ingest": first_ingest,
        "lost": lost, "unreadable": len(unreadable), "accounted": accounted,
        "errors": len(errors),
    }
    report = render(result)
    print(report)
    for e in errors[:20]:
        print("  error: " + e, file=sys.stderr)
    ok = not errors and lost == 0 and not unreadable and accounted
    if not args.no_write_docs:
        write_section(report)
        print(f"-> {DOCS.relative_to(REPO)} (## Web)", file=sys.stderr)
    return 0 if ok else 1


def summarise(stats: Stats, wall: float) -> dict:
    values = stats.all()
    groups = {g: {"n": len(v), "p50": percentile(v, 50), "p95": percentile(v, 95),
                  "p99": percentile(v, 99)} for g, v in sorted(stats.latency.items())}
    return {"n": len(values), "seconds": wall, "rps": len(values) / wall if wall else 0.0,
            "p50": percentile(values, 50), "p95": percentile(values, 95),
            "p99": percentile(values, 99), "errors": len(stats.errors), "groups": groups}


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


def render(r: dict) -> str:
    p1, p2, ing = r["phase1"], r["phase2"], r["ingest"]
    lines = [
        "## Web",
        "",
        f"`python bench/web_load.py` (defaults): `detente serve` in its own process on loopback, "
        f"{r['readers']} concurrent HTTP clients reading a mix of API endpoints and pages; store "
        f"built from {r['base']} ({r['store_before']['articles']} articles, "
        f"{r['store_before']['events']} events). Machine: {os.cpu_count()} cores shared with other "
        "jobs, so the absolute figures are noisy; the errors and lost-document checks are exact.",
        "",
        "| phase | reads | seconds | reads/s | p50 ms | p95 ms | p99 ms | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| reads only | {p1['n']:,} | {p1['seconds']:.1f} | {p1['rps']:.1f} | {ms(p1['p50'])} | "
        f"{ms(p1['p95'])} | {ms(p1['p99'])} | {p1['errors']} |",
        f"| reads during ingest | {p2['n']:,} | {p2['seconds']:.1f} | {p2['rps']:.1f} | "
        f"{ms(p2['p50'])} | {ms(p2['p95'])} | {ms(p2['p99'])} | {p2['errors']} |",
        "",
        f"Ingest over HTTP during phase 2: {ing['documents']} demo articles in {ing['requests']} "
        f"POSTs of {ing['batch']} (coded, merged and stored by the server's single writer): "
        f"{ing['stored']} stored, {ing['duplicates']} duplicate, {ing['skipped']} skipped, "
        f"{ing['events']} events, in {ing['seconds']:.1f} s ({ing['documents'] / ing['seconds']:.2f} "
        f"articles/s; median POST {ing['p50']:.1f} s; the server's first upload, which loads "
        f"spaCy and the dictionaries, took {r['first_ingest']:.1f} s before the phases). Store after: "
        f"{r['store_after']['articles']} articles, {r['store_after']['events']} events. "
        f"Lost documents: **{r['lost']}**; stored ids not readable: **{r['unreadable']}**; "
        f"every posted document accounted for: **{'yes' if r['accounted'] else 'no'}**; "
        f"failed requests: **{r['errors']}**.",
        "",
        "Latency by request kind, reads during ingest (ms):",
        "",
        "| request | n | p50 | p95 | p99 |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for g, s in p2["groups"].items():
        lines.append(f"| {g} | {s['n']:,} | {ms(s['p50'])} | {ms(s['p95'])} | {ms(s['p99'])} |")
    lines += ["", "Charts are cached under a digest of the data they show, so during the "
              "ingest a dyad page is redrawn (matplotlib, serialised: matplotlib's style state "
              "is process-wide) only when an upload changed that dyad; those redraws, and "
              "the coder sharing the server process's CPU and GIL with the readers, make "
              "the p95/p99 of the dyad page.", ""]
    return "\n".join(lines)


def write_section(section: str) -> None:
    text = DOCS.read_text(encoding="utf-8")
    start = text.find("## Web")
    if start < 0:
        text = text.rstrip() + "\n\n" + section
    else:
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + ("\n" + text[end + 1:] if end >= 0 else "")
    DOCS.write_text(text.rstrip() + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
