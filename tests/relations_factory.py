"""Constructed stores for the relations tests: articles, their outlets and coded events written
through the store's own API, so the tests see exactly what ingest + coder would leave."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Optional

from detente.events.cameo import cameo_info
from detente.records import Event, Evidence, Place, event_id
from detente.store import Store

_COUNTRY = {"USA", "RUS", "PRK", "CHN", "KOR", "JPN", "UKR", "FRA", "DEU", "GBR", "IRN", "ISR",
            "IND", "PAK", "BRA", "ARG", "EGY", "TUR", "SYR", "VNM", "SGP"}


class World:
    """Builder: ``w.article(...)`` then ``w.event(...)`` any number of times, then ``w.flush()``.

    Rows are written in bulk at ``flush`` (the events through the store's own row format),
    because row-at-a-time inserts would make a test of a few hundred events take seconds."""

    def __init__(self, store: Store):
        self.store = store
        self.events: dict[str, list[Event]] = defaultdict(list)
        self._articles: list[dict] = []
        self._sources: list[dict] = []
        self._n = 0

    def article(self, outlet: Optional[str], date: Optional[str], title: str = "",
                also: tuple[tuple[str, str], ...] = (), copy_of: Optional[str] = None) -> str:
        """A new article; ``copy_of``: a near-duplicate of that article (stored, not coded, as
        ingest does)."""
        self._n += 1
        art_id = f"art{self._n:05d}"
        self._articles.append({
            "id": art_id, "title": title or f"story {self._n}", "text": f"text of story {self._n}",
            "date": date,
            "published": (dt.datetime.fromisoformat(date).replace(tzinfo=dt.timezone.utc)
                          if date else None),
            "outlet": outlet, "url": f"https://example.org/{art_id}",
            "canonical_id": copy_of or art_id})
        self._sources.append({"article_id": art_id, "outlet": outlet,
                              "url": f"https://example.org/{art_id}", "date": date})
        for other_outlet, url in also:
            self._sources.append({"article_id": art_id, "outlet": other_outlet, "url": url,
                                  "date": date})
        self.events.setdefault(art_id, [])
        return art_id

    def add_source(self, art_id: str, outlet: str, url: str, date: Optional[str] = None) -> None:
        """Another place an already stored article was seen (written at once)."""
        self.store.con.execute(
            "INSERT INTO article_sources (article_id, outlet, url, date) VALUES (?, ?, ?, ?)",
            [art_id, outlet, url, date])

    def event(self, article_id: str, source: str, target: str, code: str,
              date: Optional[str] = None, precision: Optional[str] = None,
              modality: str = "occurred", sentence: str = "", trigger: str = "met",
              place: Optional[str] = None, place_country: Optional[str] = None,
              source_name: Optional[str] = None, target_name: Optional[str] = None) -> Event:
        info = cameo_info(code)
        idx = len(self.events[article_id])
        if precision is None and date:
            precision = {4: "year", 7: "month"}.get(len(date), "day")
        ev = Event(
            id=event_id(article_id, idx, 0, source, target, code),
            source=source, target=target, code=info.code, root=info.root,
            quad_class=info.quad_class, goldstein=info.goldstein, plover=info.plover,
            plover_mode=info.plover_mode, modality=modality, date=date, date_precision=precision,
            place=Place(place, place_country) if place else None,
            evidence=Evidence(article_id=article_id, sentence_index=idx,
                              sentence=sentence or f"{source} {trigger} {target}.",
                              sentence_start=0, trigger=trigger, trigger_start=0,
                              trigger_end=len(trigger)),
            source_country=source[:3] if source[:3] in _COUNTRY else None,
            target_country=target[:3] if target[:3] in _COUNTRY else None,
            source_name=source_name, target_name=target_name)
        self.events[article_id].append(ev)
        return ev

    def flush(self) -> None:
        """Write pending articles and sources, and replace the events of every article given
        events since the last flush (as re-coding an article does)."""
        con = self.store.con
        with self.store.transaction():
            if self._articles:
                _bulk(con, "articles", self._articles)
                _bulk(con, "article_sources", self._sources)
            ids = list(self.events)
            if ids:
                con.execute("DELETE FROM events WHERE article_id IN (SELECT unnest(?))", [ids])
                rows = [dict(zip(Store.EVENT_COLUMNS, Store.event_row(ev, "test")))
                        for evs in self.events.values() for ev in evs]
                if rows:
                    _bulk(con, "events", rows)
        self._articles, self._sources = [], []
        self.events.clear()


def _bulk(con, table: str, rows: list[dict]) -> None:
    import pyarrow as pa

    cols = list(rows[0])
    data = pa.Table.from_pylist(rows)
    con.register("_factory_rows", data)
    try:
        con.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(cols)} "
                    "FROM _factory_rows")
    finally:
        con.unregister("_factory_rows")


def day(s: str) -> dt.date:
    return dt.date.fromisoformat(s)
