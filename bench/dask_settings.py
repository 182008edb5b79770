"""What Dask's default worker settings cost the coder: two LocalClusters side by side.

    .venv/bin/python bench/dask_settings.py            # writes "## Dask worker settings" in docs/benchmarks.md
    .venv/bin/python bench/dask_settings.py -n 40 --rounds 2 --no-write

The same seeded AllSides sample goes, in rounds of alternating order, through two LocalClusters
of 2 single-threaded worker processes that differ only in their settings:

* **Dask defaults**: a plain ``LocalCluster``; its nanny starts each worker with
  ``MALLOC_TRIM_THRESHOLD_=65536``, and the profiler, event-loop tick and monitors run at their
  default rates;
* **detente**: :func:`detente.scale.runner.local_cluster` (``QUIET_CONFIG``) with
  :func:`detente.scale.work.relax_malloc_trim` run on each worker, as the coder plugin of
  ``detente run`` does.

Both are driven the same way (coder warmed on every worker first; every partition submitted
at once, Dask's scheduler queueing them), so only the settings differ.  Per-thread CPU time
(user and system) of every worker process and of this process, which hosts the scheduler, is
read from /proc before and after each run: the report says where the time went.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import allsides_corpus, load_records, wait_quiet, write_section  # noqa: E402
# (importing scale also sets one BLAS thread per process)


SECTION = "## Dask worker settings"
MODES = ("Dask defaults", "detente")


def thread_times() -> dict[str, tuple[float, float]]:
    """(user, system) CPU seconds of each thread of the calling process, by 'tid:name'."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/comm") as fh:
                name = fh.read().strip()
            with open(f"/proc/self/task/{tid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:  # the thread ended
            continue
        out[f"{tid}:{name}"] = (int(fields[11]) / tick, int(fields[12]) / tick)
    return out


def _spent(before: dict, after: dict) -> list[tuple[float, float]]:
    """Per-thread (user, system) spent between two readings, busiest thread first."""
    rows = [(u - before.get(k, (0.0, 0.0))[0], s - before.get(k, (0.0, 0.0))[1])
            for k, (u, s) in after.items()]
    return sorted(rows, key=lambda r: -(r[0] + r[1]))


def start(mode: str):
    from distributed import Client, LocalCluster

    from detente.scale.runner import local_cluster
    from detente.scale.work import relax_malloc_trim, warm_up

    if mode == "detente":
        cluster = local_cluster(2)
    else:
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=40)
    client = Client(cluster)
    if mode == "detente":
        client.run(relax_malloc_trim)
    client.run(warm_up)
    return cluster, client


def one_run(client, specs, lake: Path) -> dict:
    from distributed import wait

    from detente.scale import Lake
    from detente.scale.work import process_partition

    shutil.rmtree(lake, ignore_errors=True)
    Lake(lake, create=True)
    w0, c0, t0 = client.run(thread_times), thread_times(), time.perf_counter()
    futures = [client.submit(process_partition, spec, str(lake), pure=False) for spec in specs]
    wait(futures)
    results = client.gather(futures)
    wall = time.perf_counter() - t0
    w1, c1 = client.run(thread_times), thread_times()
    workers = [_spent(w0[k], w1[k]) for k in sorted(w1)]  # each: its busiest thread first
    return {"wall": wall, "documents": sum(r.documents for r in results),
            # the thread that ran the partitions, and all the others
            "compute user": sum(w[0][0] for w in workers),
            "compute system": sum(w[0][1] for w in workers),
            "other threads": sum(u + s for w in workers for u, s in w[1:]),
            "client": sum(u + s for u, s in _spent(c0, c1))}


def measure(records, args, work: Path) -> dict:
    """Each run gets a cluster of its own, started and warmed before the clock starts and
    closed after, so that an idle cluster's event loops never tick beside a measured one."""
    from detente.scale.plan import plan_inputs

    rng = random.Random(args.seed)
    sample = rng.sample(records, min(args.n, len(records)))
    runs: dict[str, list[dict]] = {m: [] for m in MODES}
    for r in range(args.rounds):
        chunk = sample[r::args.rounds]
        path = work / f"round-{r}.jsonl"
        path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in chunk),
                        encoding="utf-8")
        specs = list(plan_inputs([path], args.partition_size))
        for mode in (MODES if r % 2 == 0 else MODES[::-1]):
            cluster, client = start(mode)
            try:
                if args.wait_quiet:
                    wait_quiet(args.wait_quiet)
                res = one_run(client, specs, work / f"lake-{r}-{mode.split()[0]}")
            finally:
                client.close()
                cluster.close()
            runs[mode].append(res)
            print(f"round {r + 1}/{args.rounds} {mode}: {res['documents']} documents in "
                  f"{res['wall']:.1f} s", flush=True)
    return {"n": len(sample), "runs": runs}


def section(args, m: dict, command: str) -> str:
    def total(mode, key):
        return sum(r[key] for r in m["runs"][mode])

    lines = [SECTION, "",
             f"`{command}`: {m['n']} AllSides articles (seed {args.seed}) in {args.rounds} rounds "
             f"of alternating order, partitions of {args.partition_size}, through two LocalClusters "
             f"of 2 single-threaded workers that differ only in their settings (see the script's "
             f"docstring). CPU seconds from /proc, summed over rounds and over the two workers.", "",
             "| settings | wall s | articles/s | parsing threads user / system | workers' other "
             "threads (event loop, monitors) | this process (scheduler) |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for mode in MODES:
        docs, wall = total(mode, "documents"), total(mode, "wall")
        lines.append(
            f"| {mode} | {wall:.1f} | {docs / wall:.2f} | {total(mode, 'compute user'):.1f} / "
            f"{total(mode, 'compute system'):.1f} | {total(mode, 'other threads'):.1f} "
            f"| {total(mode, 'client'):.1f} |")
    a, b = (total(x, "wall") for x in MODES)
    lines += ["", "Per round (seconds, Dask defaults / detente): " + "; ".join(
        f"{x['wall']:.1f} / {y['wall']:.1f} = {x['wall'] / y['wall']:.2f}×"
        for x, y in zip(*(m["runs"][mode] for mode in MODES))) + f". Overall {a / b:.2f}×.", ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=200, help="articles in the sample")
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--partition-size", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--wait-quiet", type=float, default=300.0,
                    help="before each round, wait up to this many seconds for a quiet machine")
    ap.add_argument("--no-write", action="store_true", help="print only")
    args = ap.parse_args(argv)
    corpus = allsides_corpus("bench/dask_settings.py")
    if corpus is None:
        return 1
    work = Path(tempfile.mkdtemp(prefix="detente-dask-settings-"))
    try:
        m = measure(load_records(corpus), args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    command = " ".join(["python bench/dask_settings.py"] + (argv if argv is not None else sys.argv[1:]))
    text = section(args, m, command)
    print(text)
    if not args.no_write:
        write_section(text, SECTION)
    return 0


if __name__ == "__main__":
    sys.exit(main())
