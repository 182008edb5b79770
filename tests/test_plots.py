"""Charts: the dyad series with shifts and key events, the alignment network, `detente plot`."""
from __future__ import annotations

import datetime as dt
import re

import networkx as nx
import pytest
from typer.testing import CliRunner

import _brief_seed as seed
from detente.cli import app
from detente.relations.alignment import alignment_graph, blocs
from detente.relations.plots import KeyEvent, PlotError, plot_dyad, plot_network, svg_inline
from detente.relations.series import Period, dyad_series
from detente.relations.shifts import Shift, find_shifts

PNG = b"\x89PNG\r\n\x1a\n"


def period(year: int, month: int, coop: int, conflict: int, net: float | None) -> Period:
    start = dt.date(year, month, 1)
    end = dt.date(year + month // 12, month % 12 + 1, 1)
    return Period(start=start, end=end, label=start.strftime("%Y-%m"), n_events=coop + conflict,
                  verbal_coop=coop, material_conflict=conflict, net_coop=net)


def constructed_series() -> tuple[list[Period], list[Shift]]:
    periods = [period(2024, m, 4, 0, 0.9) for m in range(1, 7)]
    periods[2] = period(2024, 3, 0, 0, None)  # a month with no news: a gap, not zero
    periods += [period(2024, m, 0, 3, -0.8) for m in range(7, 13)]
    shift = Shift(start=dt.date(2024, 7, 1), label="cooling", size=-1.7, before=0.9, after=-0.8,
                  before_span=(dt.date(2024, 1, 1), dt.date(2024, 6, 1)),
                  after_span=(dt.date(2024, 7, 1), dt.date(2024, 12, 1)))
    return periods, [shift]


def test_plot_dyad_png_and_svg_are_deterministic(tmp_path):
    periods, shifts = constructed_series()
    keys = [KeyEvent(dt.date(2024, 7, 3), "2024-07-03 RUS–UKR fight with artillery")]
    png = plot_dyad(periods, shifts, keys, None, fmt="png", title="Test dyad")
    assert png.startswith(PNG) and len(png) > 20_000
    svg = plot_dyad(periods, shifts, keys, None, fmt="svg")
    assert svg == plot_dyad(periods, shifts, keys, None, fmt="svg")  # no date, stable ids
    text = svg.decode()
    # Text is drawn as paths: the SVG needs no font wherever it is shown, and links nothing.
    assert "<text" not in text and "<image" not in text
    assert not re.search(r"(href|src)=\"(?!#)", text.replace('xmlns:xlink="http://www.w3.org/1999/xlink"', ""))
    assert svg_inline(svg).startswith("<svg")
    # Writes to a path or a buffer alike.
    out = tmp_path / "dyad.svg"
    plot_dyad(periods, shifts, keys, out, fmt="svg")
    assert out.read_bytes() == svg


def test_plot_dyad_rejects_nothing_to_draw():
    with pytest.raises(PlotError, match="no dated events"):
        plot_dyad([], [], [], None)
    periods, shifts = constructed_series()
    with pytest.raises(PlotError, match="format"):
        plot_dyad(periods, shifts, [], None, fmt="gif")


def build_shifting_store(store):
    """RUS-UKR: six months of talks, then six months of fighting; RUS-BLR cooperation; a
    USA-UKR aid line.  Written for these tests."""
    seed.ACTORS.update({"UKR": ("UKR", None), "BLR": ("BLR", None)})

    def item(text, code, src, tgt, day, outlet="Example Wire"):
        def events_of(article_id, t):
            return [seed.make_event(article_id, t, t[:20], t.split()[1], src, tgt, code,
                                    date=day, precision="day")]
        return {"text": text, "title": text[:30], "date": day, "outlet": outlet,
                "events_of": events_of}

    items, n = [], 0
    for month in range(1, 13):
        for k in range(3):
            n += 1
            day = f"2022-{month:02d}-{5 + 7 * k:02d}"
            if month <= 6:
                items.append(item(f"Moscow held talks with Kyiv on issue {n}.", "040", "RUS", "UKR", day))
            else:
                items.append(item(f"Moscow shelled Kyiv positions in sector {n}.", "194", "RUS", "UKR", day))
            n += 1
            items.append(item(f"Minsk praised Moscow for partnership {n}.", "051", "BLR", "RUS", day))
        n += 1
        items.append(item(f"Washington sent aid to Kyiv in tranche {n}.", "070", "USA", "UKR",
                          f"2022-{month:02d}-20", outlet="Example Times"))
    seed.add_articles(store, items)


@pytest.fixture(scope="module")
def shifting_db(tmp_path_factory):
    """Built once for the module, then opened read-only by each test (as the CLI does)."""
    from detente.store import Store

    path = tmp_path_factory.mktemp("plots") / "shifting.duckdb"
    with Store(path) as s:
        build_shifting_store(s)
    return str(path)


@pytest.fixture()
def shifting(shifting_db):
    from detente.store import Store

    with Store(shifting_db, read_only=True) as s:
        yield s


def test_plot_from_a_real_series_marks_the_shift(shifting, tmp_path):
    periods = dyad_series(shifting, "RUS", "UKR", freq="month", reports=True, top=10)
    shifts = find_shifts(periods)
    assert [(s.start, s.label) for s in shifts] == [(dt.date(2022, 7, 1), "cooling")]
    out = tmp_path / "rus-ukr.png"
    plot_dyad(periods, shifts, [s.drivers[0] for s in shifts], out)
    assert out.read_bytes().startswith(PNG)


def test_plot_network(shifting, tmp_path):
    graph = alignment_graph(shifting, reports=True)
    found = blocs(graph)
    assert ["BLR", "RUS"] in found
    out = tmp_path / "net.svg"
    plot_network(graph, found, out, fmt="svg", title="2022")
    assert out.read_text().lstrip().startswith("<?xml")
    with pytest.raises(PlotError, match="empty"):
        plot_network(nx.Graph(), [], None)


def test_cli_plot(shifting_db, tmp_path):
    db = shifting_db
    runner = CliRunner()
    png = tmp_path / "charts" / "rus-ukr.png"
    result = runner.invoke(app, ["plot", "dyad", "RUS", "UKR", "-o", str(png), "--db", db])
    assert result.exit_code == 0, result.output
    assert png.read_bytes().startswith(PNG)
    svg = tmp_path / "net.svg"
    result = runner.invoke(app, ["plot", "network", "--from", "2022-01", "--to", "2022-12",
                                 "-o", str(svg), "--db", db])
    assert result.exit_code == 0, result.output
    assert "<svg" in svg.read_text()

    # Errors: one line each, no traceback, no half-written file.
    bad = tmp_path / "x.gif"
    result = runner.invoke(app, ["plot", "dyad", "RUS", "UKR", "-o", str(bad), "--db", db])
    assert result.exit_code == 2 and "use .png or .svg" in result.output and not bad.exists()
    empty = tmp_path / "none.png"
    result = runner.invoke(app, ["plot", "dyad", "FRA", "JPN", "-o", str(empty), "--db", db])
    assert result.exit_code == 2 and "no dated events" in result.output and not empty.exists()
    result = runner.invoke(app, ["plot", "dyad", "RUS", "UKR", "--from", "someday", "-o", str(png),
                                 "--db", db])
    assert result.exit_code == 2 and "someday" in result.output
    assert "Traceback" not in result.output
