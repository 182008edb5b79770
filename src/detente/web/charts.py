"""Charts for the pages, as inline SVG: the dyad chart and the network come from
:mod:`detente.relations.plots` (matplotlib), the small country trend is drawn here.

matplotlib's style switch (``rc_context``) changes process-wide settings, so two threads drawing
at once could restyle each other's figures: every matplotlib call here (and the brief, which
draws its own chart) holds :data:`RENDER_LOCK`.  Drawn charts are cached under a digest of
the data they show: a page viewed twice is drawn once, and an ingest redraws only the charts
whose data it changed.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Any, Callable, Hashable, Optional, Sequence

from markupsafe import Markup, escape

RENDER_LOCK = threading.RLock()


class Cache:
    """A small LRU of rendered things.  Concurrent requests for a key not yet made wait for
    the one request that makes it (a popular page after an ingest is drawn once, not once per
    viewer)."""

    def __init__(self, size: int = 64):
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._making: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()

    def get_or_make(self, key: Hashable, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            maker = self._making.setdefault(key, threading.Lock())
        with maker:
            with self._lock:
                if key in self._items:  # made while this request waited
                    self._items.move_to_end(key)
                    return self._items[key]
            try:
                value = make()
            finally:
                with self._lock:
                    self._making.pop(key, None)
            with self._lock:
                self._items[key] = value
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return value


def content_key(*parts: Any) -> str:
    """A digest of what a chart shows, so it is redrawn when its data changed and only then
    (an ingest of unrelated articles leaves every other dyad's chart cached)."""
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


def dyad_key(periods: Sequence[Any], shifts: Sequence[Any], key_events: Sequence[Any]) -> str:
    return content_key(
        [(p.start, p.n_events, p.verbal_coop, p.material_coop, p.verbal_conflict,
          p.material_conflict, p.net_coop) for p in periods],
        [(s.start, s.label, s.size, s.before, s.after) for s in shifts],
        [(e.id, e.date, e.code, e.source, e.target, e.event_day) for e in key_events])


def dyad_svg(periods: Sequence[Any], shifts: Sequence[Any], key_events: Sequence[Any],
             title: Optional[str] = None) -> Markup:
    from ..relations.plots import plot_dyad, svg_inline

    with RENDER_LOCK:
        svg = plot_dyad(periods, shifts, key_events, None, fmt="svg", title=title)
    return Markup(svg_inline(svg))


def network_svg(graph: Any, blocs: Sequence[Sequence[str]], names: dict[str, str],
                title: Optional[str] = None, max_nodes: int = 40) -> Markup:
    from ..relations.plots import plot_network, svg_inline

    with RENDER_LOCK:
        svg = plot_network(graph, blocs, None, fmt="svg", title=title, names=names,
                           max_nodes=max_nodes)
    return Markup(svg_inline(svg))


def trend_svg(points: Sequence[dict[str, Any]], width: int = 760, height: int = 220) -> Markup:
    """Cooperative events as bars above the axis, conflictual below, and the net cooperation
    index as a line on its own -1..1 scale: one glance at a country's year."""
    if not points:
        return Markup("")
    pad_l, pad_r, pad_t, pad_b = 40, 40, 14, 26
    w, h = width - pad_l - pad_r, height - pad_t - pad_b
    mid = pad_t + h / 2
    top = max(max(p["cooperation"], p["conflict"]) for p in points) or 1
    step = w / len(points)
    bar = max(step * 0.7, 1.0)
    parts = [f'<svg class="trend" viewBox="0 0 {width} {height}" role="img" '
             f'xmlns="http://www.w3.org/2000/svg" aria-label="events per period">',
             f'<line x1="{pad_l}" y1="{mid:.1f}" x2="{pad_l + w}" y2="{mid:.1f}" class="axis"/>']
    line: list[str] = []
    for i, p in enumerate(points):
        x = pad_l + i * step + (step - bar) / 2
        up = p["cooperation"] / top * (h / 2)
        down = p["conflict"] / top * (h / 2)
        label = escape(f"{p['label']}: {p['cooperation']} cooperative, {p['conflict']} conflictual")
        parts.append(f'<g><title>{label}</title>'
                     f'<rect class="coop" x="{x:.1f}" y="{mid - up:.1f}" width="{bar:.1f}" height="{up:.1f}"/>'
                     f'<rect class="conflict" x="{x:.1f}" y="{mid:.1f}" width="{bar:.1f}" height="{down:.1f}"/></g>')
        if p.get("net_coop") is not None:
            y = mid - float(p["net_coop"]) * (h / 2)
            line.append(f"{x + bar / 2:.1f},{y:.1f}")
    if line:
        parts.append(f'<polyline class="net" points="{" ".join(line)}"/>')
    parts.append(f'<text x="{pad_l - 6}" y="{pad_t + 10}" class="tick" text-anchor="end">{top}</text>')
    parts.append(f'<text x="{pad_l - 6}" y="{pad_t + h}" class="tick" text-anchor="end">{top}</text>')
    parts.append(f'<text x="{pad_l + w + 6}" y="{pad_t + 10}" class="tick">+1</text>')
    parts.append(f'<text x="{pad_l + w + 6}" y="{pad_t + h}" class="tick">−1</text>')
    for i in sorted({0, len(points) // 2, len(points) - 1}):
        x = pad_l + i * step + step / 2
        parts.append(f'<text x="{x:.1f}" y="{height - 6}" class="tick" text-anchor="middle">'
                     f'{escape(points[i]["label"])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
