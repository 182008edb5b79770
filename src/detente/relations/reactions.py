"""Reactions: what third parties did towards either member of a dyad around the dyad's own events
(the United States expressing concern at Russia, or at North Korea, days after a Russia-North
Korea arms deal).

Window: a third party's event counts when it falls within ``window`` days (default 14) of one
of the dyad's events (the *anchor*, the nearest one; the best-ranked anchor of a day stands for
that day).  Both directions count, because a warning can precede the act it warns about.

Rank: ``n_reports * (1 + |Goldstein|) * exp(-|days| / window)``, halved when the reaction comes
before its anchor.  Widely reported, strong and prompt responses rank first; a response is
more likely a reaction when it follows the event than when it precedes it.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Iterable, Optional

from .common import (DEFAULT_MODALITIES, EventSummary, EventTable, RelationsError, Source,
                     check_modalities, check_party, lit, lit_list, parse_day, party_sql,
                     rank_sql)
from .series import event_filter

DEFAULT_WINDOW = 14
BEFORE_WEIGHT = 0.5


@dataclass
class Reaction:
    reactor: str          # the third party (country or actor code)
    toward: str           # which dyad member the event is aimed at
    event: EventSummary   # the reaction itself, with its evidence
    anchor: EventSummary  # the dyad event it is nearest to
    days: int             # reaction day - anchor day (negative: before the anchor)
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {"reactor": self.reactor, "toward": self.toward, "days": self.days,
                "score": round(self.score, 4), "event": self.event.to_dict(),
                "anchor": self.anchor.to_dict()}


@dataclass
class ReactorSummary:
    reactor: str
    n_reactions: int
    score: float
    goldstein_mean: Optional[float]
    toward: dict[str, int]


def reactions(source: Source, a: str, b: str, start: Any = None, end: Any = None, *,
              window: int = DEFAULT_WINDOW, dimension: Optional[str] = None,
              reports: bool = False, modalities: Iterable[str] = DEFAULT_MODALITIES,
              limit: int = 20, articles: bool = False) -> list[Reaction]:
    """Third parties' events aimed at ``a`` or ``b`` near the ``a``-``b`` dyad's own events,
    best first.  ``dimension`` restricts the anchors (e.g. ``military``: reactions to the
    pair's military cooperation).  ``articles``: fill in each event's article title, outlet,
    URL and date."""
    a, b = check_party(a, "a"), check_party(b, "b")
    if a == b:
        raise RelationsError(f"a and b are both {a}: a dyad needs two parties")
    if window < 0:
        raise RelationsError("window: must be 0 or more days")
    mods = check_modalities(modalities)
    start_d, end_d = parse_day(start, "start"), parse_day(end, "end")
    t = EventTable(source, reports=reports)
    anchor_where = event_filter(t, a, b, start=start_d, end=end_d, directed=False,
                                modalities=mods, dimension=dimension)
    sp, tp = party_sql("source"), party_sql("target")
    cand_conds = [f"event_day IS NOT NULL", f"modality IN {lit_list(mods)}",
                  f"{tp} IN {lit_list((a, b))}", f"{sp} NOT IN {lit_list((a, b))}",
                  f"{sp} IS NOT NULL", f"coalesce(left(source, 3), '') NOT IN {lit_list((a, b))}"]
    if start_d:
        cand_conds.append(f"event_day >= {lit(start_d - dt.timedelta(days=window))}")
    if end_d:
        cand_conds.append(f"event_day <= {lit(end_d + dt.timedelta(days=window))}")
    # Candidates stay narrow (ids, days, scores) until the best ``limit`` are chosen; only
    # those are read in full.
    with t.snapshot():
        rows = t.records(f"""
        WITH anchors AS (
            SELECT event_day AS aday, max_by({t.pick_sql()}, {rank_sql(t)}) AS anchor_pick
            FROM {{t}} WHERE {anchor_where}
            GROUP BY event_day
        ), bounds AS (SELECT min(aday) AS lo, max(aday) AS hi FROM anchors),
        cand AS (
            SELECT id, {t.pick_sql()} AS pick, event_day, goldstein, {t.n_reports()} AS nrep,
                   {sp} AS reactor, {tp} AS toward
            FROM {{t}}, bounds
            WHERE {' AND '.join(cand_conds)}
              AND event_day BETWEEN bounds.lo - {int(window)} AND bounds.hi + {int(window)}
        ), prev AS (
            SELECT cand.id, anchors.aday AS pday, anchors.anchor_pick AS pid
            FROM cand ASOF JOIN anchors ON cand.event_day >= anchors.aday
        ), nxt AS (
            SELECT cand.id, anchors.aday AS nday, anchors.anchor_pick AS nid
            FROM cand ASOF JOIN anchors ON cand.event_day <= anchors.aday
        ), near AS (
            SELECT cand.*,
                   CASE WHEN nxt.nday IS NULL OR (prev.pday IS NOT NULL
                             AND cand.event_day - prev.pday <= nxt.nday - cand.event_day)
                        THEN prev.pid ELSE nxt.nid END AS anchor,
                   CASE WHEN nxt.nday IS NULL OR (prev.pday IS NOT NULL
                             AND cand.event_day - prev.pday <= nxt.nday - cand.event_day)
                        THEN cand.event_day - prev.pday ELSE cand.event_day - nxt.nday END AS days
            FROM cand LEFT JOIN prev ON prev.id = cand.id LEFT JOIN nxt ON nxt.id = cand.id
        )
        SELECT id, pick, reactor, toward, anchor, days,
               nrep * (1 + abs(coalesce(goldstein, 0)))
                  * exp(-abs(days) / {max(float(window), 0.5)})
                  * CASE WHEN days < 0 THEN {BEFORE_WEIGHT} ELSE 1 END AS score
        FROM near
        WHERE anchor IS NOT NULL AND abs(days) <= {int(window)}
        ORDER BY score DESC, event_day, id
        LIMIT {int(limit)}""")
        events = t.fetch("true", [r["pick"] for r in rows] + [r["anchor"] for r in rows],
                         articles=articles)
    return [Reaction(reactor=r["reactor"], toward=r["toward"], event=events[r["pick"]],
                     anchor=events[r["anchor"]], days=int(r["days"]), score=float(r["score"]))
            for r in rows]


def summarise_reactions(found: list[Reaction]) -> list[ReactorSummary]:
    """Reactions grouped by the third party, strongest total first."""
    groups: dict[str, list[Reaction]] = defaultdict(list)
    for r in found:
        groups[r.reactor].append(r)
    out = []
    for reactor, items in groups.items():
        scores = [r.event.goldstein for r in items if r.event.goldstein is not None]
        toward: dict[str, int] = defaultdict(int)
        for r in items:
            toward[r.toward] += 1
        out.append(ReactorSummary(reactor=reactor, n_reactions=len(items),
                                  score=sum(r.score for r in items),
                                  goldstein_mean=sum(scores) / len(scores) if scores else None,
                                  toward=dict(toward)))
    return sorted(out, key=lambda s: (-s.score, s.reactor))
