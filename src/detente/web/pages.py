"""Server-rendered pages (Jinja2).  Every asset they use is under /static on this server."""
from __future__ import annotations

import math
from functools import lru_cache
from typing import Any, Optional
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from .. import __version__
from . import params, queries
from .api import event_filters
from .charts import content_key, dyad_key, dyad_svg, network_svg, trend_svg
from .database import Database
from .errors import ApiError
from .highlight import event_spans, mark, mark_sentence
from .views import country_view, dyad_view, name_of, network_view

router = APIRouter(include_in_schema=False)

PAGE = 25
QUAD_NAMES = {1: "verbal cooperation", 2: "material cooperation", 3: "verbal conflict",
              4: "material conflict"}


def _cameo_name(code: Optional[str]) -> str:
    if not code:
        return ""
    try:
        from ..events.cameo import cameo_info

        return cameo_info(code).name
    except Exception:  # unknown code: the number still says it
        return f"CAMEO {code}"


def _num(value: Any, digits: int = 2, signed: bool = True) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=PackageLoader("detente.web", "templates"),
                      autoescape=select_autoescape(["html"]), trim_blocks=True,
                      lstrip_blocks=True)
    env.filters.update(name=name_of, cameo=_cameo_name, num=_num, href=params.safe_href,
                       quad=lambda q: QUAD_NAMES.get(q, ""))
    env.globals.update(version=__version__, QUAD_NAMES=QUAD_NAMES)
    return env


def render(request: Request, template: str, context: dict[str, Any], status: int = 200,
           headers: Optional[dict[str, str]] = None) -> HTMLResponse:
    config = request.app.state.config
    page = environment().get_template(template).render(
        request=request, read_only=config.read_only, **context)
    return HTMLResponse(page, status_code=status, headers=headers)


def render_error(request: Request, status: int, message: str,
                 headers: Optional[dict[str, str]] = None) -> HTMLResponse:
    return render(request, "error.html", {"status": status, "message": message}, status, headers)


def _db(request: Request) -> Database:
    return request.app.state.db


def _pages(total: int, limit: int, offset: int, request: Request) -> dict[str, Any]:
    """Previous/next links keeping the other query parameters."""
    args = {k: v for k, v in request.query_params.items() if k != "offset" and v}

    def link(off: int) -> str:
        return "?" + urlencode({**args, "offset": off})

    return {"total": total, "first": offset + 1 if total else 0,
            "last": min(offset + limit, total),
            "prev": link(max(offset - limit, 0)) if offset > 0 else None,
            "next": link(offset + limit) if offset + limit < total else None}


def _offset(value: int) -> int:
    if value < 0 or value > 10_000_000:
        raise params.bad("offset", "must be between 0 and 10,000,000")
    return value


# -- home ----------------------------------------------------------------------------------

@router.get("/", response_class=HTMLResponse)
def home(request: Request):
    with _db(request).reader() as con:
        latest = queries.latest_events(con, 15)
        moving = queries.moving_dyads(con, 10)
        countries = queries.active_countries(con, 24)
        counts = con.execute("SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM events), "
                             "(SELECT count(DISTINCT outlet) FROM articles)").fetchall()[0]
    return render(request, "home.html", {"latest": latest, "moving": moving,
                                         "countries": countries, "n_articles": counts[0],
                                         "n_events": counts[1], "n_outlets": counts[2]})


# -- articles ------------------------------------------------------------------------------

@router.get("/articles", response_class=HTMLResponse)
def articles(request: Request, q: Optional[str] = None, outlet: Optional[str] = None,
             date_from: Optional[str] = Query(None, alias="from"),
             date_to: Optional[str] = Query(None, alias="to"), offset: int = 0):
    f = queries.ArticleFilters(q=params.text(q, "q"), outlet=params.text(outlet, "outlet"))
    f.start, f.end = params.date_range(date_from, date_to)
    offset = _offset(offset)
    with _db(request).reader() as con:
        total, items = queries.search_articles(con, f, PAGE, offset)
        outlets = queries.outlets(con)
    return render(request, "articles.html", {
        "items": items, "outlets": outlets, "q": f.q or "", "outlet": f.outlet or "",
        "date_from": date_from or "", "date_to": date_to or "",
        "pages": _pages(total, PAGE, offset, request)})


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article(request: Request, article_id: str):
    article_id = params.record_id(article_id)
    with _db(request).reader() as con:
        art = queries.article(con, article_id)
        if art is None:
            raise ApiError(404, f"article {article_id}: not in the store")
        head = art["canonical_id"] or article_id
        events = queries.article_events(con, article_id) if head == article_id else []
        sources = queries.article_sources(con, article_id)
        copies = queries.near_copies(con, article_id)
        head_article = queries.article(con, head) if head != article_id else None
    body = mark(art["text"], event_spans(events))
    return render(request, "article.html", {"article": art, "body": body, "events": events,
                                            "sources": sources, "copies": copies,
                                            "head": head_article})


# -- events --------------------------------------------------------------------------------

@router.get("/events", response_class=HTMLResponse)
def events(request: Request, actor: Optional[str] = None, dyad: Optional[str] = None,
           code: Optional[str] = None, root: Optional[str] = None, quad: Optional[int] = Query(None, ge=1, le=4),
           modality: Optional[str] = None, date_from: Optional[str] = Query(None, alias="from"),
           date_to: Optional[str] = Query(None, alias="to"), offset: int = 0):
    offset = _offset(offset)
    with _db(request).reader() as con:
        f = event_filters(con, actor=actor or None, dyad=[dyad] if dyad else None,
                          code=code or None, root=root or None, quad=quad,
                          modality=modality or None, date_from=date_from, date_to=date_to,
                          actorless=False, article=None)
        items = queries.list_events(con, f, PAGE, offset)
        total = queries.count_events(con, f)
    form = {"actor": actor or "", "dyad": dyad or "", "code": code or "", "root": root or "",
            "quad": quad or "", "modality": modality or "", "from": date_from or "",
            "to": date_to or ""}
    query = urlencode({k: v for k, v in form.items() if v})
    return render(request, "events.html", {"items": items, "form": form, "query": query,
                                           "pages": _pages(total, PAGE, offset, request)})


