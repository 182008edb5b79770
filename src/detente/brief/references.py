"""Numbered references: each cited article gets a number the first time a statement cites it,
and the list at the end gives its outlet, date, title and URL from ``articles`` and every other
place it was seen from ``article_sources`` (syndicated copies keep their own outlet)."""
from __future__ import annotations

from typing import Iterable

from ..store import Store
from .model import Reference


class ReferenceList:
    def __init__(self) -> None:
        self._numbers: dict[str, int] = {}

    def cite(self, article_ids: Iterable[str], limit: int | None = None) -> list[int]:
        """Numbers for ``article_ids`` (assigned on first citation), at most ``limit`` of them."""
        numbers: list[int] = []
        for article_id in article_ids:
            if limit is not None and len(numbers) >= limit:
                break
            if article_id not in self._numbers:
                self._numbers[article_id] = len(self._numbers) + 1
            if self._numbers[article_id] not in numbers:
                numbers.append(self._numbers[article_id])
        return sorted(numbers)

    def __len__(self) -> int:
        return len(self._numbers)

    def resolve(self, store: Store) -> list[Reference]:
        if not self._numbers:
            return []
        ids = list(self._numbers)
        marks = ", ".join("?" for _ in ids)
        articles = {r["id"]: r for r in store.query(
            f"SELECT id, title, date, outlet, url, source_path FROM articles WHERE id IN ({marks})", ids)}
        sightings: dict[str, list[dict]] = {}
        for row in store.query(
                f"SELECT article_id, outlet, url, title, date FROM article_sources "
                f"WHERE article_id IN ({marks}) ORDER BY article_id, date NULLS LAST, outlet, url", ids):
            sightings.setdefault(row["article_id"], []).append(row)

        refs = []
        for article_id, number in sorted(self._numbers.items(), key=lambda kv: kv[1]):
            art = articles.get(article_id, {})
            seen = sightings.get(article_id, [])
            first = seen[0] if seen else {}
            ref = Reference(
                number=number, article_id=article_id,
                title=art.get("title") or first.get("title"),
                date=_day(art.get("date") or first.get("date")),
                outlet=art.get("outlet") or first.get("outlet"),
                url=art.get("url") or first.get("url"),
                source_path=art.get("source_path"))
            for row in seen:
                place = (row["outlet"], row["url"])
                if place != (ref.outlet, ref.url) and place not in ref.also and any(place):
                    ref.also.append(place)
            refs.append(ref)
        return refs


def _day(value: str | None) -> str | None:
    """References show the publication day, not a timestamp with zone."""
    return value[:10] if value else None
