"""What a dyad, the network or a country looks like, assembled once for both the JSON API and
the pages: series, shifts, key events and reactions from :mod:`detente.relations`, plus the
web layer's own queries."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Optional

from . import queries
from .params import DateBound


def name_of(code: Optional[str]) -> str:
    if not code:
        return "unidentified"
    try:
        from ..actors import country_name

        return country_name(code) or code
    except Exception:  # dictionaries missing or code unknown: the code itself is exact
        return code


@dataclass
class DyadView:
    a: str
    b: str
    freq: str
    unit: str                      # "merged events" or "reports"
    periods: list[Any]
    shifts: list[Any]
    key_events: list[Any]
    reactions: list[Any] = field(default_factory=list)
    dimension: Optional[str] = None

    @property
    def a_name(self) -> str:
        return name_of(self.a)

    @property
    def b_name(self) -> str:
        return name_of(self.b)

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a, "b": self.b, "a_name": self.a_name, "b_name": self.b_name,
            "freq": self.freq, "unit": self.unit, "dimension": self.dimension,
            "periods": [p.to_dict() for p in self.periods],
            "shifts": [s.to_dict() for s in self.shifts],
            "top_events": [e.to_dict() for e in self.key_events],
            "reactions": [r.to_dict() for r in self.reactions],
        }


def dyad_view(con, a: str, b: str, *, freq: str = "month", start: Optional[DateBound] = None,
              end: Optional[DateBound] = None, dimension: Optional[str] = None,
              directed: bool = False, reports: Optional[bool] = None, top: int = 3,
              n_reactions: int = 10) -> DyadView:
    from ..relations import dyad_series, find_shifts, reactions
    from ..relations.plots import key_events_of

    if reports is None:
        reports = not queries.has_merged(con)
    first = start.first if start else None
    last = end.last if end else None
    # Shifts need each period's ten strongest events to pick their drivers from.
    periods = dyad_series(con, a, b, first, last, freq=freq, directed=directed, reports=reports,
                          top=max(top, 10), dimension=dimension)
    shifts = find_shifts(periods)
    key = key_events_of(periods, shifts)
    found = reactions(con, a, b, first, last, dimension=dimension, reports=reports,
                      limit=n_reactions) if n_reactions else []
    for p in periods:
        p.top_events = p.top_events[:max(top, 0)]
    return DyadView(a, b, freq, "reports" if reports else "merged events", periods, shifts, key,
                    found, dimension)


def network_view(con, start: Optional[DateBound], end: Optional[DateBound],
                 min_events: int = 1) -> dict[str, Any]:
    from ..relations import alignment_graph, blocs

    reports = not queries.has_merged(con)
    graph = alignment_graph(con, start.first if start else None, end.last if end else None,
                            reports=reports, min_events=min_events)
    groups = blocs(graph) if graph.number_of_nodes() else []
    bloc_of = {n: i for i, members in enumerate(groups) for n in members}
    nodes = [{"id": n, "name": name_of(n), "bloc": bloc_of.get(n),
              "n_events": sum(d["n_events"] for _, _, d in graph.edges(n, data=True))}
             for n in sorted(graph.nodes)]
    edges = [{"a": u, "b": v, **{k: d[k] for k in ("net_coop", "n_events", "goldstein_sum",
                                                     "cooperation", "conflict")}}
             for u, v, d in sorted(graph.edges(data=True))]
    edges.sort(key=lambda e: (-e["n_events"], e["a"], e["b"]))
    return {"unit": "reports" if reports else "merged events", "nodes": nodes, "edges": edges,
            "blocs": groups, "graph": graph}


def country_view(con, code: str, start: Optional[DateBound] = None,
                 end: Optional[DateBound] = None, k: int = 8) -> dict[str, Any]:
    from ..relations import align, pair_stats

    reports = not queries.has_merged(con)
    first, last = (start.first if start else None), (end.last if end else None)
    alignment = align(con, code, first, last, k=k, reports=reports)
    pairs = pair_stats(con, first, last, reports=reports, country=code)
    partners = []
    for p in pairs:
        other = p["b"] if p["a"] == code else p["a"]
        nc = p["goldstein_sum"] / p["goldstein_abs"] if p["goldstein_abs"] else None
        partners.append({"country": other, "name": name_of(other), "n_events": int(p["n_events"]),
                         "cooperation": int(p["cooperation"]), "conflict": int(p["conflict"]),
                         "net_coop": nc})
    partners.sort(key=lambda p: (-p["n_events"], p["country"]))
    points = trend_points(queries.country_trend(con, code, "month"))
    return {"country": code, "name": name_of(code),
            "unit": "reports" if reports else "merged events",
            "alignment": alignment, "partners": partners, "trend": points}


def trend_points(rows: list[dict[str, Any]], months: int = 36) -> list[dict[str, Any]]:
    """Monthly points over the ``months`` up to the country's latest event, months without
    events included (zero bars, no index) so the axis is regular time.  Older events (a
    historical mention dated 1867) would stretch the axis over a century of nothing."""
    if not rows:
        return []
    by_month = {r["period"]: r for r in rows}
    last = max(by_month)
    points = []
    for back in range(months - 1, -1, -1):
        m = last.month - 1 - back
        day = dt.date(last.year + m // 12, m % 12 + 1, 1)
        r = by_month.get(day)
        points.append({"period": day.isoformat(), "label": day.strftime("%Y-%m"),
                       "n": int(r["n"]) if r else 0,
                       "cooperation": int(r["cooperation"]) if r else 0,
                       "conflict": int(r["conflict"]) if r else 0,
                       "net_coop": float(r["net_coop"]) if r and r["net_coop"] is not None else None})
    while points and points[0]["n"] == 0:
        points.pop(0)  # a country first seen last spring starts there
    return points
