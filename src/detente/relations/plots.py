"""Charts: a dyad's series with its shifts and key events, and the alignment network.

matplotlib with the Agg backend (no display, no GUI toolkit) and its bundled DejaVu fonts, so
nothing is downloaded and the same data always draws the same picture.  SVG output keeps text
as paths and carries no date, so an SVG embedded in an HTML brief needs no font and is
byte-for-byte reproducible.
"""
from __future__ import annotations

import datetime as dt
import io
import math
import os
from dataclasses import dataclass
from typing import IO, Any, Iterable, Optional, Sequence, Union

import matplotlib

matplotlib.use("Agg")  # before pyplot: never try a GUI backend on a server

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
from matplotlib import patheffects  # noqa: E402
import networkx as nx  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

Target = Union[str, os.PathLike, IO[bytes]]

# Quad classes, bottom to top of the stacked bars: cooperation in greens, conflict in reds.
QUADS = (("verbal_coop", "verbal cooperation", "#9ccf9a"),
         ("material_coop", "material cooperation", "#3c8f4a"),
         ("verbal_conflict", "verbal conflict", "#f0a08a"),
         ("material_conflict", "material conflict", "#c23b2a"))
WARMING, COOLING, INK, MUTED = "#2e7d32", "#c62828", "#1d232b", "#6b7380"
BLOC_COLOURS = ("#1f5f99", "#c2571a", "#2e7d32", "#7b3fa0", "#b8860b", "#0f7c7c", "#a33a5b",
                "#5d6d1e", "#4a4a9c", "#8c564b")
MAX_KEY_EVENTS = 6
LABEL_CHARS = 46

_STYLE = {
    "font.family": "DejaVu Sans",  # bundled with matplotlib
    "font.size": 9,
    "axes.edgecolor": "#b9c0ca",
    "axes.labelcolor": INK,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "svg.fonttype": "path",        # glyphs as paths: no font needed where the SVG is shown
    "svg.hashsalt": "detente",     # stable element ids, so equal data gives equal SVG
}


class PlotError(ValueError):
    """Nothing to draw, or a bad argument: one clear line for the user."""


@dataclass
class KeyEvent:
    day: dt.date
    label: str


def plot_dyad(series: Sequence[Any], shifts: Sequence[Any] = (), key_events: Iterable[Any] = (),
              path_or_buffer: Optional[Target] = None, fmt: str = "png",
              title: Optional[str] = None) -> Optional[bytes]:
    """Draw a dyad series: the net cooperation index per period (top) with each shift marked
    (warming green, cooling red, with the segment means) and key events labelled, over the
    events per period stacked by quad class (bottom).

    ``series`` is a list of :class:`detente.relations.series.Period`; ``shifts`` of
    :class:`~detente.relations.shifts.Shift`; ``key_events`` of
    :class:`~detente.relations.common.EventSummary` or :class:`KeyEvent`.  Writes to
    ``path_or_buffer`` (a path or a binary file object) or, when it is None, returns the bytes.
    """
    fmt = _check_fmt(fmt)
    periods = list(series)
    if not periods:
        raise PlotError("the dyad has no dated events to plot (nothing counted in the period)")
    with plt.rc_context(_STYLE):
        fig = Figure(figsize=(10, 5.4), dpi=110)
        top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2], "hspace": 0.08})
        _draw_index(top, periods, list(shifts))
        _draw_counts(bottom, periods)
        _draw_key_events(top, periods, [_key_event(e) for e in key_events])
        if title:
            top.set_title(title, loc="left", fontsize=11, color=INK, pad=10)
        _date_axis(bottom, periods)
        fig.subplots_adjust(left=0.07, right=0.985, top=0.9 if title else 0.95, bottom=0.1)
        return _save(fig, path_or_buffer, fmt)


