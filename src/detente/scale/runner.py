"""`detente run`: stream inputs through a Dask cluster into a Parquet lake.

The client plans partitions lazily (:mod:`.plan`), skips those already committed, and keeps
at most ``max_in_flight`` of them submitted: a new partition is read only when one finishes,
so client memory is bounded by ``max_in_flight x partition bytes`` whatever the input size.
Each partition is processed and committed by a worker (:mod:`.work`); a worker lost mid-task
makes Dask run the task again elsewhere, and since commits are idempotent and
all-or-nothing, that is harmless.  When every partition is in, the lake-wide tables are
computed (:mod:`.derive`).

Clusters: a ``LocalCluster`` of ``workers`` processes with one thread each (spaCy parsing is
CPU-bound Python: processes, not threads, scale it) unless ``scheduler`` names a running
Dask scheduler (SSH, Kubernetes, Slurm via dask-jobqueue; docs/scale.md).  ``workers=0`` runs
in this process without Dask: the single-process reference the tests compare against.
"""
from __future__ import annotations

import logging
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Iterator, Optional, Union

from ..ingest.inputs import PathLike
from ..ingest.steps import ProblemTally
from ..records import Document, IngestProblem
from .derive import FinalizeReport, finalize as finalize_lake
from .layout import Lake, LakeError
from .plan import DEFAULT_PARTITION_SIZE, PartitionSpec, plan_documents, plan_inputs
from .work import CoderFactory, CoderPlugin, PartitionResult, process_partition

log = logging.getLogger(__name__)


@dataclass
class RunReport(ProblemTally):
    """What one run did.  ``committed`` partitions were written by this run, ``already``
    ones were found committed by an earlier (killed, or earlier-day) run and skipped."""

    lake: str
    workers: int = 0  # worker threads at the start (0: in-process)
    partitions: int = 0
    committed: int = 0
    already: int = 0
    documents: int = 0
    articles: int = 0
    events: int = 0
    skipped: int = 0  # records read that were not articles
    failed: int = 0  # inputs or records that could not be read
    problems: list[IngestProblem] = field(default_factory=list)
    seconds: float = 0.0  # wall clock, whole run
    pipeline_seconds: float = 0.0  # first partition submitted -> last one committed
    cpu_seconds: float = 0.0  # summed over partitions (what a core spent)
    peak_rss: dict[int, int] = field(default_factory=dict)  # pid -> bytes
    finalize: Optional[FinalizeReport] = None
    stopped: bool = False  # stop() asked to end early: finalize not run
    error: Optional[str] = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def articles_per_second(self) -> float:
        return self.documents / self.pipeline_seconds if self.pipeline_seconds > 0 else 0.0

    @property
    def documents_per_cpu_second(self) -> float:
        return self.documents / self.cpu_seconds if self.cpu_seconds > 0 else 0.0

    def add(self, r: PartitionResult) -> None:
        if r.skipped:
            self.already += 1
            return
        self.committed += 1
        self.documents += r.documents
        self.articles += r.articles
        self.events += r.events
        self.cpu_seconds += r.cpu_seconds
        self.peak_rss[r.pid] = max(self.peak_rss.get(r.pid, 0), r.peak_rss)
        self.add_problems(r.problems)

    def summary(self) -> str:
        line = (f"{self.committed:,} partitions committed, {self.already:,} already in the lake"
                f" · {self.documents:,} documents, {self.articles:,} articles, "
                f"{self.events:,} events · {self.skipped:,} skipped, {self.failed:,} failed")
        if self.pipeline_seconds and self.documents:
            line += f" · {self.articles_per_second:,.2f} articles/s"
        line += f" in {self.seconds:.1f} s -> {self.lake}"
        if self.finalize is not None:
            line += f"\n{self.finalize.summary()}"
        return line


def run(inputs: Union[Iterable[PathLike], PathLike], lake: Union[str, os.PathLike], *,
        scheduler: Optional[str] = None, workers: Optional[int] = None,
        partition_size: Optional[int] = None, max_in_flight: Optional[int] = None,
        code: bool = True, finalize: bool = True, coder: CoderFactory = None,
        on_partition: Optional[Callable[[PartitionResult], None]] = None,
        on_problem: Optional[Callable[[IngestProblem], None]] = None,
        stop: Optional[Callable[[], bool]] = None) -> RunReport:
    """Read ``inputs`` (files, folders, globs, '-') into the lake folder ``lake`` (created when
    new).  ``workers``: LocalCluster size (default: CPU count; 0 = in this process, no Dask);
    ``scheduler``: address of a running Dask scheduler instead.  ``partition_size``: documents
    (lines, records, files) per partition, fixed for a lake at its first run.  ``coder``: coder
    factory (default the shipped coder).  Resumable: run again after any interruption."""
    return _run(lambda k: plan_inputs(inputs, k), lake, scheduler=scheduler, workers=workers,
                partition_size=partition_size, max_in_flight=max_in_flight, code=code,
                finalize=finalize, coder=coder, on_partition=on_partition,
                on_problem=on_problem, stop=stop)


