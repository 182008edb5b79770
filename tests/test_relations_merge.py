"""Event merging on constructed stores: syndicated reports of one event become one merged event
with all its evidence; distinct events stay apart; plans link to occurrences; disagreements are
flagged; incremental merging equals merging from scratch."""
from __future__ import annotations

import pytest

from detente.relations import dyad_series, merge_events, merged_members, unmerged_reports
from detente.store import Store
from relations_factory import World

SUMMIT = [
    ("Reuters", "2018-06-12", "USAGOV", "PRKGOV", "044", "2018-06-12",
     "Donald Trump and Kim Jong Un met in Singapore on Tuesday for a historic summit."),
    ("Associated Press", "2018-06-12", "USAGOV", "PRKGOV", "040", "2018-06-12",
     "President Trump shook hands with North Korean leader Kim Jong Un at a Singapore hotel."),
    ("BBC News", "2018-06-13", "PRKGOV", "USAGOV", "040", "2018-06-12",
     "Kim Jong Un and Donald Trump held talks on Sentosa island in Singapore."),
    ("Fox News", "2018-06-13", "USAGOV", "PRKGOV", "044", "2018-06-12",
     "Trump met Kim in Singapore, the first meeting between sitting leaders of the two countries."),
    # month precision: joins the day-precise event of that month, and is no date disagreement
    ("Vox", "2018-06-20", "USAGOV", "PRKGOV", "040", "2018-06",
     "When Trump and Kim met in Singapore in June, the two men signed a vague statement."),
]


def add_summit(w: World, syndicated_to: tuple[tuple[str, str], ...] = ()) -> list[str]:
    ids = []
    for i, (outlet, pub, src, tgt, code, date, sentence) in enumerate(SUMMIT):
        art = w.article(outlet, pub, also=syndicated_to if i == 0 else ())
        w.event(art, src, tgt, code, date, sentence=sentence, trigger="met",
                place="Singapore", place_country="SGP",
                source_name="Donald Trump" if src.startswith("USA") else "Kim Jong Un",
                target_name="Kim Jong Un" if src.startswith("USA") else "Donald Trump")
        ids.append(art)
    return ids


def merged(store: Store) -> list[dict]:
    return store.query("SELECT * FROM merged_events ORDER BY event_day, id")


def test_syndicated_reports_become_one_event_with_all_evidence(store):
    w = World(store)
    arts = add_summit(w, syndicated_to=(("Yahoo News", "https://yahoo.example/a"),
                                        ("MSN", "https://msn.example/a")))
    w.article("The Straits Times", "2018-06-12", copy_of=arts[0])  # a lightly edited copy
    w.flush()
    report = merge_events(store)
    assert report.reports == 5 and report.merged == 1
    (m,) = merged(store)
    assert m["n_reports"] == 5 and m["n_articles"] == 5
    # five outlets, two that carried the Reuters story, one that ran a near-copy of it
    assert m["n_outlets"] == 8
    assert set(m["outlets"]) == {"Reuters", "Associated Press", "BBC News", "Fox News", "Vox",
                                 "Yahoo News", "MSN", "The Straits Times"}
    assert m["date"] == "2018-06-12" and m["date_precision"] == "day"
    assert m["disagreement"] is False
    assert m["first_seen"].date().isoformat() == "2018-06-12"
    assert m["last_seen"].date().isoformat() == "2018-06-20"
    assert m["place_country"] == "SGP" and "diplomatic" in m["dimensions"]
    members = merged_members(store, m["id"])
    assert {r["article_id"] for r in members} == set(arts)
    assert {r["sentence"] for r in members} == {s[-1] for s in SUMMIT}
    # series count one event, five reports; --reports counts the reports
    (p,) = [p for p in dyad_series(store, "USA", "PRK") if p.n_events]
    assert (p.n_events, p.n_reports) == (1, 5)
    assert p.top_events[0].n_outlets == 8
    (r,) = [p for p in dyad_series(store, "USA", "PRK", reports=True) if p.n_events]
    assert (r.n_events, r.n_reports) == (5, 5)


