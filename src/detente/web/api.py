"""The HTTP API under /api: read endpoints on pooled cursors, ingest through the one writer."""
from __future__ import annotations

import asyncio
import csv
import io
import json
from typing import Any, Literal, Optional

from fastapi import APIRouter, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from .. import __version__
from . import params, queries
from .database import Database
from .errors import ApiError, bad
from .security import check_bearer
from .views import country_view, dyad_view, network_view

router = APIRouter(prefix="/api", tags=["read"])
write_router = APIRouter(prefix="/api", tags=["write"])

MAX_JSON_ROWS = 1000
MAX_FILE_ROWS = 100_000


def _db(request: Request) -> Database:
    return request.app.state.db


def _json(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(jsonable_encoder(data), status_code=status)


def _relations_error(exc: Exception, field: Optional[str] = None) -> ApiError:
    """A RelationsError/BriefError message ('freq: ...') as a 422 naming its field."""
    message = str(exc)
    named = message.split(":", 1)[0] if ":" in message else None
    return ApiError(422, message, field or (named if named and " " not in named else None))


# -- articles ------------------------------------------------------------------------------

@router.get("/articles", summary="Search articles")
def list_articles(
    request: Request,
    q: Optional[str] = Query(None, description="words that must all occur in the title or text"),
    outlet: Optional[str] = Query(None, description="exact outlet name"),
    date_from: Optional[str] = Query(None, alias="from", description="published on or after (YYYY[-MM[-DD]])"),
    date_to: Optional[str] = Query(None, alias="to", description="published on or before (YYYY[-MM[-DD]])"),
    limit: int = Query(20, ge=1, le=500),
    offset: int = Query(0, ge=0, le=10_000_000),
):
    f = queries.ArticleFilters(q=params.text(q, "q"), outlet=params.text(outlet, "outlet"))
    f.start, f.end = params.date_range(date_from, date_to)
    with _db(request).reader() as con:
        total, items = queries.search_articles(con, f, limit, offset)
    return _json({"total": total, "limit": limit, "offset": offset, "items": items})


@router.get("/articles/{article_id}", summary="One article: its text, events and sources")
def get_article(request: Request, article_id: str):
    article_id = params.record_id(article_id)
    with _db(request).reader() as con:
        art = queries.article(con, article_id)
        if art is None:
            raise ApiError(404, f"article {article_id!r}: not in the store", "id")
        events = queries.article_events(con, art["canonical_id"] or article_id)
        if art["canonical_id"] and art["canonical_id"] != article_id:
            events = []  # a near-copy's events live on its cluster head (other offsets)
        sources = queries.article_sources(con, article_id)
        copies = queries.near_copies(con, article_id)
    return _json({"article": art, "events": events, "sources": sources, "near_copies": copies})


# -- events --------------------------------------------------------------------------------

EventFormat = Literal["json", "csv", "jsonl", "parquet"]


def event_filters(con, *, actor, dyad, code, root, quad, modality, date_from, date_to,
                  actorless, article) -> queries.EventFilters:
    known = lambda code: queries.actor_in_store(con, code)  # noqa: E731
    f = queries.EventFilters(
        actor=params.actor(actor, "actor", known) if actor else None,
        code=params.cameo_code(code), root=params.cameo_root(root), quad=quad,
        modality=params.modality(modality), actorless=actorless,
        article_id=params.record_id(article, "article") if article else None)
    if dyad:
        parts = [p for d in dyad for p in d.split(",") if p.strip()]
        if len(parts) != 2:
            raise bad("dyad", "needs exactly two actors: dyad=RUS,PRK (or dyad=RUS&dyad=PRK)")
        f.dyad = (params.actor(parts[0].strip(), "dyad", known),
                  params.actor(parts[1].strip(), "dyad", known))
    f.start, f.end = params.date_range(date_from, date_to)
    return f


@router.get("/events", summary="Coded events (reports), filtered as `detente events`",
            responses={200: {"content": {"application/json": {}, "text/csv": {},
                                         "application/x-ndjson": {},
                                         "application/vnd.apache.parquet": {}}}})
def list_events(
    request: Request,
    actor: Optional[str] = Query(None, description="source or target code starts with this, or its country is it (RUS, RUSGOV)"),
    dyad: Optional[list[str]] = Query(None, description="two actors, either direction: dyad=RUS,PRK"),
    code: Optional[str] = Query(None, description="CAMEO code or prefix (042, 04)"),
    root: Optional[str] = Query(None, description="CAMEO root, 01-20"),
    quad: Optional[int] = Query(None, ge=1, le=4, description="quad class 1-4"),
    modality: Optional[str] = Query(None, description="occurred|planned|hypothetical|negated|claimed"),
    date_from: Optional[str] = Query(None, alias="from", description="event date >= (YYYY[-MM[-DD]])"),
    date_to: Optional[str] = Query(None, alias="to", description="event date <= (YYYY[-MM[-DD]])"),
    actorless: bool = Query(False, description="include events that name no actor"),
    article: Optional[str] = Query(None, description="only this article's events"),
    limit: Optional[int] = Query(None, ge=1, le=MAX_FILE_ROWS,
                                 description=f"rows (default 50; JSON at most {MAX_JSON_ROWS})"),
    offset: int = Query(0, ge=0, le=10_000_000),
    format: EventFormat = Query("json", description="json, or a download: csv, jsonl, parquet"),
):
    if format == "json" and limit is not None and limit > MAX_JSON_ROWS:
        raise bad("limit", f"at most {MAX_JSON_ROWS} rows as JSON; use format=csv, jsonl or "
                           f"parquet for up to {MAX_FILE_ROWS:,}")
    limit = limit or (50 if format == "json" else MAX_FILE_ROWS)
    with _db(request).reader() as con:
        f = event_filters(con, actor=actor, dyad=dyad, code=code, root=root, quad=quad,
                          modality=modality, date_from=date_from, date_to=date_to,
                          actorless=actorless, article=article)
        if format == "parquet":
            table = queries.events_arrow(con, f, limit, offset)
            return _parquet(table)
        items = queries.list_events(con, f, limit, offset)
        total = queries.count_events(con, f) if format == "json" else None
    if format == "json":
        return _json({"total": total, "limit": limit, "offset": offset, "items": items})
    if format == "jsonl":
        body = "".join(json.dumps(jsonable_encoder(r), ensure_ascii=False) + "\n" for r in items)
        return _download(body.encode("utf-8"), "application/x-ndjson", "events.jsonl")
    return _download(_csv(items).encode("utf-8"), "text/csv; charset=utf-8", "events.csv")


def _csv(items: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    if not items:
        return ""
    writer = csv.DictWriter(buf, fieldnames=list(items[0].keys()), lineterminator="\n")
    writer.writeheader()
    for r in items:
        writer.writerow({k: "; ".join(v) if isinstance(v, list) else v for k, v in r.items()})
    return buf.getvalue()


def _parquet(table) -> Response:
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(table, buf)
    return _download(buf.getvalue(), "application/vnd.apache.parquet", "events.parquet")


def _download(data: bytes, media_type: str, filename: str) -> Response:
    return Response(data, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/events/{event_id}", summary="One event: the merged event and every report of it")
def get_event(request: Request, event_id: str):
    event_id = params.record_id(event_id)
    with _db(request).reader() as con:
        merged, reports = queries.event_reports(con, event_id)
    if merged is None and not reports:
        raise ApiError(404, f"event {event_id!r}: not in the store", "id")
    return _json({"event": merged, "reports": reports})


# -- relations -----------------------------------------------------------------------------

Freq = Literal["day", "week", "month", "quarter", "year"]


@router.get("/dyads/{a}/{b}", summary="A dyad's series, shifts, top events and reactions")
def get_dyad(
    request: Request, a: str, b: str,
    freq: Freq = Query("month"),
    date_from: Optional[str] = Query(None, alias="from", description="first day (YYYY[-MM[-DD]])"),
    date_to: Optional[str] = Query(None, alias="to", description="last day, inclusive"),
    dimension: Optional[str] = Query(None, description="only events of one dimension (military, economic:trade, ...)"),
    directed: bool = Query(False, description="only a acting on b (plus symmetric acts)"),
    reports: Optional[bool] = Query(None, description="count reports instead of merged events"),
    top: int = Query(3, ge=0, le=20, description="top events per period"),
):
    from ..relations import RelationsError

    ca, cb = params.country(a, "a"), params.country(b, "b")
    if ca == cb:
        raise bad("b", f"same as a ({ca}): a dyad needs two parties")
    start, end = params.date_range(date_from, date_to)
    dim = params.dimension(dimension)
    with _db(request).reader() as con:
        try:
            view = dyad_view(con, ca, cb, freq=freq, start=start, end=end, dimension=dim,
                             directed=directed, reports=reports, top=top)
        except RelationsError as exc:
            raise _relations_error(exc) from None
    return _json(view.to_dict())


@router.get("/network", summary="The alignment network: countries, pairs, blocs")
def get_network(
    request: Request,
    date_from: Optional[str] = Query(None, alias="from"),
    date_to: Optional[str] = Query(None, alias="to"),
    min_events: int = Query(1, ge=1, le=100_000),
):
    start, end = params.date_range(date_from, date_to)
    with _db(request).reader() as con:
        view = network_view(con, start, end, min_events)
    view.pop("graph")
    return _json(view)


@router.get("/countries/{code}", summary="A country's partners, adversaries, bloc and trend")
def get_country(request: Request, code: str,
                date_from: Optional[str] = Query(None, alias="from"),
                date_to: Optional[str] = Query(None, alias="to")):
    c = params.country(code, "code")
    start, end = params.date_range(date_from, date_to)
    with _db(request).reader() as con:
        view = country_view(con, c, start, end)
    view["alignment"] = view["alignment"].to_dict()
    return _json(view)


@router.get("/briefs/{a}/{b}", summary="A cited brief on two countries (Markdown or HTML)",
            responses={200: {"content": {"text/markdown": {}, "text/html": {}}}})
def get_brief(request: Request, a: str, b: str,
              format: Literal["md", "html"] = Query("md"),
              since: Optional[str] = Query(None, description="cover events from (YYYY[-MM[-DD]])")):
    ca, cb = params.country(a, "a"), params.country(b, "b")
    if ca == cb:
        raise bad("b", f"same as a ({ca}): a brief needs two countries")
    start = params.date_bound(since, "since")
    text = brief_text(request, ca, cb, start.text if start else None, format)
    media = "text/markdown; charset=utf-8" if format == "md" else "text/html; charset=utf-8"
    return Response(text, media_type=media)


def brief_text(request: Request, a: str, b: str, since: Optional[str], fmt: str) -> str:
    from ..brief import BriefError, write_brief
    from .charts import RENDER_LOCK

    db = _db(request)

    def make() -> str:
        with db.read_store() as store:
            try:
                with RENDER_LOCK:  # the HTML brief draws its chart with matplotlib
                    return write_brief(store, a, b, since=since, fmt=fmt)
            except BriefError as exc:
                raise _relations_error(exc) from None

    return request.app.state.cache.get_or_make(("brief", db.generation, a, b, since, fmt), make)


# -- health --------------------------------------------------------------------------------

@router.get("/health", summary="Liveness and what the store holds")
def health(request: Request):
    db = _db(request)
    config = request.app.state.config
    return _json({"status": "ok", "version": __version__, "read_only": db.read_only,
                  "writes": "disabled" if db.read_only else
                            ("open (--insecure-dev)" if config.token is None else "bearer token"),
                  "pending_writes": db.pending_writes, **db.counts()})


# -- ingest --------------------------------------------------------------------------------

_INGEST_BODY = {
    "requestBody": {"required": True, "content": {
        "application/json": {"schema": {"oneOf": [
            {"$ref": "#/components/schemas/IngestDocument"},
            {"type": "array", "items": {"$ref": "#/components/schemas/IngestDocument"}},
            {"$ref": "#/components/schemas/IngestBatch"}]}},
        "text/html": {"schema": {"type": "string"}},
        "application/rss+xml": {"schema": {"type": "string"}},
        "application/atom+xml": {"schema": {"type": "string"}},
        "application/feed+json": {"schema": {"type": "object"}},
        "application/x-ndjson": {"schema": {"type": "string"}},
        "text/plain": {"schema": {"type": "string"}}}}}


@write_router.post(
    "/ingest", status_code=201, openapi_extra=_INGEST_BODY,
    summary="Store, code and merge documents (JSON, an HTML page or a feed); returns their ids",
    responses={401: {"description": "missing bearer token"}, 403: {"description": "wrong token"},
               413: {"description": "body too large"}, 415: {"description": "unknown content type"}})
async def ingest(request: Request,
                 url: Optional[str] = Query(None, description="the page's URL, for an HTML body")):
    from .uploads import read_body, report_body

    config = request.app.state.config
    # Authorisation before the body is even read: a refused client costs nothing and stores
    # nothing.
    check_bearer(request.headers.get("authorization"), config.token)
    page_url = params.http_url(url)
    raw = await request.body()
    items = await asyncio.to_thread(read_body, raw, request.headers.get("content-type"), page_url)
    db = _db(request)
    future = db.submit_write(lambda store: _ingest(request.app, store, items))
    report = await asyncio.wrap_future(future)
    body = report_body(report)
    return _json(body, status=201 if report.stored else 200)


def _ingest(app, store, items):
    from ..ingest.pipeline import ingest_documents

    return ingest_documents(items, store, code=True, quiet=True,
                            coder_factory=lambda: _coder(app))


def _coder(app):
    """One coder for the server's life, built on the writer thread on first use (loading
    spaCy and the dictionaries costs seconds; every later upload reuses it)."""
    if app.state.coder is None:
        factory = app.state.config.coder_factory
        if factory is None:
            from ..events.coder import Coder

            factory = Coder
        app.state.coder = factory()
    return app.state.coder
