"""Constructed stores for the brief and plot tests.

``insert_seed_events`` stores the seed article with the events the coder is specified to find in
it (issue 3: the planned visit, the September 2023 meeting at Vostochny, Kim's support, Putin's
2000 visit, US concern, sanctions, the economic prospects, CNA/Wikipedia as cited sources), built
as real :class:`Event` records with offsets into the article, so the brief is tested on the
shape of data the coder writes even before the coder runs.  ``insert_followup`` adds two
articles written for these tests (not real reporting) so series, shifts and references across
outlets have something to work on.
"""
from __future__ import annotations

from pathlib import Path

from detente.events.cameo import cameo_info
from detente.records import Event, Evidence, Place, content_id, event_id
from detente.store import Store

SEED = Path(__file__).resolve().parents[1] / "demo" / "putin-north-korea-visit.txt"
SEED_TITLE = "Putin's Historic Visit to North Korea: Strategic and Diplomatic Implications"

ACTORS = {
    "RUSGOV": ("RUS", "Vladimir Putin"),
    "PRKGOV": ("PRK", "Kim Jong Un"),
    "RUS": ("RUS", None),
    "PRK": ("PRK", None),
    "USAGOV": ("USA", None),
    "USA": ("USA", None),
    "WST": (None, None),
    "CHNGOV": ("CHN", None),
    "KORGOV": ("KOR", None),
}


def make_event(article_id: str, text: str, sentence_start_text: str, trigger: str,
               source: str, target: str, code: str, modality: str = "occurred",
               date: str | None = None, precision: str | None = None,
               place: Place | None = None, cited: tuple[str, ...] = (),
               asserted_by: str | None = None, sentence_index: int | None = None) -> Event:
    start = text.index(sentence_start_text)
    end = text.find(". ", start)
    end = len(text) if end < 0 else end + 1
    nl = text.find("\n", start)
    if 0 <= nl < end:
        end = nl
    sentence = text[start:end]
    t_start = text.index(trigger, start)
    info = cameo_info(code)
    index = sentence_index if sentence_index is not None else text[:start].count(". ") + text[:start].count("\n")
    return Event(
        id=event_id(article_id, index, t_start, source, target, code),
        source=source, target=target, code=code, root=info.root, quad_class=info.quad_class,
        goldstein=info.goldstein, plover=info.plover, plover_mode=info.plover_mode,
        modality=modality, date=date, date_precision=precision, place=place,
        evidence=Evidence(article_id=article_id, sentence_index=index, sentence=sentence,
                          sentence_start=start, trigger=trigger, trigger_start=t_start,
                          trigger_end=t_start + len(trigger), asserted_by=asserted_by,
                          cited_sources=list(cited)),
        source_country=ACTORS[source][0], target_country=ACTORS[target][0],
        source_name=ACTORS[source][1], target_name=ACTORS[target][1])


