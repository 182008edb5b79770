"""Scale-out benchmark: the Dask pipeline into a Parquet lake, on the AllSides corpus.

In one run (from the repo root)::

    .venv/bin/python bench/scale.py                  # writes the "## Scale" section of docs/benchmarks.md
    .venv/bin/python bench/scale.py -n 40 --rounds 2 --sim-seconds 60 --planner-gb 0.2 --no-write

1. **Throughput**: a seeded sample of ``../shared/corpora/news/allsides_international.jsonl``
   in rounds; each round's slice goes through ``detente run`` in one process (``--workers 0``)
   and on a LocalCluster of 2 single-threaded worker processes, in alternating order, timing
   first submission to last commit (the coder is loaded and warmed beforehand in both: in this
   process, and on each worker by the coder plugin).  Before each round the script waits (up to
   ``--wait-quiet`` seconds) for the other jobs on the machine to fall under a quarter of a
   core, and it records how much CPU they used during each run (/proc/stat minus this process
   tree).  Reports articles/s, the speedup overall and over quiet rounds, CPU seconds per
   article, peak RSS of every worker, and checks that both lakes are equal row for row.
2. **Queries**: the same questions (an events listing, a dyad series, an alignment, counts,
   a brief) against the DuckDB store (the lake imported), the lake as written, the lake after
   ``detente lake compact``, and the same data 50 times over as a store and as an exported
   lake; best of 3 after a cold first call.
3. **Memory on a 10-GB-class input**: a generator streams synthetic documents made from the
   corpus's real texts (each with a varied id; no file is written, nominally 10 GB) through the
   2-worker pipeline for ``--sim-seconds``, sampling the RSS of the client and of each worker
   every 2 s; then the client's share alone (partitioning and fingerprinting, what the client
   does for every byte) over ``--planner-gb`` of the stream.

Other engineers' jobs share the 2 cores, so figures are wall-clock under that load (reported);
the per-core figure for capacity planning is taken on CPU time, which the load changes little.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

# One BLAS/OpenMP thread per process, as Dask gives its workers: the single-process baseline
# must not borrow the second core through numerical libraries' thread pools.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

import duckdb  # noqa: E402

from detente.config import shared_dir  # noqa: E402

DOC = REPO / "docs" / "benchmarks.md"
SECTION = "## Scale"
MB = 1 << 20
GDELT_PER_DAY = 730_000
# A round counts as quiet when the other jobs on the machine used less than this many cores
# during both of its runs.
QUIET_CORES = 0.25


class Sampler:
    """RSS of this process and of every descendant (the Dask nanny's worker processes), every
    ``interval`` seconds, as (t, {pid: rss})."""

    def __init__(self, interval: float = 2.0, extra=None):
        import psutil

        self.psutil = psutil
        self.me = psutil.Process()
        self.interval = interval
        self.samples: list[tuple[float, dict[int, int], int]] = []
        self.extra = extra or (lambda: 0)
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self.t0 = time.monotonic()

    def _run(self):
        while not self._stop.is_set():
            rss = {}
            for p in [self.me] + self.me.children(recursive=True):
                try:
                    rss[p.pid] = p.memory_info().rss
                except self.psutil.Error:
                    pass
            self.samples.append((time.monotonic() - self.t0, rss, self.extra()))
            self._stop.wait(self.interval)

    def __enter__(self):
        self.t0 = time.monotonic()
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()

    def peak(self, pid: int) -> int:
        return max((s[1].get(pid, 0) for s in self.samples), default=0)


class CpuMeter:
    """CPU seconds spent, over an interval, by this process tree and by everything else on the
    machine (/proc/stat), so each timing can say how much of the 2 cores the neighbours took."""

    def __init__(self):
        import psutil

        self.psutil = psutil

    def _ours(self) -> float:
        total = 0.0
        me = self.psutil.Process()
        for p in [me] + me.children(recursive=True):
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except self.psutil.Error:
                pass
        return total

    @staticmethod
    def _busy() -> float:
        with open("/proc/stat") as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")

    def __enter__(self):
        self.t0, self.busy0, self.ours0 = time.perf_counter(), self._busy(), self._ours()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.t0
        self.ours = self._ours() - self.ours0
        # Worker processes that exit inside the interval take their CPU time with them; the
        # cluster outlives every interval here, so the difference is the neighbours'.
        self.others = max(0.0, self._busy() - self.busy0 - self.ours)

    @property
    def others_cores(self) -> float:
        return self.others / self.wall if self.wall else 0.0


def wait_quiet(max_wait: float, window: float = 5.0) -> float:
    """Wait until the other jobs on the machine use under QUIET_CORES for ``window`` seconds,
    at most ``max_wait`` seconds; returns their usage in the last window (cores)."""
    deadline = time.monotonic() + max_wait
    while True:
        with CpuMeter() as meter:
            time.sleep(window)
        if meter.others_cores < QUIET_CORES or time.monotonic() >= deadline:
            return meter.others_cores


def allsides_corpus(script: str) -> Path | None:
    """The AllSides corpus in ../shared, or None after saying that it is absent."""
    shared = shared_dir()
    corpus = shared / "corpora" / "news" / "allsides_international.jsonl" if shared else None
    if corpus is None or not corpus.exists():
        print(f"{script}: ../shared/corpora/news/allsides_international.jsonl is absent; "
              "nothing to measure")
        return None
    return corpus


def load_records(corpus: Path) -> list[dict]:
    with open(corpus, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def lake_equal(a: Path, b: Path) -> bool:
    from detente.scale import LakeStore

    tables = ("articles", "events", "article_sources", "merged_events", "event_merge_members",
              "_raw_articles", "_raw_events", "_raw_sources")
    with LakeStore(a) as x, LakeStore(b) as y:
        return all(x.con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
                   == y.con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables)


# -- 1. throughput ---------------------------------------------------------------------------
def throughput(records, args, work: Path) -> dict:
    """Single process vs a LocalCluster, in alternating rounds over slices of the sample (the
    order flips every round), so that both meet the same neighbours' load on average.  Each
    round's slice is added to the same two lakes, which are finalized and compared at the end."""
    from distributed import Client

    from detente.scale import Lake, run
    from detente.scale.derive import finalize
    from detente.scale.runner import local_cluster
    from detente.scale.work import CoderPlugin, warm_up

    rng = random.Random(args.seed)
    sample = rng.sample(records, min(args.n, len(records)))
    rounds = max(1, min(args.rounds, len(sample)))
    t = time.perf_counter()
    warm_up()  # in this process, as the coder plugin does on each worker
    setup = time.perf_counter() - t
    cluster = local_cluster(args.workers)  # as `detente run --workers N` builds it
    try:
        with Client(cluster) as client:
            t = time.perf_counter()
            client.register_plugin(CoderPlugin())
            worker_setup = time.perf_counter() - t
        totals = {m: {"seconds": 0.0, "documents": 0, "events": 0, "cpu": 0.0, "load": [],
                      "others": []} for m in ("single", "dask")}
        per_round: list[dict] = []
        peaks: dict[int, int] = {}
        lakes = {m: work / f"lake-{m}" for m in totals}
        for lake in lakes.values():
            shutil.rmtree(lake, ignore_errors=True)
        for r in range(rounds):
            chunk = sample[r::rounds]
            path = work / f"round-{r}.jsonl"
            with open(path, "w", encoding="utf-8") as fh:
                for rec in chunk:
                    fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            order = ("single", "dask") if r % 2 == 0 else ("dask", "single")
            if args.wait_quiet:
                waited = time.monotonic()
                before = wait_quiet(args.wait_quiet)
                print(f"round {r + 1}: waited {time.monotonic() - waited:.0f} s for quiet "
                      f"(other jobs {before:.2f} cores)", flush=True)
            pair = {}
            for mode in order:
                load = os.getloadavg()[0]
                with CpuMeter() as meter:
                    report = run([path], lakes[mode], partition_size=args.partition_size,
                                 finalize=False, **({"workers": 0} if mode == "single"
                                                    else {"scheduler": cluster.scheduler_address}))
                assert report.ok, report.error
                tot = totals[mode]
                tot["seconds"] += report.pipeline_seconds
                tot["documents"] += report.documents
                tot["events"] += report.events
                tot["cpu"] += report.cpu_seconds
                tot["load"].append(load)
                tot["others"].append(meter.others_cores)
                pair[mode] = (report.pipeline_seconds, meter.others_cores)
                if mode == "dask":
                    for pid, rss in report.peak_rss.items():
                        peaks[pid] = max(peaks.get(pid, 0), rss)
                print(f"round {r + 1}/{rounds} {mode}: {report.documents} documents in "
                      f"{report.pipeline_seconds:.1f} s (load {load:.1f}, other jobs "
                      f"{meter.others_cores:.2f} cores)", flush=True)
            per_round.append({"single": pair["single"][0], "dask": pair["dask"][0],
                              "others": max(pair["single"][1], pair["dask"][1])})
    finally:
        cluster.close()
    out: dict = {"n": len(sample), "chars": sum(len(r["text"]) for r in sample), "setup": setup,
                 "worker_setup": worker_setup, "rounds": rounds, "per_round": per_round}
    for mode, tot in totals.items():
        t = time.perf_counter()
        with Lake(lakes[mode]).locked("bench"):
            fin = finalize(lakes[mode])
        out[mode] = {**tot, "rate": tot["documents"] / tot["seconds"], "lake": str(lakes[mode]),
                     "finalize": time.perf_counter() - t, "merged": fin.merged,
                     "load": (min(tot["load"]), max(tot["load"])),
                     "others": sum(tot["others"]) / len(tot["others"])}
    out["dask"]["workers"] = peaks
    out["single"]["peak_self"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    out["equal"] = lake_equal(lakes["single"], lakes["dask"])
    out["speedup"] = out["dask"]["rate"] / out["single"]["rate"]
    quiet = [r for r in per_round if r["others"] < QUIET_CORES]
    out["quiet"] = (len(quiet), sum(r["single"] for r in quiet) / sum(r["dask"] for r in quiet)
                    if quiet else None)
    return out


# -- 2. queries ------------------------------------------------------------------------------
def scaled_copy(db: Path, work: Path, k: int) -> tuple[Path, Path]:
    """The store ``k`` times over (every id suffixed with the copy number, dates unchanged, so
    each month holds k times the rows), and that store exported as a lake: the same questions
    on more data, with the few large files per month a lake of real daily volume has."""
    from detente.scale import export_store
    from detente.store import Store

    big = work / f"store-x{k}.duckdb"
    for p in (big, Path(str(big) + ".wal")):
        p.unlink(missing_ok=True)
    Store(big).close()  # creates the schema
    con = duckdb.connect(str(big))
    try:
        con.execute(f"ATTACH '{db}' AS src (READ_ONLY)")
        sfx = "'-' || t.k"
        copies = {
            "articles": f"id := a.id || {sfx}, canonical_id := a.canonical_id || {sfx}",
            "article_sources": f"article_id := a.article_id || {sfx}",
            "events": f"id := a.id || {sfx}, article_id := a.article_id || {sfx}",
            "coded_articles": f"article_id := a.article_id || {sfx}",
            "merged_events": f"id := a.id || {sfx}, article_id := a.article_id || {sfx}, "
                             f"planned_link := a.planned_link || {sfx}",
            "event_merge_members": f"event_id := a.event_id || {sfx}, merged_id := a.merged_id "
                                   f"|| {sfx}, article_id := a.article_id || {sfx}",
        }
        for table, replace in copies.items():
            cols = [r[0] for r in con.execute(f"DESCRIBE src.{table}").fetchall()]
            exprs = dict(kv.split(" := ") for kv in replace.split(", "))
            select = ", ".join(exprs.get(c, f"a.{c}") for c in cols)
            con.execute(f"INSERT INTO {table} SELECT {select} FROM src.{table} a, range({k}) t(k)")
    finally:
        con.close()
    lake = work / f"lake-x{k}"
    shutil.rmtree(lake, ignore_errors=True)
    export_store(big, lake)
    return big, lake


def queries(lake: Path, work: Path, repeats: int = 3, replica: int = 50) -> dict:
    from detente.relations import align, dyad_series
    from detente.scale import LakeStore, compact, import_lake
    from detente.store import Store

    db = work / "imported.duckdb"
    for p in (db, Path(str(db) + ".wal")):
        p.unlink(missing_ok=True)
    import_lake(lake, db)
    compacted = work / "lake-compacted"
    shutil.rmtree(compacted, ignore_errors=True)
    shutil.copytree(lake, compacted)
    compact(compacted)
    with Store(db, read_only=True) as store:
        pair = store.con.execute(
            "SELECT source_country, target_country FROM events WHERE source_country IS NOT NULL "
            "AND target_country IS NOT NULL AND source_country <> target_country "
            "GROUP BY ALL ORDER BY count(*) DESC, 1, 2 LIMIT 1").fetchall()[0]
    a, b = pair

    def brief(src):
        from detente.brief import write_brief

        try:
            return write_brief(src, a, b)
        except Exception as exc:  # noqa: BLE001 - the brief writer's own failure: reported
            return f"failed: {type(exc).__name__}"

    questions = [
        ("events listing (`detente events --dyad`)", lambda s: s.query(
            "SELECT * FROM events WHERE (source_country = ? AND target_country = ?) OR "
            "(source_country = ? AND target_country = ?) ORDER BY date DESC NULLS LAST LIMIT 50",
            [a, b, b, a])),
        ("counts by month and quad class", lambda s: s.query(
            "SELECT strftime(event_day, '%Y-%m') m, quad_class, count(*) FROM events "
            "GROUP BY ALL ORDER BY ALL")),
        (f"dyad series {a}-{b}, monthly, merged", lambda s: dyad_series(s, a, b, freq="month")),
        (f"alignment of {a}", lambda s: align(s, a)),
        (f"brief {a}-{b}", brief),
    ]
    results: dict = {"pair": pair, "rows": {}, "replica": replica}
    big_db, big_lake = scaled_copy(db, work, replica)
    sources = {"store": lambda: Store(db, read_only=True), "lake": lambda: LakeStore(lake),
               "lake, compacted": lambda: LakeStore(compacted),
               f"store ×{replica}": lambda: Store(big_db, read_only=True),
               f"lake ×{replica}": lambda: LakeStore(big_lake)}
    from detente.scale.layout import Lake

    results["files"] = {"lake": sum(len(v) for v in Lake(lake).visible_files().values()),
                        "lake, compacted": sum(len(v) for v in Lake(compacted).visible_files().values()),
                        "big": sum(len(v) for v in Lake(big_lake).visible_files().values())}
    with Store(big_db, read_only=True) as big:
        results["big_rows"] = (big.count("articles"), big.count("events"),
                               big.con.execute("SELECT count(*) FROM merged_events").fetchall()[0][0])
    for name, opener in sources.items():
        t = time.perf_counter()
        src = opener()
        open_s = time.perf_counter() - t
        times = {}
        for label, fn in questions:
            t = time.perf_counter()
            fn(src)
            cold = time.perf_counter() - t
            warm = []
            for _ in range(repeats):
                t = time.perf_counter()
                fn(src)
                warm.append(time.perf_counter() - t)
            times[label] = (cold, min(warm))
        src.close()
        results["rows"][name] = {"open": open_s, "times": times}
    results["labels"] = [q[0] for q in questions]
    with LakeStore(lake) as src:
        results["brief_ok"] = not str(brief(src)).startswith("failed")
    return results


# -- 3. memory on a 10-GB-class stream -------------------------------------------------------
def synthetic(records, n_docs: int):
    """``n_docs`` documents from the corpus's texts, each with its own id (a numbered closing
    line changes the content hash), yielded one at a time."""
    from detente.records import Document

    for i in range(n_docs):
        r = records[i % len(records)]
        yield Document(text=r["text"] + f"\n\nSynthetic stream copy {i:09d}.", title=r.get("title"),
                       date=r.get("date"), outlet=r.get("outlet"), url=None,
                       source_id=f"synthetic:{i}", source_format="synthetic")


def simulation(records, args, work: Path) -> dict:
    avg = sum(len(r["text"].encode("utf-8")) for r in records) / len(records)
    n_docs = int(10e9 / avg)
    lake = work / "lake-sim"
    started = time.monotonic()
    report, series, stream_seconds = timed_stream(
        synthetic(records, n_docs), lake, args.sim_seconds, count="docs",
        stream="synthetic-10GB", workers=args.workers, partition_size=args.sim_partition)
    seconds = time.monotonic() - started
    workers = sorted(report.peak_rss)
    steady = [row for row in series if row[3] > 0]  # from the first commit on
    # Client alone: partitioning and fingerprinting every byte of the stream.
    import psutil

    proc = psutil.Process()
    planned = 0
    plan_rss = []
    from detente.scale.plan import plan_documents

    target = int(args.planner_gb * 1e9)
    t0 = time.perf_counter()
    n_plan = int(target / avg) + 1
    for i, spec in enumerate(plan_documents(synthetic(records, n_plan), args.sim_partition,
                                            stream="planner")):
        planned += spec.nbytes
        if i % 200 == 0:
            plan_rss.append((time.perf_counter() - t0, planned, proc.memory_info().rss))
    plan_seconds = time.perf_counter() - t0
    plan_rss.append((plan_seconds, planned, proc.memory_info().rss))
    soak = bookkeeping_soak(records, args, work) if args.soak_seconds > 0 else None
    return {"soak": soak, "nominal_docs": n_docs, "avg_bytes": avg, "corpus": len(records), "documents": report.documents,
            "partitions": report.committed, "seconds": seconds,
            "workers": workers, "series": series, "steady": steady, "plan": plan_rss,
            "stream_seconds": stream_seconds,
            "plan_seconds": plan_seconds, "planned_bytes": planned}


def bookkeeping_soak(records, args, work: Path) -> dict:
    """Many small partitions without the coder (extraction, cleaning, Parquet commits only),
    so that thousands of partitions pass through the client, the scheduler and the workers in
    minutes: whatever Dask or detente keeps per partition would show as a rising line here,
    where the coded run above passes too few partitions to see it."""
    lake = work / "lake-soak"
    report, series, seconds = timed_stream(
        synthetic(records, 10**9), lake, args.soak_seconds, count="parts",
        stream="synthetic-soak", workers=args.workers, partition_size=args.soak_partition,
        code=False, finalize=False)
    shutil.rmtree(lake, ignore_errors=True)
    return {"partitions": report.committed, "documents": report.documents,
            "series": [row for row in series if row[3] > 0], "workers": sorted(report.peak_rss),
            "seconds": seconds}


def timed_stream(documents, lake: Path, seconds: float, *, count: str, **options):
    """Run ``documents`` into ``lake`` until ``seconds`` after the first commit (worker
    start-up is not the stream), sampling RSS every 2 s.  Returns the run report, the samples
    as (t, client RSS, [RSS per worker], documents or partitions so far) and the seconds
    streamed.  ``count``: "docs" or "parts", what the samples' last field counts."""
    from detente.scale import run_documents

    done = {"docs": 0, "parts": 0, "first": None}

    def counted(result):
        done["parts"] += 1
        done["docs"] += result.documents
        if done["first"] is None:
            done["first"] = time.monotonic()

    def stop() -> bool:
        return done["first"] is not None and time.monotonic() - done["first"] > seconds

    shutil.rmtree(lake, ignore_errors=True)
    with Sampler(2.0, extra=lambda: done[count]) as s:
        report = run_documents(documents, lake, on_partition=counted, stop=stop, **options)
    me = os.getpid()
    workers = sorted(report.peak_rss)
    series = [(t, rss.get(me, 0), [rss.get(p, 0) for p in workers], n) for t, rss, n in s.samples]
    return report, series, time.monotonic() - done["first"] if done["first"] else 0.0


def _slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of y on x."""
    n = len(points)
    if n < 2:
        return 0.0
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else 0.0


def _flat(values: list[int]) -> tuple[float, float, float]:
    """(mean of the first third of the samples, mean of the last third, max), MiB."""
    values = [v for v in values if v]
    if len(values) < 3:
        return (0.0, 0.0, max(values, default=0) / MB)
    k = len(values) // 3
    return (sum(values[:k]) / k / MB, sum(values[-k:]) / k / MB, max(values) / MB)


# -- report ----------------------------------------------------------------------------------
def section(args, tp, q, sim, commands=(), tp_args=None, sim_args=None) -> str:
    """The Markdown section.  ``tp_args``/``sim_args``: the options of the runs that measured
    each part, when one was saved by an earlier run (default ``args``)."""
    runs = " and ".join(f"`{c}`" for c in commands) or "`python bench/scale.py`"
    args_now, args = args, tp_args or args  # each part is described with its own run's options
    lines = [SECTION, "",
             f"{runs} on "
             f"{os.cpu_count()} logical CPUs shared with other jobs; "
             f"{platform.python_implementation()} {platform.python_version()}, "
             f"{platform.machine()}. Lakes and stores are written to the --workdir folder (by "
             f"default a temporary one).", ""]
    if tp:
        s, d = tp["single"], tp["dask"]
        cpu_per_doc = s["cpu"] / s["documents"]
        lines += [
            f"**Throughput.** {tp['n']} articles sampled (seed {args.seed}) from "
            f"`../shared/corpora/news/allsides_international.jsonl` ({tp['chars'] / 1e6:.2f} M "
            f"characters), in {tp['rounds']} rounds of {tp['n'] // tp['rounds']}: each round's slice "
            f"goes through one process (`--workers 0`) and through a LocalCluster of "
            f"{args.workers} single-threaded worker processes, in alternating order, into two "
            f"lakes; partitions of {args.partition_size}. Before each round the script waited (up to "
            f"{args.wait_quiet:.0f} s) for the other jobs on the machine to use under "
            f"{QUIET_CORES} of a core. Time runs from first submission to last "
            f"commit; the coder is loaded and warmed beforehand (in this process "
            f"{tp['setup']:.0f} s, on the workers {tp['worker_setup']:.0f} s).",
            "",
            "| run | seconds | articles/s | events | CPU s/article | load avg (min-max) | other jobs' CPU (cores, mean) |",
            "| --- | ---: | ---: | ---: | ---: | --- | ---: |",
            f"| one process (`--workers 0`) | {s['seconds']:.1f} | {s['rate']:.2f} | {s['events']:,} | "
            f"{cpu_per_doc:.2f} | {s['load'][0]:.1f}-{s['load'][1]:.1f} | {s['others']:.2f} |",
            f"| LocalCluster, {args.workers} worker processes | {d['seconds']:.1f} | {d['rate']:.2f} | "
            f"{d['events']:,} | {d['cpu'] / d['documents']:.2f} | {d['load'][0]:.1f}-{d['load'][1]:.1f} "
            f"| {d['others']:.2f} |",
            "",
            "Per round (seconds one process / cluster, speedup, other jobs' CPU in cores, the "
            "larger of the two runs'): " + "; ".join(
                f"{r['single']:.1f} / {r['dask']:.1f} = {r['single'] / r['dask']:.2f}× "
                f"({r['others']:.2f})" for r in tp["per_round"]) + ".",
            "",
            f"**Speedup {tp['speedup']:.2f}×** over all rounds with {args.workers} workers "
            f"(target ≥ 1.7×)" + (
                f"; **{tp['quiet'][1]:.2f}×** over the {tp['quiet'][0]} rounds in which other jobs "
                f"used under {QUIET_CORES} of a core" if tp["quiet"][0] else
                "; no round was free of other jobs") + ". "
            f"The two lakes are {'identical, row for row' if tp['equal'] else 'NOT identical'} "
            f"({d['merged']:,} merged events). Finalize (owners, near-duplicate links, merged "
            f"events; the serial tail, on the client): {s['finalize']:.1f} s and "
            f"{d['finalize']:.1f} s. The workers run with detente's Dask settings (docs/scale.md, "
            f"\"Running on a real cluster\"); what Dask's defaults would cost is measured side by "
            f"side by `bench/dask_settings.py` (\"Dask worker settings\", below).",
            "",
            "Peak RSS per worker process (MiB): "
            + ", ".join(f"{rss / MB:,.0f}" for rss in sorted(d["workers"].values()))
            + f"; the single-process run's process: {s['peak_self'] / MB:,.0f}.",
            "",
        ]
        per_core = 1 / cpu_per_doc
        need = GDELT_PER_DAY / 86400 / per_core
        lines += [f"Per core (CPU time, load-independent): {per_core:.2f} articles/s, so "
                  f"{GDELT_PER_DAY:,} articles a day ({GDELT_PER_DAY / 86400:.2f}/s) need "
                  f"{need:.0f} busy cores; docs/scale.md costs it.", ""]
    if q:
        big = q["big_rows"]
        lines += [f"**Queries** (seconds, warm best of 3; cold first call in brackets) on the "
                  f"2-worker lake ({q['files']['lake']} files as written: partitions of "
                  f"{args.partition_size} articles spread over a decade of months, a lake's worst "
                  f"case; {q['files']['lake, compacted']} after `detente lake compact`) and on the "
                  f"same data ×{q['replica']} ({big[0]:,} articles, {big[1]:,} events, {big[2]:,} "
                  f"merged events; ids suffixed per copy) exported with `detente lake export` "
                  f"({q['files']['big']} files, one per table and month). Each store is the "
                  f"lake's content in DuckDB.", "",
                  "| question | " + " | ".join(q["rows"]) + " |",
                  "| --- | " + " | ".join("---:" for _ in q["rows"]) + " |"]
        lines.append("| open | " + " | ".join(f"{r['open']:.3f}" for r in q["rows"].values()) + " |")
        for label in q["labels"]:
            cells = [f"{r['times'][label][1]:.3f} ({r['times'][label][0]:.3f})"
                     for r in q["rows"].values()]
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        lines.append("")
        if not q["brief_ok"]:
            lines += ["(The brief writer failed on this small sample, on the store and the lake "
                      "alike; its time is the time to fail.)", ""]
    args = sim_args or args_now
    if sim:
        series, steady = sim["series"], sim["steady"]
        client = _flat([r[1] for r in steady])
        lines += [
            f"**Memory on a 10-GB-class input.** A generator streams synthetic documents made from "
            f"the corpus's {sim['corpus']:,} real texts (each given its own id; nominally "
            f"{sim['nominal_docs']:,} documents ≈ 10 GB; no file written) through the "
            f"{args.workers}-worker pipeline for {sim['stream_seconds']:.0f} s from the first "
            f"commit ({sim['seconds']:.0f} s with worker start-up): {sim['documents']:,} "
            f"documents in {sim['partitions']} partitions of {args.sim_partition}. RSS sampled "
            f"every 2 s from the first commit on (MiB; mean of the first third of the samples, "
            f"of the last third, max):", "",
            "| process | first third | last third | max |", "| --- | ---: | ---: | ---: |",
            f"| client | {client[0]:,.0f} | {client[1]:,.0f} | {client[2]:,.0f} |",
        ]
        for i, pid in enumerate(sim["workers"]):
            w = _flat([r[2][i] for r in steady])
            lines.append(f"| worker {i + 1} | {w[0]:,.0f} | {w[1]:,.0f} | {w[2]:,.0f} |")
        lines.append("")
        step = max(1, len(series) // 8)
        lines += ["RSS over time (MiB): " + "; ".join(
            f"{t:.0f} s, {docs} docs: client {c / MB:,.0f}, workers "
            + "/".join(f"{w / MB:,.0f}" for w in ws)
            for t, c, ws, docs in series[::step]) + ".", ""]
        plan = sim["plan"]
        lines += [f"The client's share alone (partitioning and fingerprinting every document) "
                  f"over {sim['planned_bytes'] / 1e9:.1f} GB of the stream took "
                  f"{sim['plan_seconds']:.0f} s ({sim['planned_bytes'] / MB / sim['plan_seconds']:,.0f} MB/s) "
                  f"with client RSS from {plan[0][2] / MB:,.0f} to {plan[-1][2] / MB:,.0f} MiB "
                  f"(max {max(p[2] for p in plan) / MB:,.0f}).", ""]
        slope = _slope([(t, c / MB) for t, c, _, _ in steady])
        lines += [f"Client RSS trend over the coded stream (least squares): {slope * 3600:+,.0f} "
                  f"MiB per hour.", ""]
        soak = sim.get("soak")
        if soak and soak["series"]:
            rows = soak["series"]
            c = _flat([r[1] for r in rows])
            per_k = _slope([(parts / 1000, rss / MB) for _, rss, _, parts in rows])
            lines += [
                f"**Bookkeeping soak.** The same stream without the coder (extraction, cleaning "
                f"and Parquet commits only), partitions of {args.soak_partition}, for "
                f"{soak['seconds']:.0f} s: {soak['partitions']:,} partitions "
                f"({soak['documents']:,} documents) through the client, the scheduler and "
                f"{args.workers} workers -- far more partitions than the coded run passes, so "
                f"per-partition state would show here. Client RSS (MiB): first third "
                f"{c[0]:,.0f}, last third {c[1]:,.0f}, max {c[2]:,.0f}; trend "
                f"{per_k:+.1f} MiB per 1,000 partitions.", "",
                "| process | first third | last third | max | trend (MiB per 1,000 partitions) |",
                "| --- | ---: | ---: | ---: | ---: |",
                f"| client | {c[0]:,.0f} | {c[1]:,.0f} | {c[2]:,.0f} | {per_k:+.1f} |"]
            for i, _pid in enumerate(soak["workers"]):
                w = _flat([r[2][i] for r in rows])
                wk = _slope([(parts / 1000, r[2][i] / MB) for r in rows for parts in [r[3]]
                             if r[2][i]])
                lines.append(f"| worker {i + 1} | {w[0]:,.0f} | {w[1]:,.0f} | {w[2]:,.0f} | "
                             f"{wk:+.1f} |")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def write_section(text: str, title: str = SECTION) -> None:
    """Put ``text`` in docs/benchmarks.md in place of the section headed ``title``."""
    doc = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n\n"
    pattern = re.compile(rf"^{re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(doc):
        doc = pattern.sub(lambda _m: text + "\n", doc, count=1)
    else:
        doc = doc.rstrip("\n") + "\n\n" + text
    DOC.write_text(doc, encoding="utf-8")


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=120, help="articles in the throughput sample")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--partition-size", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=6, help="alternating single/cluster rounds")
    ap.add_argument("--wait-quiet", type=float, default=600.0,
                    help="before each round, wait up to this many seconds for the other jobs on "
                         "the machine to use under a quarter of a core (0: don't wait)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--sim-seconds", type=float, default=240.0)
    ap.add_argument("--sim-partition", type=int, default=20)
    ap.add_argument("--planner-gb", type=float, default=1.0)
    ap.add_argument("--soak-seconds", type=float, default=180.0,
                    help="uncoded small-partition soak after the simulation (0: skip)")
    ap.add_argument("--soak-partition", type=int, default=4)
    ap.add_argument("--workdir", help="where lakes and stores go (default: a new temporary folder)")
    ap.add_argument("--skip-throughput", action="store_true")
    ap.add_argument("--skip-sim", action="store_true")
    ap.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    return ap


def main(argv=None) -> int:
    args = parser().parse_args(argv)

    corpus = allsides_corpus("bench/scale.py")
    if corpus is None:
        return 1
    work = Path(args.workdir or tempfile.mkdtemp(prefix="detente-scale-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    records = load_records(corpus)
    # Each part's results are kept in the work folder, so that a part measured in a quiet
    # moment (throughput wants one; memory does not) can be reported with another run's other
    # part: `--skip-sim` or `--skip-throughput` with the same --workdir reuses what was saved.
    saved_path = work / "results.json"
    saved = json.loads(saved_path.read_text()) if saved_path.exists() else {}
    command = " ".join(["python bench/scale.py"] + (argv if argv is not None else sys.argv[1:]))
    tp = q = sim = None
    if not args.skip_throughput:
        tp = throughput(records, args, work)
        q = queries(Path(tp["dask"]["lake"]), work)
        saved["throughput"] = {"tp": tp, "q": q, "command": command, "args": vars(args)}
    elif "throughput" in saved:
        tp, q = saved["throughput"]["tp"], saved["throughput"]["q"]
    if not args.skip_sim:
        sim = simulation(records, args, work)
        saved["sim"] = {"sim": sim, "command": command, "args": vars(args)}
    elif "sim" in saved:
        sim = saved["sim"]["sim"]
    saved_path.write_text(json.dumps(saved, default=str))
    part_args = {k: argparse.Namespace(**v["args"]) for k, v in saved.items() if "args" in v}
    text = section(args, tp, q, sim, commands=sorted({v["command"] for v in saved.values()}),
                   tp_args=part_args.get("throughput"), sim_args=part_args.get("sim"))
    print(text)
    if not args.no_write:
        write_section(text)
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