def run_documents(documents: Iterable[Union[Document, IngestProblem]], lake: Union[str, os.PathLike],
                  *, stream: str = "<documents>", **options: Any) -> RunReport:
    """As :func:`run`, for Documents from a generator (a crawler, an API).  ``stream`` names the
    stream; a resumed run must give the same name and the same documents in the same order."""
    return _run(lambda k: plan_documents(documents, k, stream=stream), lake, **options)


def _run(planner: Callable[[int], Iterator[Union[PartitionSpec, IngestProblem]]],
         lake_path: Union[str, os.PathLike], *, scheduler: Optional[str] = None,
         workers: Optional[int] = None, partition_size: Optional[int] = None,
         max_in_flight: Optional[int] = None, code: bool = True, finalize: bool = True,
         coder: CoderFactory = None,
         on_partition: Optional[Callable[[PartitionResult], None]] = None,
         on_problem: Optional[Callable[[IngestProblem], None]] = None,
         stop: Optional[Callable[[], bool]] = None) -> RunReport:
    t0 = time.perf_counter()
    if partition_size is not None and partition_size < 1:
        raise LakeError(f"--partition-size must be at least 1, got {partition_size}")
    if workers is not None and workers < 0:
        raise LakeError(f"--workers must be 0 or more, got {workers}")
    lake = Lake(lake_path, create=True)
    size = partition_size or lake.partition_size or DEFAULT_PARTITION_SIZE
    report = RunReport(lake=str(lake.root))
    with lake.locked("detente run"):
        lake.set_partition_size(size)
        lake.clean_tmp()
        markers = lake.markers()
        checkpoint = lake.checkpoint_seq()

        def pending() -> Iterator[PartitionSpec]:
            for item in planner(size):
                if isinstance(item, IngestProblem):
                    report.add_problem(item)
                    if on_problem:
                        on_problem(item)
                    continue
                report.partitions += 1
                if lake.is_committed(item.key, item.fingerprint, markers):
                    report.already += 1
                    continue
                yield item

        def done(result: PartitionResult) -> None:
            report.add(result)
            if on_partition:
                on_partition(result)
            if on_problem:
                for p in result.problems:
                    on_problem(p)

        task = dict(code=code, coder=coder, checkpoint=checkpoint)
        started = time.perf_counter()
        if scheduler is None and workers == 0:
            for spec in pending():
                try:
                    result = process_partition(spec, str(lake.root), **task)
                except Exception as exc:  # noqa: BLE001 - one line, as on a cluster
                    report.error = f"{spec.describe()}: {type(exc).__name__}: {exc}"
                    break
                done(result)
                if stop and stop():
                    report.stopped = True
                    break
        else:
            with dask_client(scheduler, workers, coder if code else False) as client:
                report.workers = _threads(client)
                started = time.perf_counter()
                _submit_all(client, pending(), str(lake.root), task, report, done,
                            max_in_flight, stop)
        report.pipeline_seconds = time.perf_counter() - started
        if finalize and report.error is None and not report.stopped:
            report.finalize = finalize_lake(lake)
    report.seconds = time.perf_counter() - t0
    return report


# Dask's defaults suit many short tasks; ours are few, long and CPU-bound, one per core, and
# every wake-up of a worker's event-loop thread takes the GIL from the parsing thread.  By
# default the profiler samples every thread's stack every 10 ms (several percent of a worker
# over spaCy's deep stacks, for a profile nobody reads here), the loop checks its own health
# 50 times a second, the memory monitor runs 10 and the system monitor 2.  Over 200 articles
# on two workers (bench/dask_settings.py), the workers' threads other than the parsing one
# used 0.6 CPU seconds with these settings against 9.2 with the defaults, and the process
# hosting the scheduler 0.8 against 5.1: CPU the parsing threads are short of on a 2-core
# machine.  Given to each nanny, so a restarted worker gets them too; on a cluster of your
# own, see docs/scale.md.
QUIET_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
}


def local_cluster(workers: Optional[int] = None):
    """A LocalCluster of ``workers`` single-threaded processes (default: one per core) with
    :data:`QUIET_CONFIG` in the workers and in this process, where its scheduler runs."""
    import dask
    from distributed import LocalCluster

    n = workers or os.cpu_count() or 1
    with dask.config.set(QUIET_CONFIG):  # read when the scheduler is built, in this process
        return LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                            dashboard_address=None, silence_logs=logging.ERROR,
                            config=QUIET_CONFIG)


