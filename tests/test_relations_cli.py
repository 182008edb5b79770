"""`detente dyad`, `detente align`, `detente merge` on a constructed store."""
from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from detente.cli import app
from detente.store import Store
from relations_factory import World

runner = CliRunner()


@pytest.fixture()
def db(tmp_path) -> str:
    path = str(tmp_path / "cli.duckdb")
    store = Store(path)
    w = World(store)
    for outlet in ("Reuters", "CNN", "BBC News"):
        art = w.article(outlet, "2019-04-25")
        w.event(art, "RUSGOV", "PRKGOV", "043", "2019-04-25", trigger="hosted",
                place="Vladivostok", place_country="RUS",
                sentence=f"Putin hosted Kim in Vladivostok ({outlet}).")
    art = w.article("NPR", "2019-05-09")
    w.event(art, "USAGOV", "PRKGOV", "111", "2019-05-09", trigger="criticised",
            sentence="Washington criticised Pyongyang's missile launch.")
    w.flush()
    store.close()
    return path


def run(*args: str):
    return runner.invoke(app, list(args))


def test_merge_then_dyad_in_every_format(db):
    out = run("merge", "--db", db)
    assert out.exit_code == 0, out.output
    assert "4 reports -> 2 merged events" in out.output

    table = run("dyad", "RUS", "PRK", "--db", db)
    assert table.exit_code == 0, table.output
    assert "2019-04" in table.output and "RUS <-> PRK" in table.output

    as_csv = run("dyad", "Russia", "North Korea", "--db", db, "--format", "csv", "--freq", "year")
    assert as_csv.exit_code == 0, as_csv.output
    (row,) = list(csv.DictReader(io.StringIO(as_csv.output)))
    assert (row["period"], row["n_events"], row["n_reports"]) == ("2019", "1", "3")

    as_json = run("dyad", "RUS", "PRK", "--db", db, "-f", "json", "--reports", "--directed")
    data = json.loads(as_json.output)
    assert data["unit"] == "reports" and data["periods"][0]["n_events"] == 3
    assert data["periods"][0]["top_events"][0]["place"] == "Vladivostok"
    # merged, the three "hosted" reports are one visit, stored visitor -> host
    merged = json.loads(run("dyad", "PRK", "RUS", "--db", db, "-f", "json", "--directed").output)
    (event,) = merged["periods"][0]["top_events"]
    assert (event["code"], event["source_country"], event["n_outlets"]) == ("042", "PRK", 3)


def test_align_command(db):
    run("merge", "--db", db)
    out = run("align", "PRK", "--db", db, "--format", "json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert [p["country"] for p in data["closest"]] == ["RUS"]
    assert [p["country"] for p in data["hostile"]] == ["USA"]
    assert data["hostile"][0]["evidence"][0]["code"] == "111"
    table = run("align", "PRK", "--db", db)
    assert "closest" in table.output and "bloc:" in table.output


def test_clear_errors(db, tmp_path):
    out = run("dyad", "Narnia", "PRK", "--db", db)
    assert out.exit_code == 2 and "unknown country 'Narnia'" in out.output
    out = run("dyad", "RUS", "PRK", "--db", db, "--format", "xml")
    assert out.exit_code == 2 and "--format" in out.output
    out = run("dyad", "RUS", "PRK", "--db", db, "--freq", "decade")
    assert out.exit_code == 2 and "freq" in out.output
    out = run("dyad", "RUS", "PRK", "--db", str(tmp_path / "missing.duckdb"))
    assert out.exit_code == 2 and "no such store" in out.output
    # analytics on an unmerged store say so, on stderr, and still answer
    out = run("dyad", "RUS", "PRK", "--db", db, "-f", "csv")
    assert out.exit_code == 0 and "not merged yet" in out.output
