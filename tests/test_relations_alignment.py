"""Alignment and reactions on constructed event sets whose answer is known: two blocs that
cooperate inside and clash across; third parties reacting around a dyad's events."""
from __future__ import annotations

import itertools

import pytest

from detente.relations import (RelationsError, align, alignment_graph, blocs, merge_events,
                               reactions, summarise_reactions)
from relations_factory import World

WEST = ("USA", "GBR", "FRA", "DEU", "JPN")
EAST = ("RUS", "CHN", "IRN", "PRK", "SYR")


@pytest.fixture()
def two_blocs(store):
    w = World(store)
    day = 0

    def emit(a, b, code, trigger, n=1):
        nonlocal day
        for _ in range(n):
            day += 1
            date = f"2022-{1 + day // 28 % 12:02d}-{1 + day % 28:02d}"
            art = w.article("Wire", date)
            w.event(art, f"{a}GOV", f"{b}GOV", code, date, trigger=trigger,
                    sentence=f"{a} {trigger} {b} on day {day}.")

    for bloc in (WEST, EAST):
        for a, b in itertools.combinations(bloc, 2):
            emit(a, b, "057", "signed an agreement with", 2)
            emit(b, a, "042", "visited", 1)
    for a, b in itertools.product(WEST, EAST):
        emit(a, b, "111", "condemned", 1)
        emit(b, a, "112", "accused", 1)
    # USA and GBR are especially close; USA and PRK especially hostile
    emit("USA", "GBR", "062", "held joint exercises with", 4)
    emit("USA", "PRK", "138", "threatened military force against", 3)
    # one event outside the period
    w.flush()
    art = w.article("Wire", "2023-06-01")
    w.event(art, "USAGOV", "RUSGOV", "057", "2023-06-01", trigger="signed",
            sentence="USA signed a treaty with RUS.")
    w.flush()
    merge_events(store)
    return store


def test_blocs_are_recovered(two_blocs):
    g = alignment_graph(two_blocs, "2022-01-01", "2022-12-31")
    assert set(g.nodes) == set(WEST) | set(EAST)
    assert g.edges["USA", "RUS"]["net_coop"] == pytest.approx(-1.0)
    assert g.edges["USA", "GBR"]["net_coop"] == pytest.approx(1.0)
    assert g.edges["USA", "RUS"]["weight"] == 0  # conflict does not bind a bloc
    found = blocs(g, seed=0)
    assert sorted(map(tuple, found)) == sorted([tuple(sorted(WEST)), tuple(sorted(EAST))])
    assert blocs(g, seed=0) == blocs(g, seed=0)  # seeded: deterministic


def test_align_names_closest_and_most_hostile_with_evidence(two_blocs):
    result = align(two_blocs, "USA", "2022", "2022-12-31", k=3)
    assert result.closest[0].country == "GBR"
    assert {p.country for p in result.closest} <= set(WEST)
    assert result.hostile[0].country == "PRK"
    assert {p.country for p in result.hostile} <= set(EAST)
    assert result.bloc == sorted(WEST)
    gbr = result.closest[0]
    assert gbr.evidence and all((e.goldstein or 0) > 0 for e in gbr.evidence)
    assert [e.score for e in gbr.evidence] == sorted((e.score for e in gbr.evidence), reverse=True)
    prk = result.hostile[0]
    assert prk.evidence[0].code == "138" and all(e.goldstein < 0 for e in prk.evidence)
    # the period matters: in 2023 the only event is a treaty with Russia
    later = align(two_blocs, "USA", "2023-01-01", "2023-12-31")
    assert [p.country for p in later.closest] == ["RUS"] and later.hostile == []
    assert align(two_blocs, "BRA").closest == []
    with pytest.raises(RelationsError):
        align(two_blocs, "USA", k=0)


@pytest.fixture()
def rus_prk(store):
    w = World(store)

    def emit(date, src, tgt, code, trigger, outlets=("Wire",), modality="occurred"):
        for outlet in outlets:
            art = w.article(outlet, date)
            w.event(art, src, tgt, code, date, trigger=trigger, modality=modality,
                    sentence=f"{src[:3]} {trigger} {tgt[:3]}.")

    emit("2023-09-13", "RUSGOV", "PRKGOV", "062", "agreed military cooperation with")
    emit("2023-10-13", "PRKGOV", "RUSGOV", "072", "shipped munitions to")
    emit("2024-06-19", "RUSGOV", "PRKGOV", "042", "visited")
    # reactions
    emit("2023-09-15", "USAGOV", "RUSGOV", "111", "condemned", outlets=("CNN", "Fox", "NPR"))
    emit("2023-09-14", "USAGOV", "PRKGOV", "012", "expressed concern about")
    emit("2023-09-10", "KORGOV", "PRKGOV", "130", "warned")           # before the anchor
    emit("2023-10-20", "JPNGOV", "PRKGOV", "163", "sanctioned")
    emit("2024-06-20", "CHNGOV", "RUSGOV", "051", "praised")
    emit("2024-08-30", "JPNGOV", "PRKGOV", "111", "criticised")       # outside the window
    emit("2023-09-15", "USAGOV", "CHNGOV", "111", "condemned")        # not aimed at the dyad
    emit("2023-09-15", "RUSGOV", "USAGOV", "111", "condemned")        # a dyad member acting
    emit("2023-09-16", "USAGOV", "PRKGOV", "138", "threatened", modality="hypothetical")
    w.flush()
    merge_events(store)
    return store


def test_reactions_near_the_dyad_events(rus_prk):
    found = reactions(rus_prk, "RUS", "PRK")
    got = [(r.reactor, r.toward, r.event.code, r.days) for r in found]
    assert got[0] == ("USA", "RUS", "111", 2)  # three outlets, strong, two days after
    assert set(got) == {("USA", "RUS", "111", 2), ("USA", "PRK", "012", 1),
                        ("KOR", "PRK", "130", -3), ("JPN", "PRK", "163", 7),
                        ("CHN", "RUS", "051", 1)}
    by_code = {r.event.code: r for r in found}
    assert by_code["163"].anchor.code == "072"  # nearest dyad event: the munitions shipment
    assert by_code["012"].anchor.code == "062"
    assert by_code["130"].score < by_code["012"].score * 4  # halved for preceding its anchor
    summary = summarise_reactions(found)
    assert summary[0].reactor == "USA" and summary[0].toward == {"RUS": 1, "PRK": 1}
    # military anchors only: the visit is not one, so China's praise drops out
    military = reactions(rus_prk, "RUS", "PRK", dimension="military")
    assert "CHN" not in {r.reactor for r in military}
    narrow = reactions(rus_prk, "RUS", "PRK", window=1)
    assert {r.event.code for r in narrow} == {"012", "051"}
    assert reactions(rus_prk, "RUS", "PRK", limit=2)[0].reactor == "USA"
