"""The briefing writer on constructed events shaped like the coder's output for the seed."""
from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

import _brief_seed as seed
from detente.brief import BriefError, build_brief, write_brief
from detente.cli import app
from detente.store import Store

SECTIONS = ["Headline development", "Historical context", "Diplomatic and strategic",
            "Military and security", "Economic", "Reactions of others", "Trend and shifts",
            "Outlook", "References"]
REF = re.compile(r"\[\d+\]")


def sections_of(md: str) -> dict[str, str]:
    parts = re.split(r"^## (.+)$", md, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def uncited_lines(md: str) -> list[str]:
    """Body lines that state something without a [n] reference.  Exempt: headings, the
    reference list itself, and the italic notes that say a section has no reports."""
    body = md.split("\n## References", 1)[0]
    bad = []
    for line in body.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        text = line[2:] if line.startswith("- ") else line
        if text.startswith("_") and text.endswith("_"):
            continue
        # Each sentence of a line must end in (or be followed by) a citation: a bullet is one
        # statement, so the line must carry one and quotes sit before it.
        if not REF.search(text):
            bad.append(line)
    return bad


def _built(tmp_path_factory, name, *fill):
    path = tmp_path_factory.mktemp("brief") / f"{name}.duckdb"
    with Store(path) as s:
        for f in fill:
            f(s)
    return str(path)


@pytest.fixture(scope="module")
def seed_db(tmp_path_factory):
    return _built(tmp_path_factory, "seed", seed.insert_seed_events)


@pytest.fixture(scope="module")
def full_db(tmp_path_factory):
    return _built(tmp_path_factory, "full", seed.insert_seed_events, seed.insert_followup)


@pytest.fixture()
def seeded(seed_db):
    """The seed article's events, opened read-only as `detente brief` opens a store."""
    with Store(seed_db, read_only=True) as s:
        yield s


@pytest.fixture()
def full(full_db):
    """The seed plus two follow-up reports (one syndicated to a second outlet)."""
    with Store(full_db, read_only=True) as s:
        yield s


def test_seed_brief_has_every_section_and_cites_everything(seeded):
    md = write_brief(seeded, "RUS", "PRK")
    assert [h for h in re.findall(r"^## (.+)$", md, flags=re.M)] == SECTIONS
    assert uncited_lines(md) == []
    secs = sections_of(md)

    # The planned visit, marked planned, leads.
    headline = secs["Headline development"]
    assert re.search(r"\*\*planned\*\* · [^\n]*make a visit \(CAMEO 042\)", headline)
    assert "upcoming visit" in headline
    assert "first" in headline and "since 2000" in headline
    # The September 2023 meeting at Vostochny.
    assert re.search(r"2023-09 · [^\n]*at Vostochny Cosmodrome", md)
    # The 2000 visit as history.
    assert re.search(r"\*\*occurred\*\* · 2000 · [^\n]*make a visit", secs["Historical context"])
    # Kim's support for Russia, quoted with its cited sources.
    assert "Kim Jong Un expressed his full support" in md
    assert re.search(r"praise or endorse \(CAMEO 051\), according to Wikipedia and CNA", md)
    # US concern among the reactions.
    assert re.search(r"(USA|United States)[^\n]*pessimistic remark[^\n]*according to CNA",
                     secs["Reactions of others"])
    # The economic dimension, labelled hypothetical, with its sectors.
    econ = secs["Economic"]
    assert "**hypothetical**" in econ and "cooperate economically" in econ
    assert "energy, mining and infrastructure" in econ
    # The seed is the one reference.
    refs = secs["References"]
    assert refs.strip().startswith("1. ") and "Putin's Historic Visit to North Korea" in refs
    assert "putin-north-korea-visit.txt" in refs
    assert not re.search(r"^2\. ", refs, flags=re.M)


def test_outlook_labels_uncertain_events(seeded):
    outlook = sections_of(write_brief(seeded, "RUS", "PRK"))["Outlook"]
    lines = [l for l in outlook.splitlines() if l.startswith("- ")]
    assert lines and all(re.match(r"- \*\*(planned|hypothetical)\*\* ", l) for l in lines)
    assert lines[0].startswith("- **planned**")


def test_empty_sections_say_so(seeded):
    md = write_brief(seeded, "RUS", "PRK")
    # Nothing in the seed is dated after 2023-09 except planned talk, so a later window has
    # no occurred events; every section still appears and says so instead of padding.
    later = write_brief(seeded, "RUS", "PRK", since="2025-01-01")
    assert [h for h in re.findall(r"^## (.+)$", later, flags=re.M)] == SECTIONS
    assert "No events between" in later
    assert uncited_lines(later) == []
    assert len(later) < len(md)


def test_since_moves_earlier_events_into_history(full):
    md = write_brief(full, "RUS", "PRK", since="2024-01-01")
    secs = sections_of(md)
    assert "2000" in secs["Historical context"] and "2023-09" in secs["Historical context"]
    assert "2024-06-19" not in secs["Historical context"]
    assert "sign a formal agreement" in secs["Headline development"]
    # The 2024 visit is the first of its kind since 2000.
    assert re.search(r"It is the first [^\n]*make a visit[^\n]*since 2000", secs["Headline development"])
    assert uncited_lines(md) == []


def test_references_numbered_in_order_with_outlets_and_copies(full):
    brief = build_brief(full, "RUS", "PRK")
    numbers = [r.number for r in brief.references]
    assert numbers == list(range(1, len(numbers) + 1))
    cited_order = []
    for statement in [brief.summary] + [s for sec in brief.sections for s in sec.statements]:
        for n in statement.refs:
            if n not in cited_order:
                cited_order.append(n)
    assert cited_order == numbers  # numbered by first citation, none unused
    wire = next(r for r in brief.references if r.outlet == "Example Wire")
    assert wire.date == "2024-06-20" and wire.url.startswith("https://example.org/")
    assert ("Example Daily", "https://daily.example.net/world/putin-kim") in wire.also
    md = write_brief(full, "RUS", "PRK")
    assert "Example Wire, 2024-06-20, “Putin and Kim sign partnership treaty” <https://example.org/wire/putin-kim-treaty>; also Example Daily" in md


def test_reactions_come_from_the_dyads_coverage(full):
    reactions = sections_of(write_brief(full, "RUS", "PRK"))["Reactions of others"]
    assert "criticise or denounce" in reactions
    assert "according to State Department spokesman" in reactions
    # Seoul's condemnation of PRK artillery is in an article with no RUS-PRK event, but dated
    # within two weeks of the treaty: a reaction by time (detente.relations.reactions).
    assert re.search(r"(KOR|South Korea)[^\n]*criticise or denounce[^\n]*12 days after", reactions)
    # North Korea's own artillery fire is not a third party's act.
    assert "194" not in reactions


def test_deterministic(full):
    assert write_brief(full, "RUS", "PRK") == write_brief(full, "RUS", "PRK")
    assert write_brief(full, "RUS", "PRK", fmt="html") == write_brief(full, "RUS", "PRK", fmt="html")


def test_the_materialised_dyad_gives_the_brief_the_store_gives(full):
    """build_brief reads the dyad once into a temporary table (dyad_scope); asking the store's
    tables each time is the reference it must agree with, statement for statement."""
    from detente.brief.render import render

    for since in (None, "2024-01-01"):
        fast = build_brief(full, "RUS", "PRK", since=since)
        plain = build_brief(full, "RUS", "PRK", since=since, materialise=False)
        assert render(fast) == render(plain) and render(fast, "html") == render(plain, "html")


def test_order_of_countries_only_changes_naming(seeded):
    ab = build_brief(seeded, "RUS", "PRK")
    ba = build_brief(seeded, "prk", "rus")
    assert (ba.a, ba.b) == ("PRK", "RUS")
    assert len(ab.references) == len(ba.references)
    assert [len(s.statements) for s in ab.sections] == [len(s.statements) for s in ba.sections]


def test_quotes_cannot_fake_citations(store):
    text = ("Russia [1] praised *North Korea* for its `support` <script>alert(1)</script>. "
            "Nothing else happened here.")

    def events(article_id, t):
        return [seed.make_event(article_id, t, "Russia [1] praised", "praised", "RUS", "PRK", "051",
                                date="2024-02", precision="month")]
    seed.add_article(store, text, "Odd characters", "2024-02-03", "Example", None, events)
    md = write_brief(store, "RUS", "PRK")
    assert "Russia \\[1\\] praised \\*North Korea\\*" in md
    # A statement with the real reference still carries it.
    assert re.search(r"“Russia \\\[1\\\][^\n]*” \[1\]$", md, flags=re.M)
    html = write_brief(store, "RUS", "PRK", fmt="html")
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_bad_input_is_one_clear_error(seeded):
    with pytest.raises(BriefError, match="--since"):
        write_brief(seeded, "RUS", "PRK", since="last tuesday")
    with pytest.raises(BriefError, match="format"):
        write_brief(seeded, "RUS", "PRK", fmt="pdf")
    with pytest.raises(BriefError, match="two different"):
        write_brief(seeded, "RUS", "rus")
    with pytest.raises(BriefError, match="unknown country"):
        write_brief(seeded, "R'; DROP TABLE events; --", "PRK")
    # Names resolve as `detente dyad` resolves them.
    assert build_brief(seeded, "North Korea", "Russia").a == "PRK"


def test_cli_brief(tmp_path, seed_db):
    db = seed_db
    runner = CliRunner()
    out = tmp_path / "brief.md"
    result = runner.invoke(app, ["brief", "RUS", "PRK", "--db", db, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("# ")
    result = runner.invoke(app, ["brief", "RUS", "PRK", "--db", db, "--format", "html"])
    assert result.exit_code == 0 and result.stdout.lstrip().startswith("<!DOCTYPE html>")
    result = runner.invoke(app, ["brief", "RUS", "PRK", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 2 and "no such store" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(app, ["brief", "RUS", "PRK", "--db", db, "--since", "soon"])
    assert result.exit_code == 2 and "--since" in result.output


def test_brief_reads_merged_events(store):
    """After event merging, one real-world event reported by two outlets is one statement that
    cites both articles and counts their outlets."""
    from detente.relations.merge import merge_events

    seed.insert_seed_events(store)
    seed.insert_followup(store)
    copy = ("Russian President Vladimir Putin and North Korean leader Kim Jong Un signed a "
            "comprehensive strategic partnership treaty in Pyongyang on Wednesday, June 19.")

    def events(article_id, text):
        return [seed.make_event(article_id, text, "Russian President", "signed", "RUSGOV",
                                "PRKGOV", "057", date="2024-06-19", precision="day")]
    seed.add_article(store, copy, "Putin, Kim sign treaty", "2024-06-19", "Example Post",
                     "https://post.example.com/treaty", events)
    merge_events(store)
    md = write_brief(store, "RUS", "PRK")
    assert uncited_lines(md) == []
    treaty = [l for l in md.splitlines() if "sign a formal agreement" in l and "·" in l]
    assert treaty, md
    assert "reported in 2 articles from 2 outlets" in treaty[0] or \
        "reported in 2 articles from 3 outlets" in treaty[0]
    assert re.search(r"\[\d+\]\[\d+\]$", treaty[0])
    # Counted once: the summary's event count is of merged events.
    brief = build_brief(store, "RUS", "PRK")
    assert "events between" in brief.summary.text
