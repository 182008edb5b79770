"""What the query commands share (detente.cli.common) and `detente events` over the same query
as GET /api/events (detente.events.query), on a constructed store."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from detente.cli import app
from detente.events.query import EventFilters, list_events, parse_date_bound
from detente.store import Store
from relations_factory import World

runner = CliRunner()


@pytest.fixture()
def db(tmp_path) -> str:
    path = str(tmp_path / "q.duckdb")
    store = Store(path)
    w = World(store)
    art = w.article("Reuters", "2019-04-25")
    w.event(art, "RUSGOV", "PRKGOV", "043", "2019-04-25", trigger="hosted")
    w.event(art, "PRKGOV", "RUSGOV", "057", "2019-04-26", trigger="signed")
    art = w.article("NPR", "2019-05-09")
    w.event(art, "USAGOV", "PRKGOV", "111", "2019-05-09", trigger="criticised")
    w.event(art, "USAGOV", "CHN", "036", "2019-06-30", trigger="asked")
    w.flush()
    store.close()
    return path


def run(*args: str):
    return runner.invoke(app, list(args))


def _jsonl(result) -> list[dict]:
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_events_command_lists_what_the_python_api_lists(db):
    rows = _jsonl(run("events", "--db", db, "--format", "jsonl"))
    with Store(db, read_only=True) as store:
        api = list_events(store.con, EventFilters(), None)
    assert [r["id"] for r in rows] == [r["id"] for r in api] and len(rows) == 4
    assert list(rows[0]) == ["date", "source", "target", "code", "root", "quad_class",
                             "goldstein", "plover", "modality", "place", "trigger", "asserted_by",
                             "article_id", "sentence_index", "id", "sentence", "source_name",
                             "target_name", "cited_sources"]
    assert rows[0]["date"] == "2019-06-30"  # newest first
    dyad = _jsonl(run("events", "--db", db, "--dyad", "prk", "--dyad", "RUS", "--format", "jsonl"))
    assert {r["code"] for r in dyad} == {"043", "057"}
    june = _jsonl(run("events", "--db", db, "--from", "2019-05", "--to", "2019-06",
                      "--format", "jsonl"))
    assert [r["date"] for r in june] == ["2019-06-30", "2019-05-09"]
    assert len(_jsonl(run("events", "--db", db, "--actorless", "--limit", "0",
                          "--format", "jsonl"))) == 4
    assert len(_jsonl(run("events", "--db", db, "--limit", "1", "--format", "jsonl"))) == 1
    root = _jsonl(run("events", "--db", db, "--root", "4", "--format", "jsonl"))
    assert [r["code"] for r in root] == ["043"]


def test_events_command_bad_input_is_one_line(db, tmp_path):
    bad = run("events", "--db", db, "--from", "2019-13")
    assert bad.exit_code == 2 and bad.stderr.strip() == (
        "error: --from: '2019-13' is not a date (use YYYY, YYYY-MM or YYYY-MM-DD)")
    missing = run("events", "--db", str(tmp_path / "none.duckdb"))
    assert missing.exit_code == 2 and "no such store" in missing.stderr
    assert "Traceback" not in missing.output


@pytest.mark.parametrize("command", [["events"], ["dyad", "RUS", "PRK"], ["align", "RUS"],
                                     ["brief", "RUS", "PRK"]])
def test_query_commands_open_the_store_the_same_way(command, tmp_path, db):
    missing = run(*command, "--db", str(tmp_path / "none.duckdb"))
    assert missing.exit_code == 2
    assert missing.stderr.startswith("error: ") and "no such store" in missing.stderr
    both = run(*command, "--db", db, "--lake", str(tmp_path))
    assert both.exit_code == 2 and "give --db or --lake, not both" in both.stderr


def test_plot_format_comes_from_the_file_name(db, tmp_path):
    res = run("plot", "network", "--db", db, "--output", str(tmp_path / "chart.gif"))
    assert res.exit_code == 2 and "use .png or .svg" in res.stderr
    assert not (tmp_path / "chart.gif").exists()


def test_parse_date_bound():
    june = parse_date_bound(" 2024-06 ")
    assert (june.text, june.first.isoformat(), june.last.isoformat()) == ("2024-06", "2024-06-01",
                                                                         "2024-06-30")
    assert parse_date_bound("2024-12").after.isoformat() == "2025-01-01"
    for bad in ("2024-02-30", "24", "June"):
        with pytest.raises(ValueError, match="is not a date"):
            parse_date_bound(bad)