def plot_network(graph: nx.Graph, blocs: Sequence[Sequence[str]] = (),
                 path_or_buffer: Optional[Target] = None, fmt: str = "png",
                 title: Optional[str] = None, names: Optional[dict[str, str]] = None,
                 max_nodes: int = 60) -> Optional[bytes]:
    """Draw the alignment network: countries coloured by bloc, sized by their events, linked
    green for net cooperation and red for net conflict (width by events).  The ``max_nodes``
    busiest countries are drawn so a world-wide network stays legible."""
    fmt = _check_fmt(fmt)
    if graph.number_of_nodes() == 0:
        raise PlotError("the alignment network is empty (no events between countries in the period)")
    activity = {n: sum(d.get("n_events", 1) for _, _, d in graph.edges(n, data=True)) for n in graph}
    keep = sorted(graph, key=lambda n: (-activity[n], n))[:max_nodes]
    g = graph.subgraph(keep).copy()
    bloc_of = {n: i for i, members in enumerate(blocs) for n in members}
    # Layout on the cooperative ties (a hostile pair should sit apart), seeded for stability.
    layout_graph = nx.Graph()
    layout_graph.add_nodes_from(sorted(g))
    layout_graph.add_edges_from((u, v, {"weight": max(d.get("weight", 0.0), 0.0) + 0.05})
                                for u, v, d in sorted(g.edges(data=True)))
    pos = nx.spring_layout(layout_graph, seed=7, weight="weight", k=1.6 / math.sqrt(max(len(g), 1)))
    with plt.rc_context(_STYLE):
        fig = Figure(figsize=(9, 7.5), dpi=110)
        ax = fig.subplots()
        ax.set_axis_off()
        top_events = max((d.get("n_events", 1) for _, _, d in g.edges(data=True)), default=1)
        for u, v, d in sorted(g.edges(data=True)):
            nc = d.get("net_coop")
            colour = MUTED if nc is None else (WARMING if nc > 0 else COOLING)
            width = 0.6 + 3.4 * math.sqrt(d.get("n_events", 1) / top_events)
            alpha = 0.35 + 0.5 * (abs(nc) if nc is not None else 0.0)
            ax.plot([pos[u][0], pos[v][0]], [pos[u][1], pos[v][1]], color=colour,
                    linewidth=width, alpha=alpha, zorder=1, solid_capstyle="round")
        busiest = max(activity[n] for n in g) or 1
        for n in sorted(g):
            colour = BLOC_COLOURS[bloc_of[n] % len(BLOC_COLOURS)] if n in bloc_of else MUTED
            size = 80 + 700 * math.sqrt(activity[n] / busiest)
            ax.scatter([pos[n][0]], [pos[n][1]], s=size, color=colour, edgecolors="white",
                       linewidths=1.2, zorder=2)
            # A white halo keeps labels legible where edges and nodes crowd.
            ax.annotate((names or {}).get(n, n), pos[n], xytext=(0, -(math.sqrt(size) / 2 + 3)),
                        textcoords="offset points", ha="center", va="top", fontsize=8, color=INK,
                        zorder=3, path_effects=[patheffects.withStroke(linewidth=2.5, foreground="white")])
        ax.margins(0.08)
        handles = [plt.Line2D([], [], color=WARMING, lw=2.5, label="net cooperation"),
                   plt.Line2D([], [], color=COOLING, lw=2.5, label="net conflict")]
        handles += [plt.Line2D([], [], marker="o", ls="", color=BLOC_COLOURS[i % len(BLOC_COLOURS)],
                               label=f"bloc {i + 1}")
                    for i, members in enumerate(blocs[:6]) if len(members) > 1]
        ax.legend(handles=handles, loc="lower left", frameon=False, fontsize=8)
        if title:
            ax.set_title(title, loc="left", fontsize=11, color=INK)
        fig.subplots_adjust(left=0.02, right=0.98, top=0.94 if title else 0.98, bottom=0.02)
        return _save(fig, path_or_buffer, fmt)


# -- the dyad chart's parts --------------------------------------------------------------------

def _mid(p: Any) -> dt.date:
    return p.start + (p.end - p.start) / 2