def test_same_dyad_and_code_on_different_dates_stay_apart(store):
    w = World(store)
    for date, place, pc in (("2019-02-27", "Hanoi", "VNM"), ("2019-06-30", "Panmunjom", "KOR"),
                            ("2018-06-12", "Singapore", "SGP")):
        for outlet in ("CNN", "NPR"):
            art = w.article(outlet, date)
            w.event(art, "USAGOV", "PRKGOV", "040", date, place=place, place_country=pc,
                    sentence=f"Trump and Kim met in {place}.", source_name="Donald Trump",
                    target_name="Kim Jong Un")
    # three days apart, same wording and no place: still two events
    for date in ("2017-08-08", "2017-08-11"):
        art = w.article("Fox News", date)
        w.event(art, "USAGOV", "PRKGOV", "138", date, trigger="threatened",
                sentence="Trump threatened North Korea with fire and fury.")
    w.flush()
    merge_events(store)
    rows = merged(store)
    assert [(r["date"], r["n_reports"]) for r in rows] == [
        ("2017-08-08", 1), ("2017-08-11", 1), ("2018-06-12", 2), ("2019-02-27", 2),
        ("2019-06-30", 2)]


def test_direction_places_and_wording_keep_distinct_events_apart(store):
    w = World(store)
    a1 = w.article("Reuters", "2020-01-05")
    w.event(a1, "USAGOV", "IRNGOV", "111", "2020-01-05", trigger="condemned",
            sentence="Washington condemned Tehran over the attack on the embassy.")
    w.event(a1, "IRNGOV", "USAGOV", "111", "2020-01-05", trigger="condemned",
            sentence="Tehran condemned Washington over the killing of its general.")
    # one fight reported in two provinces of different countries on one day
    a2 = w.article("BBC News", "2020-01-06")
    w.event(a2, "TURMIL", "SYRMIL", "193", "2020-01-06", place="Idlib", place_country="SYR",
            trigger="clashed", sentence="Turkish and Syrian troops clashed near Idlib.")
    a3 = w.article("CNN", "2020-01-06")
    w.event(a3, "TURMIL", "SYRMIL", "193", "2020-01-06", place="Hatay", place_country="TUR",
            trigger="clashed", sentence="Syrian troops clashed with Turkish forces in Hatay.")
    # two unrelated statements by one side on one day (speech acts need similar wording)
    a4 = w.article("NPR", "2020-01-07")
    w.event(a4, "USAGOV", "IRNGOV", "010", "2020-01-07", trigger="said",
            sentence="The State Department said Iran's currency collapse reflects years of mismanagement.")
    a5 = w.article("Politico", "2020-01-07")
    w.event(a5, "USAGOV", "IRNGOV", "010", "2020-01-07", trigger="said",
            sentence="Pompeo said the United States remained open to talks without preconditions.")
    w.flush()
    merge_events(store)
    rows = merged(store)
    assert len(rows) == 6
    assert all(r["n_reports"] == 1 for r in rows)


def test_hosting_and_visiting_are_one_visit(store):
    w = World(store)
    a1 = w.article("TASS", "2024-06-19")
    w.event(a1, "RUSGOV", "PRKGOV", "042", "2024-06-19", trigger="arrived",
            sentence="Vladimir Putin arrived in Pyongyang for a state visit.", place="Pyongyang",
            place_country="PRK")
    a2 = w.article("KCNA Watch", "2024-06-19")
    w.event(a2, "PRKGOV", "RUSGOV", "043", "2024-06-19", trigger="welcomed",
            sentence="Kim Jong Un welcomed Vladimir Putin at Pyongyang airport.", place="Pyongyang",
            place_country="PRK")
    w.flush()
    merge_events(store)
    (m,) = merged(store)
    assert (m["code"], m["source_country"], m["target_country"]) == ("042", "RUS", "PRK")
    assert m["n_reports"] == 2


