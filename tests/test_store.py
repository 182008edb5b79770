import duckdb
import pytest

from detente.store import SCHEMA_VERSION, Store, StoreError


def test_new_store_is_migrated(tmp_path):
    path = tmp_path / "s.duckdb"
    with Store(path) as s:
        assert s.version() == SCHEMA_VERSION
        assert s.count("articles") == 0
    # Reopening applies nothing twice.
    with Store(path) as s:
        rows = s.query("SELECT version FROM schema_version ORDER BY version")
        assert [r["version"] for r in rows] == list(range(1, SCHEMA_VERSION + 1))


def test_read_only_store_must_exist(tmp_path):
    with pytest.raises(StoreError, match="no such store"):
        Store(tmp_path / "missing.duckdb", read_only=True)


def test_transaction_rolls_back_on_interrupt(tmp_path):
    with Store(tmp_path / "s.duckdb") as s:
        with pytest.raises(KeyboardInterrupt):
            with s.transaction() as con:
                con.execute("INSERT INTO articles (id, text) VALUES ('a', 'x')")
                raise KeyboardInterrupt
        assert s.count("articles") == 0


def test_not_a_duckdb_file(tmp_path):
    bad = tmp_path / "bad.duckdb"
    bad.write_text("this is not a database")
    with pytest.raises((StoreError, duckdb.Error)):
        Store(bad)
