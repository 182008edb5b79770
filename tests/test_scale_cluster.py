"""Acceptance for the Dask pipeline on a real corpus slice with the real coder: a LocalCluster
of two worker processes writes the same lake as one process, row for row (in the default
suite, under a minute); a worker killed mid-run and, separately, a client killed with SIGKILL
both end, after a resumed run, in exactly the clean run's lake (marked slow)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from detente.scale import Lake, LakeStore, run

from conftest import DEMO, REPO
from test_scale import lake_rows

ARTICLES = 60
PARTITION = 10  # six partitions: enough to kill in the middle


@pytest.fixture(scope="module")
def corpus_slice(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("slice") / "wikinews-slice.jsonl"
    with open(DEMO / "wikinews_2019_2020.jsonl", encoding="utf-8") as src, \
            open(path, "w", encoding="utf-8") as out:
        for _, line in zip(range(ARTICLES), src):
            out.write(line)
    return path


@pytest.fixture(scope="module")
def clean_lake(corpus_slice, tmp_path_factory) -> dict:
    """The reference: one process, no Dask, no interruption."""
    lake = tmp_path_factory.mktemp("clean") / "lake"
    report = run([corpus_slice], lake, workers=0, partition_size=PARTITION)
    assert report.ok and report.committed == ARTICLES // PARTITION
    assert report.events > 0 and report.finalize.merged > 0
    return lake_rows(lake)


def test_two_worker_cluster_writes_the_single_process_lake(corpus_slice, clean_lake, tmp_path):
    lake = tmp_path / "lake"
    report = run([corpus_slice], lake, workers=2, partition_size=PARTITION)
    assert report.ok and report.workers == 2
    assert len(report.peak_rss) == 2  # both worker processes coded partitions
    assert lake_rows(lake) == clean_lake


def test_workers_get_glibc_malloc_and_quiet_event_loops():
    """The two settings the 2-worker speed-up rests on reach the worker processes: the nanny's
    MALLOC_TRIM_THRESHOLD_ is undone by the coder plugin, and QUIET_CONFIG is in force."""
    import dask

    from detente.scale.runner import QUIET_CONFIG, dask_client

    with dask_client(None, 1, coder="test_scale:fake_coder") as client:
        (relaxed,) = client.run(lambda dask_worker: dask_worker.plugins["detente-coder"]
                                .malloc_relaxed).values()
        (settings,) = client.run(lambda: {k: dask.config.get(k) for k in QUIET_CONFIG}).values()
        (trim,) = client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_")).values()
    assert settings == QUIET_CONFIG
    assert relaxed is (trim is not None and _glibc())  # set by Dask's nanny, undone by us


def test_relax_malloc_trim_only_acts_when_the_nanny_setting_is_there(monkeypatch):
    from detente.scale.work import relax_malloc_trim

    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    assert relax_malloc_trim() is False
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    if not _glibc():
        pytest.skip("not glibc: nothing to undo")
    assert relax_malloc_trim() is True


def _glibc() -> bool:
    from detente.scale.work import _glibc as libc

    return libc() is not None


@pytest.mark.slow
def test_a_killed_worker_is_replaced_and_the_lake_is_exact(corpus_slice, clean_lake, tmp_path):
    lake = tmp_path / "lake"
    killed: list[int] = []

    def kill_one(result) -> None:
        # The worker that reported first has already started its next queued partition
        # (two are queued per worker): kill it in the middle of that one.
        if not killed:
            os.kill(result.pid, signal.SIGKILL)
            killed.append(result.pid)

    report = run([corpus_slice], lake, workers=2, partition_size=PARTITION,
                 on_partition=kill_one)
    assert killed and report.ok
    assert report.committed + report.already == ARTICLES // PARTITION
    assert any(pid not in killed for pid in report.peak_rss)  # the replacement worked on
    assert lake_rows(lake) == clean_lake


def _alive_in_group(pgid: int) -> list[int]:
    """Live (not zombie) processes of a process group."""
    import psutil

    alive = []
    for p in psutil.process_iter(["pid", "status"]):
        try:
            if os.getpgid(p.pid) == pgid and p.info["status"] != psutil.STATUS_ZOMBIE:
                alive.append(p.pid)
        except (ProcessLookupError, psutil.Error):
            continue
    return alive


@pytest.mark.slow
def test_a_client_killed_with_sigkill_resumes_to_the_clean_lake(corpus_slice, clean_lake, tmp_path):
    lake = tmp_path / "lake"
    command = [sys.executable, "-m", "detente", "run", str(corpus_slice), "--lake", str(lake),
               "--workers", "2", "--partition-size", str(PARTITION), "--quiet"]
    proc = subprocess.Popen(command, cwd=REPO, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    commits = lake / "_commits"
    deadline = time.monotonic() + 900
    try:
        while time.monotonic() < deadline:
            done = len(list(commits.glob("*.json"))) if commits.is_dir() else 0
            if done >= 2 or proc.poll() is not None:
                break
            time.sleep(0.2)
        assert proc.poll() is None, "the run ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)  # the client only: its workers must not linger
        proc.wait()
        for _ in range(300):
            lingering = _alive_in_group(proc.pid)
            if not lingering:
                break
            time.sleep(0.1)
        assert not lingering, f"processes outlived their killed client: {lingering}"
    finally:
        try:  # never leave our own process group behind, whatever happened above
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    committed = len(Lake(lake).markers())
    assert 2 <= committed < ARTICLES // PARTITION
    with LakeStore(lake) as partial:
        assert partial.stale  # readable meanwhile, with what was committed
    report = run([corpus_slice], lake, workers=2, partition_size=PARTITION)
    assert report.ok and report.already == committed
    assert report.committed == ARTICLES // PARTITION - committed
    assert lake_rows(lake) == clean_lake