def _draw_index(ax, periods: list[Any], shifts: list[Any]) -> None:
    ax.axhline(0, color="#b9c0ca", linewidth=0.8, zorder=0)
    # Periods without events are gaps (NaN breaks the line): no news is not neutrality.
    xs = [_mid(p) for p in periods]
    ys = [math.nan if p.net_coop is None else p.net_coop for p in periods]
    ax.plot(xs, ys, color="#1f5f99", linewidth=1.2, marker="o", markersize=3.5, zorder=3,
            label="net cooperation index")
    for s in shifts:
        colour = WARMING if s.label == "warming" else COOLING
        ax.axvline(s.start, color=colour, linestyle="--", linewidth=1.1, zorder=2)
        ax.annotate(f"{s.label} {s.size:+.2f}", (s.start, -1.55), xytext=(3, 0),
                    textcoords="offset points", color=colour, fontsize=8, va="bottom",
                    xycoords=("data", "data"))
        # The segment means either side of the shift, as the change-point model sees them.
        lo, hi = s.before_span, s.after_span
        ax.hlines(s.before, lo[0], s.start, colors=colour, linewidth=2, alpha=0.35, zorder=1)
        ax.hlines(s.after, s.start, _period_end(periods, hi[1]), colors=colour, linewidth=2,
                  alpha=0.35, zorder=1)
    # Headroom above and below the index's range for the key-event labels.
    ax.set_ylim(-1.6, 1.6)
    ax.set_yticks([-1, -0.5, 0, 0.5, 1])
    ax.set_ylabel("net cooperation")
    ax.grid(axis="y", color="#eef1f5", linewidth=0.8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _period_end(periods: list[Any], start: dt.date) -> dt.date:
    return next((p.end for p in periods if p.start == start), start)


def _draw_counts(ax, periods: list[Any]) -> None:
    xs = [_mid(p) for p in periods]
    widths = [(p.end - p.start).days * 0.8 for p in periods]
    bottom = [0.0] * len(periods)
    for attr, label, colour in QUADS:
        values = [getattr(p, attr) for p in periods]
        ax.bar(xs, values, width=widths, bottom=bottom, color=colour, label=label, linewidth=0)
        bottom = [b + v for b, v in zip(bottom, values)]
    ax.set_ylabel("events")
    ax.legend(loc="upper left", ncols=4, frameon=False, fontsize=7.5)
    ax.set_ylim(0, max(max(bottom), 1) * 1.35)
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True, nbins=4))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _key_event(e: Any) -> KeyEvent:
    if isinstance(e, KeyEvent):
        return e
    if isinstance(e, tuple):
        return KeyEvent(e[0], e[1])
    who = f"{e.source_country or e.source}–{e.target_country or e.target}"
    name = e.name or f"CAMEO {e.code}"
    return KeyEvent(e.event_day, f"{e.date or e.event_day} {who} {name}")


def _draw_key_events(ax, periods: list[Any], events: list[KeyEvent]) -> None:
    events = sorted((e for e in events if e.day is not None), key=lambda e: e.day)[:MAX_KEY_EVENTS]
    first, last = periods[0].start, periods[-1].end
    span = max((last - first).days, 1)
    for i, e in enumerate(events):
        period = next((p for p in periods if p.start <= e.day < p.end), None)
        if period is None:
            continue
        y = period.net_coop if period.net_coop is not None else 0.0
        label = e.label if len(e.label) <= LABEL_CHARS else e.label[:LABEL_CHARS - 1] + "…"
        # Labels go into the headroom on the side away from the point (below a warm point,
        # above a cold one), stepping outwards so neighbours do not collide, and hang inwards
        # at the chart's edges so none is cut off.
        below = y > 0 or (y == 0 and i % 2)
        step = 16 + 12 * (i % 3)
        where = (e.day - first).days / span
        ha = "left" if where < 0.2 else "right" if where > 0.8 else "center"
        ax.annotate(label, (_mid(period), y), xytext=(0, -step if below else step),
                    textcoords="offset points", ha=ha, va="top" if below else "bottom",
                    fontsize=7.5, color=INK, zorder=4,
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "#d9dee5", "lw": 0.6},
                    arrowprops={"arrowstyle": "-", "color": "#9aa3ae", "lw": 0.6})


