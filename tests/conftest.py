"""Shared fixtures.  Tests that read ../shared skip with a clear message when it is absent, so a
fresh clone without the reference data still passes."""
from __future__ import annotations

from pathlib import Path

import pytest

from detente.config import shared_dir
from detente.store import Store

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "demo"
SEED = DEMO / "putin-north-korea-visit.txt"


@pytest.fixture(scope="session")
def shared() -> Path:
    path = shared_dir()
    if path is None:
        pytest.skip("../shared reference data is absent (gold, corpora, codebooks); "
                    "this test needs it")
    return path


@pytest.fixture(scope="session")
def nlp():
    from detente.nlp import load_nlp

    return load_nlp()


@pytest.fixture()
def store(tmp_path) -> Store:
    s = Store(tmp_path / "test.duckdb")
    yield s
    s.close()