@router.get("/events/{event_id}", response_class=HTMLResponse)
def event(request: Request, event_id: str):
    event_id = params.record_id(event_id)
    with _db(request).reader() as con:
        merged, reports = queries.event_reports(con, event_id)
    if merged is None and not reports:
        raise ApiError(404, f"event {event_id}: not in the store")
    head = merged or reports[0]
    for r in reports:
        r["marked"] = mark_sentence(r.get("sentence"), r)
    return render(request, "event.html", {"event": head, "merged": merged, "reports": reports})


# -- dyads ---------------------------------------------------------------------------------

@router.get("/dyads", response_class=HTMLResponse)
def dyad_form(request: Request, a: Optional[str] = None, b: Optional[str] = None):
    if not a or not b:
        raise params.bad("a" if not a else "b", "choose two countries", status=400)
    ca, cb = params.country(a, "a"), params.country(b, "b")
    return RedirectResponse(f"/dyads/{ca}/{cb}", status_code=303)


@router.get("/dyads/{a}/{b}", response_class=HTMLResponse)
def dyad(request: Request, a: str, b: str, freq: str = "auto",
         dimension: Optional[str] = None, date_from: Optional[str] = Query(None, alias="from"),
         date_to: Optional[str] = Query(None, alias="to"), offset: int = 0):
    from ..relations import RelationsError
    from ..relations.plots import PlotError

    ca, cb = params.country(a, "a"), params.country(b, "b")
    if ca == cb:
        raise params.bad("b", f"same as a ({ca}): a dyad needs two countries")
    if freq not in ("auto", "week", "month", "quarter", "year"):
        raise params.bad("freq", f"{freq[:20]!r} is not one of auto, week, month, quarter, year")
    dim = params.dimension(dimension or None)
    start, end = params.date_range(date_from, date_to)
    offset = _offset(offset)
    db = _db(request)
    with db.reader() as con:
        if freq == "auto":
            freq = _auto_freq(con, ca, cb, start, end)
        try:
            view = dyad_view(con, ca, cb, freq=freq, start=start, end=end, dimension=dim)
        except RelationsError as exc:
            raise params.bad("dyad", str(exc)) from None
        total, items = queries.dyad_events(con, ca, cb, dimension=dim,
                                           start=start.first if start else None,
                                           end=end.last if end else None, limit=PAGE, offset=offset)
    chart, chart_error = None, None
    if view.periods:
        key = ("dyad", dyad_key(view.periods, view.shifts, view.key_events))
        try:
            chart = request.app.state.cache.get_or_make(
                key, lambda: dyad_svg(view.periods, view.shifts, view.key_events))
        except PlotError as exc:
            chart_error = str(exc)
    filters = {"freq": freq, "dimension": dim or "", "from": date_from or "", "to": date_to or ""}
    return render(request, "dyad.html", {
        "view": view, "chart": chart, "chart_error": chart_error, "items": items,
        "pages": _pages(total, PAGE, offset, request), "filters": filters,
        "dimensions": params.dimensions_known(),
        "active": [p for p in view.periods if p.n_events]})


def _auto_freq(con, a: str, b: str, start, end) -> str:
    """The finest period that keeps the chart within about 60 bars over the dyad's dated
    events (a 1979 event recalled in a 2020 story must not mean 500 monthly bars)."""
    from ..brief.trend import choose_freq

    first, last = queries.dyad_span(con, a, b)
    first = start.first if start else first
    last = end.last if end else last
    if first is None or last is None or last < first:
        return "month"
    return choose_freq(first, last)


# -- network and countries -----------------------------------------------------------------

@router.get("/network", response_class=HTMLResponse)
def network(request: Request, date_from: Optional[str] = Query(None, alias="from"),
            date_to: Optional[str] = Query(None, alias="to"), min_events: int = Query(1, ge=1, le=100_000)):
    from ..relations.plots import PlotError

    start, end = params.date_range(date_from, date_to)
    db = _db(request)
    with db.reader() as con:
        view = network_view(con, start, end, min_events)
    chart = None
    if view["nodes"]:
        names = {n["id"]: n["name"] for n in view["nodes"]}
        key = ("network", content_key(view["edges"], view["blocs"]))
        try:
            chart = request.app.state.cache.get_or_make(
                key, lambda: network_svg(view["graph"], view["blocs"], names))
        except PlotError:
            chart = None
    return render(request, "network.html", {"view": view, "chart": chart,
                                            "from": date_from or "", "to": date_to or "",
                                            "min_events": min_events})


@router.get("/countries", response_class=HTMLResponse)
def country_form(request: Request, c: Optional[str] = None):
    if not c:
        raise params.bad("c", "give a country code or name", status=400)
    return RedirectResponse(f"/countries/{params.country(c, 'c')}", status_code=303)


@router.get("/countries/{code}", response_class=HTMLResponse)
def country(request: Request, code: str):
    c = params.country(code, "country")
    with _db(request).reader() as con:
        view = country_view(con, c)
        recent = queries.country_events(con, c, 20)
    return render(request, "country.html", {"view": view, "recent": recent,
                                            "trend": trend_svg(view["trend"])})
