"""The full coder (real actor resolver and attribute functions) on the seed article, and the
`detente code` / `eval` / `events` commands."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from conftest import SEED
from detente.cli import app
from detente.events.coder import Coder


@pytest.fixture(scope="module")
def coder(nlp):
    return Coder(nlp=nlp)


@pytest.fixture(scope="module")
def seed_events(coder):
    return coder.code_document("seed", SEED.read_text(encoding="utf-8"), "2024-06-15")


def _c(code):
    return (code or "")[:3]


def test_planned_visit_russia_to_north_korea(seed_events):
    hits = [e for e in seed_events if e.evidence.trigger.lower() == "visit" and e.modality == "planned"
            and _c(e.source) == "RUS" and _c(e.target) == "PRK"]
    assert hits and all(e.root in ("03", "04") for e in hits)


def test_september_2023_meeting_with_month_and_place(seed_events):
    meet = [e for e in seed_events if e.evidence.trigger == "meeting" and e.date == "2023-09"]
    assert meet and all(e.date_precision == "month" for e in meet)
    assert {(e.source_country, e.target_country) for e in meet} >= {("RUS", "PRK"), ("PRK", "RUS")}
    assert any(e.place and "Vostochny" in e.place.name and e.place.country == "RUS" for e in meet)


def test_kim_supports_russia(seed_events):
    assert any(e.source_country == "PRK" and e.target_country == "RUS" and e.root == "05" for e in seed_events)


def test_putins_2000_visit_is_dated_2000(seed_events):
    past = [e for e in seed_events if e.date == "2000"]
    assert past and past[0].date_precision == "year" and past[0].modality == "occurred"
    assert (past[0].source_country, past[0].target_country, past[0].root) == ("RUS", "PRK", "04")


def test_us_concern_aimed_at_russia_or_north_korea(seed_events):
    assert any(e.source_country == "USA" and e.target_country in ("RUS", "PRK")
               and e.code in ("012", "111") for e in seed_events)


def test_sanctions_on_russia_or_north_korea(seed_events):
    assert any(e.code == "163" and e.target_country in ("RUS", "PRK") for e in seed_events)


def test_cited_sources(seed_events):
    cited = {c for e in seed_events for c in e.evidence.cited_sources}
    assert {"CNA", "Wikipedia"} <= cited


def test_boilerplate_yields_nothing(seed_events):
    text = SEED.read_text(encoding="utf-8")
    junk = ("DiplomatDiplomatic", "DMCA", "Back to top", "Historical Context and Recent Developments")
    assert not [e for e in seed_events if any(j in e.evidence.sentence for j in junk)]
    for e in seed_events:  # and evidence is exact
        ev = e.evidence
        assert text[ev.trigger_start:ev.trigger_end] == ev.trigger


def test_without_publication_date(coder):
    evs = coder.code_document("seed", SEED.read_text(encoding="utf-8"), None)
    assert any(e.modality == "planned" and e.source_country == "RUS" and e.target_country == "PRK" for e in evs)
    assert any(e.date == "2023-09" for e in evs) and any(e.date == "2000" for e in evs)


def test_dated_leader_resolution_reaches_events(coder):
    """The article date selects the office holder: President Moon is South Korea's government
    in 2019, not in 2023."""
    text = "President Moon met Japanese officials in Tokyo on Monday to discuss trade."
    e2019 = coder.code_document("m", text, "2019-05-02")
    e2023 = coder.code_document("m", text, "2023-05-02")
    assert any(e.source == "KORGOV" for e in e2019)
    assert not any(e.source == "KORGOV" for e in e2023)


# -- commands ----------------------------------------------------------------------------
runner = CliRunner()


def test_code_command(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join([
        json.dumps({"id": "a", "text": "Chile and Peru signed a fisheries agreement on Monday.", "date": "2021-03-01"}),
        "{not json",
        json.dumps({"id": "b", "text": "The weather was mild."}),
        json.dumps({"id": "c"}),
    ]) + "\n")
    out = tmp_path / "out.jsonl"
    res = runner.invoke(app, ["code", str(src), "-o", str(out)])
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["a", "b", "c"]
    assert rows[1]["events"] == [] and rows[2]["events"] == []
    ev = rows[0]["events"][0]
    for key in ("source", "target", "code", "root", "quad_class", "goldstein", "plover", "modality",
                "date", "place", "evidence"):
        assert key in ev
    assert {(e["source"], e["target"]) for e in rows[0]["events"]} == {("CHL", "PER"), ("PER", "CHL")}
    assert "in.jsonl:2" in res.stderr and 'in.jsonl:4: field "text"' in res.stderr


def test_code_command_missing_file(tmp_path):
    res = runner.invoke(app, ["code", str(tmp_path / "nope.jsonl")])
    assert res.exit_code == 2 and "no such file" in res.stderr


def test_eval_command(tmp_path):
    from pathlib import Path

    gold = Path(__file__).parent / "data" / "coder_gold_sample.jsonl"
    res = runner.invoke(app, ["eval", str(gold), "--errors", "3"])
    assert res.exit_code == 0, res.output
    assert "coder_gold_sample.jsonl: triple_p=" in res.stdout and "penta_acc=" in res.stdout


def test_events_command(tmp_path, coder):
    from detente.store import Store

    db = tmp_path / "ev.duckdb"
    with Store(db) as store:
        with store.transaction():
            evs = coder.code_document("art1", "Chile and Peru signed a fisheries agreement on Monday. "
                                      "Japan imposed sanctions on Iran.", "2021-03-01")
            store.replace_events("art1", evs, coder.version)
    res = runner.invoke(app, ["events", "--db", str(db), "--format", "jsonl"])
    assert res.exit_code == 0, res.output
    assert len(res.stdout.splitlines()) == len(evs)
    res = runner.invoke(app, ["events", "--db", str(db), "--dyad", "PER", "--dyad", "CHL", "--format", "csv"])
    assert len(res.stdout.strip().splitlines()) == 3  # header + both directions
    res = runner.invoke(app, ["events", "--db", str(db), "--root", "16", "--format", "jsonl"])
    assert [json.loads(x)["code"] for x in res.stdout.splitlines()] == ["163"]
    res = runner.invoke(app, ["events", "--db", str(db), "--actor", "IRN", "--quad", "4", "--format", "jsonl"])
    assert res.stdout.strip() and all(json.loads(x)["target"] == "IRN" for x in res.stdout.splitlines())
    res = runner.invoke(app, ["events", "--db", str(db), "--modality", "sort-of"])
    assert res.exit_code == 2 and "--modality" in res.stderr
    res = runner.invoke(app, ["events", "--db", str(db), "--code", "'; DROP TABLE events; --"])
    assert res.exit_code == 0
    res = runner.invoke(app, ["events", "--db", str(db), "--from", "2021-03", "--to", "2021-03", "--format", "table"])
    assert res.exit_code == 0 and "CHL" in res.stdout
