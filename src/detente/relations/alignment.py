"""Alignment: who lines up with whom over a period.

The network: one node per country, one edge per pair with events between them in the period,
carrying the pair's net cooperation index (``net_coop``, Goldstein-weighted, in [-1, 1]), its
event count and Goldstein sum.  Merged events by default; hypothetical, negated and planned
events are left out (``common.DEFAULT_MODALITIES``).

Blocs: Louvain community detection (networkx, seeded, so the same data gives the same blocs) on
the cooperative edges only, weighted by ``net_coop * ln(1 + events)`` so a relationship with
hundreds of cooperative events binds more than one with a single handshake.  Conflictual edges
are left out of the modularity graph: modularity has no notion of a negative tie, and a hostile
pair must not pull two countries into one bloc.

Partners: ranked by *affinity* ``sum(G) / (sum(|G|) + AFFINITY_PRIOR)``, the net cooperation
index shrunk towards 0 by a prior worth a couple of strong events, so a partner seen once does
not outrank one seen a hundred times with nearly the same index.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

import networkx as nx

from .common import (DEFAULT_MODALITIES, EventSummary, EventTable, RelationsError, Source,
                     check_modalities, check_party, lit, lit_list, parse_day, rank_key, rank_sql)

AFFINITY_PRIOR = 10.0


@dataclass
class Partner:
    country: str
    net_coop: Optional[float]
    affinity: float
    n_events: int
    goldstein_sum: float
    cooperation: int   # events in quad classes 1-2
    conflict: int      # 3-4
    evidence: list[EventSummary] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"country": self.country, "net_coop": self.net_coop,
                "affinity": round(self.affinity, 4), "n_events": self.n_events,
                "goldstein_sum": round(self.goldstein_sum, 3), "cooperation": self.cooperation,
                "conflict": self.conflict, "evidence": [e.to_dict() for e in self.evidence]}


@dataclass
class Alignment:
    country: str
    start: Optional[dt.date]
    end: Optional[dt.date]
    closest: list[Partner]
    hostile: list[Partner]
    bloc: list[str]          # the country's community in the period's network

    def to_dict(self) -> dict[str, Any]:
        return {"country": self.country,
                "start": self.start.isoformat() if self.start else None,
                "end": self.end.isoformat() if self.end else None,
                "closest": [p.to_dict() for p in self.closest],
                "hostile": [p.to_dict() for p in self.hostile], "bloc": self.bloc}


def _country_filter(start: Optional[dt.date], end: Optional[dt.date], mods: tuple[str, ...]) -> str:
    conds = ["event_day IS NOT NULL", f"modality IN {lit_list(mods)}",
             "source_country IS NOT NULL", "target_country IS NOT NULL",
             "source_country <> target_country"]
    if start:
        conds.append(f"event_day >= {lit(start)}")
    if end:
        conds.append(f"event_day <= {lit(end)}")
    return " AND ".join(conds)


def pair_stats(source: Source, start: Any = None, end: Any = None, *, reports: bool = False,
               modalities: Iterable[str] = DEFAULT_MODALITIES,
               country: Optional[str] = None) -> list[dict[str, Any]]:
    """Per unordered country pair: n_events, goldstein_sum, goldstein_abs, cooperation,
    conflict, net_coop (one SQL aggregation; ``country`` keeps only its pairs)."""
    mods = check_modalities(modalities)
    start_d, end_d = parse_day(start, "start"), parse_day(end, "end")
    t = EventTable(source, reports=reports)
    where = _country_filter(start_d, end_d, mods)
    if country:
        where += f" AND (source_country = {lit(country)} OR target_country = {lit(country)})"
    return t.records(f"""
        SELECT least(source_country, target_country) AS a,
               greatest(source_country, target_country) AS b,
               count(*) AS n_events,
               coalesce(sum(goldstein), 0) AS goldstein_sum,
               coalesce(sum(abs(goldstein)), 0) AS goldstein_abs,
               coalesce(sum((quad_class IN (1, 2))::INTEGER), 0) AS cooperation,
               coalesce(sum((quad_class IN (3, 4))::INTEGER), 0) AS conflict
        FROM {{t}} WHERE {where}
        GROUP BY 1, 2 ORDER BY 1, 2""")


def alignment_graph(source: Source, start: Any = None, end: Any = None, *,
                    reports: bool = False, modalities: Iterable[str] = DEFAULT_MODALITIES,
                    min_events: int = 1) -> nx.Graph:
    """Countries as nodes, pairs as edges with ``net_coop``, ``n_events``, ``goldstein_sum``,
    ``goldstein_abs``, ``cooperation``, ``conflict`` and ``weight`` (the bloc-detection weight,
    0 for non-cooperative pairs)."""
    g = nx.Graph()
    for r in pair_stats(source, start, end, reports=reports, modalities=modalities):
        if r["n_events"] < min_events:
            continue
        nc = r["goldstein_sum"] / r["goldstein_abs"] if r["goldstein_abs"] else None
        weight = max(nc or 0.0, 0.0) * math.log1p(r["n_events"])
        g.add_edge(r["a"], r["b"], net_coop=nc, n_events=int(r["n_events"]),
                   goldstein_sum=float(r["goldstein_sum"]),
                   goldstein_abs=float(r["goldstein_abs"]), cooperation=int(r["cooperation"]),
                   conflict=int(r["conflict"]), weight=weight)
    return g


def blocs(graph: nx.Graph, *, seed: int = 0, resolution: float = 1.0) -> list[list[str]]:
    """Communities of the cooperative subgraph, largest first (each sorted; countries with no
    cooperative tie are singletons)."""
    positive = nx.Graph()
    positive.add_nodes_from(graph.nodes)
    positive.add_edges_from((u, v, {"weight": d["weight"]})
                            for u, v, d in graph.edges(data=True) if d.get("weight", 0) > 0)
    if positive.number_of_edges() == 0:
        return [[n] for n in sorted(positive.nodes)]
    communities = nx.community.louvain_communities(positive, weight="weight", seed=seed,
                                                   resolution=resolution)
    return sorted((sorted(c) for c in communities), key=lambda c: (-len(c), c))


def align(source: Source, country: str, start: Any = None, end: Any = None, *, k: int = 5,
          reports: bool = False, modalities: Iterable[str] = DEFAULT_MODALITIES,
          n_evidence: int = 3, seed: int = 0, articles: bool = False) -> Alignment:
    """The ``k`` closest and ``k`` most hostile partners of ``country`` in the period, each with
    its strongest events as evidence, and the country's bloc.  ``articles``: fill in the
    evidence's article title, outlet, URL and date."""
    country = check_party(country, "country")
    mods = check_modalities(modalities)
    start_d, end_d = parse_day(start, "start"), parse_day(end, "end")
    if k < 1:
        raise RelationsError("k: must be at least 1")
    graph = alignment_graph(source, start_d, end_d, reports=reports, modalities=mods)
    if country not in graph:
        return Alignment(country, start_d, end_d, [], [], [country])
    partners = []
    for other in graph.neighbors(country):
        d = graph.edges[country, other]
        affinity = d["goldstein_sum"] / (d["goldstein_abs"] + AFFINITY_PRIOR)
        partners.append(Partner(country=other, net_coop=d["net_coop"], affinity=affinity,
                                n_events=d["n_events"], goldstein_sum=d["goldstein_sum"],
                                cooperation=d["cooperation"], conflict=d["conflict"]))
    closest = sorted((p for p in partners if p.affinity > 0),
                     key=lambda p: (-p.affinity, -p.n_events, p.country))[:k]
    hostile = sorted((p for p in partners if p.affinity < 0),
                     key=lambda p: (p.affinity, -p.n_events, p.country))[:k]
    if n_evidence > 0:
        t = EventTable(source, reports=reports)
        _attach_evidence(t, country, closest, +1, start_d, end_d, mods, n_evidence, articles)
        _attach_evidence(t, country, hostile, -1, start_d, end_d, mods, n_evidence, articles)
    bloc = next((c for c in blocs(graph, seed=seed) if country in c), [country])
    return Alignment(country, start_d, end_d, closest, hostile, bloc)