def test_disagreement_on_date_and_modality(store):
    w = World(store)
    a1 = w.article("Reuters", "2023-09-13")
    w.event(a1, "RUSGOV", "PRKGOV", "040", "2023-09-13", trigger="met", place="Vostochny",
            sentence="Putin met Kim at the Vostochny cosmodrome on Wednesday.")
    a2 = w.article("CNN", "2023-09-14")
    w.event(a2, "RUSGOV", "PRKGOV", "040", "2023-09-14", trigger="met", place="Vostochny",
            sentence="Putin and Kim met at the Vostochny cosmodrome in Russia's Far East.")
    a3 = w.article("Fox News", "2023-09-13")
    w.event(a3, "RUSGOV", "PRKGOV", "040", "2023-09", trigger="met", place="Vostochny cosmodrome",
            sentence="Putin met Kim at Vostochny this month.")
    # arms transfer: one outlet reports it, one reports a claim, one a denial
    for outlet, modality, sentence in (
            ("NYT", "occurred", "North Korea shipped artillery shells to Russia."),
            ("Washington Times", "claimed", "North Korea shipped artillery shells to Russia, "
                                            "US officials said."),
            ("RT", "negated", "Moscow denied that North Korea shipped artillery shells to Russia.")):
        art = w.article(outlet, "2023-10-13")
        w.event(art, "PRKGOV", "RUSGOV", "072", "2023-10-13", modality=modality,
                trigger="shipped", sentence=sentence)
    w.flush()
    merge_events(store)
    meet, arms = merged(store)
    assert meet["n_reports"] == 3 and meet["disagreement"] and meet["disagrees_on"] == ["date"]
    assert arms["n_reports"] == 3 and arms["disagrees_on"] == ["modality"]
    assert arms["modality"] == "claimed"  # three-way tie: contested
    assert "military" in arms["dimensions"]


def test_planned_event_links_to_its_occurrence(store):
    w = World(store)
    # announced in May for June: links to the June summit
    p1 = w.article("Reuters", "2018-05-10")
    w.event(p1, "USAGOV", "PRKGOV", "044", "2018-06-12", modality="planned", trigger="meet",
            sentence="Trump will meet Kim in Singapore on June 12.")
    # an expression of intent with no date: links to the first meeting within a year
    p2 = w.article("CNN", "2018-03-09")
    w.event(p2, "USAGOV", "PRKGOV", "036", "2018-03-09", trigger="agreed",
            sentence="Trump agreed to meet Kim Jong Un.")
    # a plan that never happened
    p3 = w.article("NPR", "2019-10-01")
    w.event(p3, "USAGOV", "PRKGOV", "042", "2020-03", modality="planned", trigger="visit",
            sentence="Trump will visit Pyongyang in March.")
    add_summit(w)
    w.flush()
    report = merge_events(store)
    rows = {r["sentence"]: r for r in merged(store)}
    occurred = [r for r in rows.values() if r["modality"] == "occurred" and r["code"] != "036"]
    assert len(occurred) == 1
    summit = occurred[0]
    assert rows["Trump will meet Kim in Singapore on June 12."]["planned_link"] == summit["id"]
    assert rows["Trump agreed to meet Kim Jong Un."]["planned_link"] == summit["id"]
    assert rows["Trump will visit Pyongyang in March."]["planned_link"] is None
    assert report.planned_links == 2
    # planned events are not counted in the default series
    counted = sum(p.n_events for p in dyad_series(store, "USA", "PRK"))
    assert counted == 2  # the summit and the (occurred) expression of intent