def _date_axis(ax, periods: list[Any]) -> None:
    first, last = periods[0].start, periods[-1].end
    pad = (last - first) * 0.02
    if len(periods) <= 3:
        # A series of one or two periods would stretch them across the chart (and label days
        # inside a month); a period of margin either side keeps them readable as periods.
        pad = max(pad, (periods[0].end - periods[0].start) * 1.5)
    ax.set_xlim(first - pad, last + pad)
    locator = mdates.AutoDateLocator(minticks=3, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


# -- output ------------------------------------------------------------------------------------

def _check_fmt(fmt: str) -> str:
    fmt = (fmt or "").lower()
    if fmt not in ("png", "svg"):
        raise PlotError(f"format: {fmt!r} is not png or svg")
    return fmt


def _save(fig: Figure, target: Optional[Target], fmt: str) -> Optional[bytes]:
    # No creation date or software stamp: equal data, equal file.
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    if target is None:
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, metadata=metadata)
        return buf.getvalue()
    fig.savefig(target, format=fmt, metadata=metadata)
    return None


def svg_inline(svg: bytes) -> str:
    """An SVG file's bytes as an element to put inside HTML: the XML prolog and DOCTYPE go."""
    text = svg.decode("utf-8")
    return text[text.index("<svg"):]


# -- charts straight from a store (the `detente plot` commands) -------------------------------

def dyad_chart(source: Any, a: str, b: str, path_or_buffer: Target, fmt: str = "png", *,
               date_from: Any = None, date_to: Any = None, freq: str = "month") -> None:
    """Series, shifts and key events of ``a``-``b`` from a store, drawn to ``path_or_buffer``."""
    from .common import RelationsError
    from .series import dyad_series
    from .shifts import find_shifts

    try:
        periods = dyad_series(source, a, b, date_from, date_to, freq=freq, top=10,
                              reports=not has_merged(source))
    except RelationsError as exc:
        raise PlotError(str(exc)) from None
    shifts = find_shifts(periods)
    title = f"{display_name(a.upper())} – {display_name(b.upper())}"
    plot_dyad(periods, shifts, key_events_of(periods, shifts), path_or_buffer, fmt=fmt, title=title)


def network_chart(source: Any, path_or_buffer: Target, fmt: str = "png", *,
                  date_from: Any = None, date_to: Any = None) -> None:
    from .alignment import alignment_graph, blocs
    from .common import RelationsError

    try:
        graph = alignment_graph(source, date_from, date_to, reports=not has_merged(source))
    except RelationsError as exc:
        raise PlotError(str(exc)) from None
    span = " – ".join(str(d) for d in (date_from, date_to) if d)
    plot_network(graph, blocs(graph), path_or_buffer, fmt=fmt,
                 title=f"Alignment network{' ' + span if span else ''}")


def key_events_of(periods: Sequence[Any], shifts: Sequence[Any], k: int = MAX_KEY_EVENTS) -> list[Any]:
    """The events worth a label: each shift's main driver, then the strongest events of the
    series (one per period), up to ``k``."""
    chosen: list[Any] = []
    seen: set[str] = set()
    for s in shifts:
        for e in s.drivers[:1]:
            if e.id not in seen:
                chosen.append(e)
                seen.add(e.id)
    ranked = sorted((p.top_events[0] for p in periods if p.top_events),
                    key=lambda e: (-e.score, -e.n_reports, e.event_day or dt.date.min, e.id))
    for e in ranked:
        if len(chosen) >= k:
            break
        if e.id not in seen:
            chosen.append(e)
            seen.add(e.id)
    return chosen[:k]


def has_merged(source: Any) -> bool:
    """Whether event merging has run on this store: analytics count merged events then, and
    reports otherwise (a freshly ingested store)."""
    con = getattr(source, "con", source)
    try:
        return bool(con.execute("SELECT count(*) FROM merged_events").fetchall()[0][0])
    except Exception:  # no such table on a Parquet-lake connection: count reports
        return False


def display_name(code: str) -> str:
    try:
        from ..actors import country_name

        return country_name(code) or code
    except Exception:  # actor dictionaries absent or code unknown: the code is still exact
        return code