@contextmanager
def dask_client(scheduler: Optional[str], workers: Optional[int], coder: CoderFactory | bool = None):
    """A Dask client on ``scheduler``, or on a new LocalCluster of ``workers`` single-threaded
    processes (closed on exit).  The coder plugin is registered unless ``coder`` is False."""
    from distributed import Client

    cluster = None
    if scheduler and os.path.isfile(scheduler):
        client = Client(scheduler_file=scheduler)  # `dask scheduler --scheduler-file F`
    elif scheduler:
        client = Client(scheduler)
    else:
        cluster = local_cluster(workers)
        client = Client(cluster)
    try:
        if coder is not False:
            client.register_plugin(CoderPlugin(coder))
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _threads(client) -> int:
    info = client.scheduler_info()
    return sum(w.get("nthreads", 1) for w in info.get("workers", {}).values())


# A partition whose scattered data went down with its worker is sent again, this many times.
MAX_RESENDS = 3


@dataclass
class _InFlight:
    spec: PartitionSpec
    data: Any  # future of the scattered payload
    attempt: int = 0
    worker: Optional[str] = None  # where the payload (hence the task) went


def _least_busy(client, inflight: Iterable["_InFlight"]) -> Optional[str]:
    """The worker with the fewest partitions in flight (None: let Dask choose)."""
    workers = sorted(client.scheduler_info().get("workers", {}))
    if not workers:
        return None
    busy = {w: 0 for w in workers}
    for item in inflight:
        if item.worker in busy:
            busy[item.worker] += 1
    return min(workers, key=busy.__getitem__)


def _scatter(client, payload: Any, inflight: Iterable["_InFlight"] = ()) -> tuple[Any, Optional[str]]:
    """One future for ``payload`` on the least busy worker, and that worker; retried when the
    chosen worker dies while receiving it (the nanny restarts it, another takes the data).

    The worker is chosen here, not left to Dask: a task runs where its data is, and a plain
    scatter places data without regard to the queue behind it, which can leave two partitions
    waiting on one worker while another idles."""
    for attempt in range(MAX_RESENDS + 1):
        worker = _least_busy(client, list(inflight))
        try:
            (data,) = client.scatter([payload], hash=False,  # one future, whatever the payload
                                     workers=[worker] if worker else None)
            return data, worker
        except OSError:  # distributed's CommClosedError: the worker went away mid-transfer
            if attempt == MAX_RESENDS:
                raise
            time.sleep(1.0 + attempt)
    raise AssertionError("unreachable")


def _submit_all(client, specs: Iterator[PartitionSpec], lake: str, task: dict[str, Any],
                report: RunReport, done: Callable[[PartitionResult], None],
                max_in_flight: Optional[int], stop: Optional[Callable[[], bool]]) -> None:
    """Keep up to ``max_in_flight`` partitions on the cluster until ``specs`` runs out.

    A partition's bytes travel as scattered data, not inside its task: Dask keeps records of
    recent task specs, and payloads there would hold hundreds of MB in the client for a long
    run.  Scattered data lives on one worker, so when that worker dies the task is cancelled
    ("lost dependencies") rather than rerun; it is then sent again from the copy the client
    keeps until the partition commits.  A task that fails in our code stops the run."""
    from distributed import as_completed

    def limit() -> int:
        if max_in_flight:
            return max_in_flight
        # Two per worker thread keeps every worker busy while the client reads the next one.
        return max(2, 2 * _threads(client))

    pending = as_completed()
    exhausted = False
    stopping = False
    inflight: dict[str, _InFlight] = {}

    def send(item: _InFlight) -> None:
        key = f"detente-partition-{item.spec.key}" + (f"-{item.attempt}" if item.attempt else "")
        item.data, item.worker = _scatter(client, item.spec.payload, inflight.values())
        light = replace(item.spec, payload=None)
        inflight[key] = item
        pending.add(client.submit(process_partition, light, lake, payload=item.data, key=key,
                                  **task))

    def fill() -> None:
        nonlocal exhausted
        cap = limit()
        while not exhausted and not stopping and pending.count() < cap:
            spec = next(specs, None)
            if spec is None:
                exhausted = True
                return
            send(_InFlight(spec, None))

    fill()
    for future in pending:
        item = inflight.pop(future.key)
        try:
            if future.status in ("cancelled", "lost") and item.attempt < MAX_RESENDS:
                item.data.release()
                item.attempt += 1
                log.warning("%s: its worker was lost; sending it again", item.spec.describe())
                send(item)
                continue
            result = future.result()
        except Exception as exc:  # noqa: BLE001 - one line, and stop cleanly
            report.error = f"{item.spec.describe()}: {type(exc).__name__}: {exc}"
            stopping = True
            for other in list(pending.futures):
                other.cancel()
            break
        finally:
            future.release()
        item.data.release()
        done(result)
        if stop and stop():
            stopping = True
            report.stopped = True
        fill()