def test_incremental_merge_equals_merge_from_scratch(tmp_path):
    def batch1(w: World) -> None:
        add_summit(w)
        a = w.article("CNN", "2019-02-28")
        w.event(a, "USAGOV", "PRKGOV", "040", "2019-02-28", place="Hanoi", place_country="VNM",
                sentence="Trump and Kim met in Hanoi.")
        c = w.article("BBC News", "2017-09-19")
        w.event(c, "USAGOV", "PRKGOV", "111", "2017-09-19", trigger="called",
                sentence="Trump called Kim 'Rocket Man' at the United Nations.")
        w.flush()

    def batch2(w: World) -> None:
        # new reports of an existing event, a new event, and a re-coded article
        a = w.article("NPR", "2019-02-28")
        w.event(a, "PRKGOV", "USAGOV", "040", "2019-02-27", place="Hanoi", place_country="VNM",
                sentence="Kim and Trump began their second summit in Hanoi.")
        b = w.article("Reuters", "2019-06-30")
        w.event(b, "USAGOV", "PRKGOV", "042", "2019-06-30", trigger="stepped",
                sentence="Trump stepped into North Korea at the DMZ.")
        w.event("art00002", "USAGOV", "PRKGOV", "040", "2018-06-12", modality="claimed",
                place="Singapore", place_country="SGP",
                sentence="President Trump shook hands with Kim Jong Un, the White House said.")
        w.flush()

    def batch3(w: World) -> None:
        # a syndicated copy seen at another outlet: provenance changes, no report does
        w.add_source("art00007", "The Guardian", "https://guardian.example/x", "2017-09-20")

    inc = Store(tmp_path / "inc.duckdb")
    w = World(inc)
    batch1(w)
    merge_events(inc)
    batch2(w)
    second = merge_events(inc)
    assert second.blocks_remerged == 1  # USA|PRK|04 only; the 11 block is untouched
    batch3(w)
    third = merge_events(inc)
    assert third.blocks_remerged == 0 and third.outlets_refreshed == 1
    assert merge_events(inc).blocks_remerged == 0  # nothing new: nothing re-merged

    scratch = Store(tmp_path / "scratch.duckdb")
    w2 = World(scratch)
    batch1(w2)
    batch2(w2)
    batch3(w2)
    merge_events(scratch, full=True)

    cols = ("id, block, source, target, code, modality, date, event_day, n_reports, n_articles, "
            "n_outlets, outlets, first_seen, last_seen, disagreement, disagrees_on, dimensions, "
            "planned_link, sentence, article_id")
    q = f"SELECT {cols} FROM merged_events ORDER BY id"
    assert inc.query(q) == scratch.query(q)
    qm = "SELECT event_id, merged_id, similarity FROM event_merge_members ORDER BY event_id"
    assert inc.query(qm) == scratch.query(qm)
    rocket = [r for r in inc.query(q) if r["code"] == "111"]
    assert rocket[0]["outlets"] == ["BBC News", "The Guardian"]
    assert unmerged_reports(inc) == 0
    inc.close()
    scratch.close()


def test_merge_needs_a_writable_store(tmp_path):
    from detente.store import StoreError

    Store(tmp_path / "s.duckdb").close()
    ro = Store(tmp_path / "s.duckdb", read_only=True)
    with pytest.raises(StoreError, match="read-write"):
        merge_events(ro)
    ro.close()


def test_one_sided_reports_merge_only_on_similar_words(store):
    # No counterpart named: "talks" on one day may be any talks, so wording must match
    w = World(store)
    for outlet, sentence in (
            ("Reuters", "Pompeo held talks in Brussels on NATO spending."),
            ("AP", "Pompeo held talks in Brussels on NATO spending, officials said."),
            ("CNN", "Pompeo met families of the hostages at the State Department.")):
        art = w.article(outlet, "2019-04-04")
        w.event(art, "USAGOV", "", "040", "2019-04-04", trigger="held talks", sentence=sentence)
    w.flush()
    merge_events(store)
    assert sorted(r["n_reports"] for r in merged(store)) == [1, 2]