def add_article(store: Store, text: str, title: str | None, date: str | None,
                outlet: str | None, url: str | None, events_of, source_path: str | None = None,
                also: tuple[tuple[str, str], ...] = (), in_transaction: bool = False) -> str:
    """Store one article with its events; ``in_transaction`` when the caller batches many."""
    if not in_transaction:
        with store.transaction():
            return add_article(store, text, title, date, outlet, url, events_of, source_path,
                               also, in_transaction=True)
    article_id = content_id(text, title)
    events = events_of(article_id, text)
    con = store.con
    con.execute(
        "INSERT INTO articles (id, title, text, date, outlet, url, source_path, canonical_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [article_id, title, text, date, outlet, url, source_path, article_id])
    for o, u in ((outlet, url),) + also:
        con.execute("INSERT INTO article_sources (article_id, outlet, url, title, date) "
                    "VALUES (?, ?, ?, ?, ?)", [article_id, o, u, title, date])
    store.replace_events(article_id, events, "test-coder")
    return article_id


def add_articles(store: Store, items: list[dict]) -> list[str]:
    """Store many articles at once: ``items`` are add_article's keyword arguments.  Rows are
    built with the store's own ``event_row`` and inserted as three bulk inserts, because
    per-article ``replace_events`` costs ~0.1 s each and the plot tests need a hundred."""
    import pandas as pd

    arts, sources, events, ids = [], [], [], []
    for item in items:
        text, title = item["text"], item.get("title")
        article_id = content_id(text, title)
        ids.append(article_id)
        arts.append({"id": article_id, "title": title, "text": text, "date": item.get("date"),
                     "outlet": item.get("outlet"), "url": item.get("url"),
                     "canonical_id": article_id})
        sources.append({"article_id": article_id, "outlet": item.get("outlet"),
                        "url": item.get("url"), "title": title, "date": item.get("date")})
        events += [Store.event_row(ev, "test-coder") for ev in item["events_of"](article_id, text)]
    articles_df = pd.DataFrame(arts)  # noqa: F841 - read by name in the SQL below
    sources_df = pd.DataFrame(sources)  # noqa: F841
    events_df = pd.DataFrame(events, columns=list(Store.EVENT_COLUMNS))  # noqa: F841
    with store.transaction() as con:
        con.execute("INSERT INTO articles (id, title, text, date, outlet, url, canonical_id) "
                    "SELECT id, title, text, date, outlet, url, canonical_id FROM articles_df")
        con.execute("INSERT INTO article_sources (article_id, outlet, url, title, date) "
                    "SELECT article_id, outlet, url, title, date FROM sources_df")
        con.execute(f"INSERT INTO events ({', '.join(Store.EVENT_COLUMNS)}) "
                    f"SELECT {', '.join(Store.EVENT_COLUMNS)} FROM events_df")
    return ids


def seed_events(article_id: str, text: str) -> list[Event]:
    e = lambda *a, **k: make_event(article_id, text, *a, **k)  # noqa: E731
    vostochny = Place("Vostochny Cosmodrome", "RUS")
    return [
        e("Russian President Vladimir Putin’s upcoming visit", "visit", "RUSGOV", "PRK", "042",
          modality="planned"),
        e("This visit, at the invitation", "invitation", "PRKGOV", "RUSGOV", "036",
          modality="occurred"),
        e("The announcement of Putin’s visit follows", "meeting", "RUSGOV", "PRKGOV", "040",
          date="2023-09", precision="month", place=vostochny),
        e("The announcement of Putin’s visit follows", "meeting", "PRKGOV", "RUSGOV", "040",
          date="2023-09", precision="month", place=vostochny),
        e("During this meeting, Kim Jong Un expressed", "support", "PRKGOV", "RUS", "051",
          date="2023-09", precision="month", cited=("Wikipedia", "CNA")),
        e("During this meeting, Kim Jong Un expressed", "reciprocated", "RUSGOV", "PRKGOV", "051",
          date="2023-09", precision="month", cited=("Wikipedia", "CNA")),
        e("This visit will be Putin’s first", "first", "RUSGOV", "PRK", "042",
          date="2000", precision="year", cited=("Wikipedia", "CNA")),
        e("For Russia, strengthening ties", "sanctions", "WST", "RUS", "163"),
        e("This partnership is particularly significant", "benefit", "RUS", "PRK", "062",
          modality="hypothetical", cited=("Wikipedia", "CNA")),
        e("North Korea, facing severe economic challenges", "aid", "RUS", "PRK", "071",
          modality="hypothetical"),
        e("Moreover, the potential for joint ventures", "joint ventures", "RUS", "PRK", "061",
          modality="hypothetical", cited=("CNA",)),
        e("Moreover, the potential for joint ventures", "joint ventures", "PRK", "RUS", "061",
          modality="hypothetical", cited=("CNA",)),
        e("The United States has already expressed", "apprehensions", "USAGOV", "RUS", "012",
          cited=("CNA",)),
        e("The United States has already expressed", "apprehensions", "USAGOV", "PRK", "012",
          cited=("CNA",)),
    ]


def insert_seed_events(store: Store) -> str:
    text = SEED.read_text(encoding="utf-8")
    return add_article(store, text, SEED_TITLE, None, None, None, seed_events,
                       source_path="demo/putin-north-korea-visit.txt")


# Two short reports written for these tests, in the style of wire copy.
FOLLOWUP_1 = (
    "Vladimir Putin arrived in Pyongyang on Wednesday for talks with Kim Jong Un. "
    "The two leaders signed a comprehensive strategic partnership treaty on June 19. "
    "Washington criticised the agreement, according to a State Department spokesman.")
FOLLOWUP_2 = (
    "North Korea fired artillery shells near the border with South Korea on Monday. "
    "Seoul condemned the firing as a provocation.")


def followup_events(article_id: str, text: str) -> list[Event]:
    e = lambda *a, **k: make_event(article_id, text, *a, **k)  # noqa: E731
    if text == FOLLOWUP_1:
        return [
            e("Vladimir Putin arrived", "arrived", "RUSGOV", "PRK", "042",
              date="2024-06-19", precision="day", place=Place("Pyongyang", "PRK")),
            e("The two leaders signed", "signed", "RUSGOV", "PRKGOV", "057",
              date="2024-06-19", precision="day"),
            e("The two leaders signed", "signed", "PRKGOV", "RUSGOV", "057",
              date="2024-06-19", precision="day"),
            e("Washington criticised", "criticised", "USAGOV", "RUS", "111",
              date="2024-06-20", precision="day", asserted_by="State Department spokesman"),
        ]
    return [
        e("North Korea fired artillery", "fired", "PRK", "KORGOV", "194",
          date="2024-07-01", precision="day"),
        e("Seoul condemned", "condemned", "KORGOV", "PRK", "111", date="2024-07-01", precision="day"),
    ]


def insert_followup(store: Store) -> list[str]:
    return [
        add_article(store, FOLLOWUP_1, "Putin and Kim sign partnership treaty", "2024-06-20",
                    "Example Wire", "https://example.org/wire/putin-kim-treaty", followup_events,
                    also=(("Example Daily", "https://daily.example.net/world/putin-kim"),)),
        add_article(store, FOLLOWUP_2, "Artillery fire near the border", "2024-07-01T09:30:00+09:00",
                    "Example Times", None, followup_events),
    ]