def _attach_evidence(t: EventTable, country: str, partners: list[Partner], sign: int,
                     start: Optional[dt.date], end: Optional[dt.date], mods: tuple[str, ...],
                     n: int, articles: bool) -> None:
    """The strongest events between ``country`` and each partner whose Goldstein sign matches
    the relationship (cooperative evidence for partners, conflictual for adversaries)."""
    if not partners:
        return
    others = [p.country for p in partners]
    where = (f"{_country_filter(start, end, mods)} AND goldstein * {sign} > 0 "
             f"AND ((source_country = {lit(country)} AND target_country IN {lit_list(others)}) "
             f"OR (target_country = {lit(country)} AND source_country IN {lit_list(others)}))")
    with t.snapshot():
        rows = t.records(f"""
            SELECT CASE WHEN source_country = {lit(country)} THEN target_country
                        ELSE source_country END AS partner,
                   max_by({t.pick_sql()}, {rank_sql(t)}, {int(n)}) AS picks
            FROM {{t}} WHERE {where} GROUP BY 1""")
        fetched = t.fetch(where, [p for r in rows for p in r["picks"]], articles=articles)
    by_partner = {r["partner"]: sorted((fetched[p] for p in r["picks"] if p in fetched),
                                       key=rank_key, reverse=True) for r in rows}
    for p in partners:
        p.evidence = by_partner.get(p.country, [])
