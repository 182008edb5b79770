"""The FastAPI application: configuration, error answers, static files, /docs.

``create_app(WebConfig(db=...))`` opens the store and returns the ASGI app that `detente serve`
runs with uvicorn.  It refuses a writable configuration without a token (unless
``insecure_dev``), so no code path can start an open write endpoint by accident.
"""
from __future__ import annotations

import logging
import os
import threading
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..store import StoreError
from .charts import Cache
from .database import Busy, Database
from .errors import ApiError, validation_message
from .security import BodyTooLarge, LimitsMiddleware, _too_large

log = logging.getLogger("detente.web")

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
DEFAULT_MAX_BODY = 10 * 1024 * 1024


class ConfigError(ValueError):
    """A server configuration that must not start: one line for the user."""


@dataclass
class WebConfig:
    db: str
    read_only: bool = False
    token: Optional[str] = None        # DETENTE_TOKEN; None with insecure_dev = open writes
    insecure_dev: bool = False
    max_body: int = DEFAULT_MAX_BODY   # bytes per request body
    cors_origins: tuple[str, ...] = ()  # none: browsers on other origins get no CORS grant
    readers: int = 8                   # pooled read cursors = concurrent read queries
    # Host headers answered (empty: any).  `detente serve` on a loopback address allows only
    # loopback names, so a web page on another site cannot read the store through a DNS name
    # rebound to 127.0.0.1.
    allowed_hosts: tuple[str, ...] = ()
    # The coder used for uploads (tests pass a fake); default: detente.events.coder.Coder.
    coder_factory: Optional[Callable[[], Any]] = None
    lake: Optional[str] = None  # serve this Parquet lake (read-only) instead of the store

    def check(self) -> None:
        if self.token is not None and not self.token.strip():
            self.token = None
        if not self.read_only and self.token is None and not self.insecure_dev:
            raise ConfigError("refusing to start a writable server without a token: set "
                              "DETENTE_TOKEN (POST /api/ingest then needs 'Authorization: Bearer "
                              "<token>'), or use --read-only, or --insecure-dev for a local trial")
        if self.token is not None and len(self.token) < 16:
            raise ConfigError("DETENTE_TOKEN is shorter than 16 characters: use a long random "
                              "token, e.g. `python -c 'import secrets; print(secrets.token_urlsafe())'`")
        if self.max_body < 1024:
            raise ConfigError("max body: at least 1024 bytes")

    @property
    def writable(self) -> bool:
        return not self.read_only


def create_app(config: WebConfig) -> FastAPI:
    """The web app over ``config.db``.  Raises :class:`ConfigError` or StoreError (one line
    each) when the configuration or the store cannot be used."""
    lake = None
    if config.lake:
        from ..scale import open_source

        config.read_only = True  # a lake is written by `detente run` only
        lake = open_source(lake=config.lake)
    config.check()
    db = Database(config.db, read_only=config.read_only, readers=config.readers, store=lake)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # Import matplotlib and load the actor dictionaries now, off the request path: the
        # first chart would otherwise cost its viewer several seconds.
        threading.Thread(target=_warm_up, name="detente-warm-up", daemon=True).start()
        try:
            yield
        finally:
            db.close()

    app = FastAPI(
        title="detente", version=__version__, lifespan=lifespan,
        description="Coded political events from international news: articles, events with "
                    "their evidence, dyad series and shifts, the alignment network, cited briefs. "
                    "Write endpoints need `Authorization: Bearer <DETENTE_TOKEN>`.",
        docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    app.state.config = config
    app.state.db = db
    app.state.cache = Cache(128)
    app.state.coder = None

    _install_error_handlers(app)
    from . import api, pages

    app.include_router(api.router)
    if config.writable:
        app.include_router(api.write_router)
    else:
        app.add_api_route("/api/ingest", _read_only_ingest, methods=["POST"],
                          include_in_schema=False)
    app.include_router(pages.router)
    _install_docs(app)  # mounts /static/swagger, which must come before /static
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if config.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(config.cors_origins),
                           allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type"])
    if config.allowed_hosts:
        from starlette.middleware.trustedhost import TrustedHostMiddleware

        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(config.allowed_hosts))
    app.add_middleware(LimitsMiddleware, max_body=config.max_body)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _warm_up() -> None:
    try:
        from ..relations import plots  # noqa: F401 - matplotlib and its font cache
        from .views import name_of

        name_of("USA")  # actor dictionaries
    except Exception:  # noqa: BLE001 - a warm-up failure only costs the first request time
        log.debug("warm-up failed", exc_info=True)


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document plus what it cannot infer: the upload schemas (the ingest body is
    read by hand to accept several content types) and the bearer scheme of write endpoints."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    from .uploads import IngestBatch, IngestDocument

    schema = get_openapi(title=app.title, version=app.version, description=app.description,
                         routes=app.routes)
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for model in (IngestDocument, IngestBatch):
        body = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in body.pop("$defs", {}).items():
            schemas.setdefault(name, sub)
        schemas[model.__name__] = body
    components["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer",
                                                "description": "DETENTE_TOKEN"}}
    ingest = schema.get("paths", {}).get("/api/ingest", {}).get("post")
    if ingest is not None:
        ingest["security"] = [{"bearer": []}]
    app.openapi_schema = schema
    return schema


async def _read_only_ingest() -> JSONResponse:
    return JSONResponse({"error": "this server is read-only (--read-only): ingest is disabled",
                         "field": None}, status_code=405, headers={"Allow": "GET"})


# -- errors --------------------------------------------------------------------------------

def _wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api") or path == "/openapi.json"


def _error_response(request: Request, status: int, message: str, field: Optional[str] = None,
                    headers: Optional[dict[str, str]] = None,
                    extra: Optional[dict[str, Any]] = None) -> Response:
    if _wants_json(request):
        body: dict[str, Any] = {"error": message, "field": field}
        body.update(extra or {})
        return JSONResponse(jsonable_encoder(body), status_code=status, headers=headers)
    from .pages import render_error

    return render_error(request, status, message, headers)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError):
        return _error_response(request, exc.status, exc.message, exc.field, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        message, field = validation_message(list(exc.errors()))
        detail = [{"loc": list(e.get("loc", ())), "msg": e.get("msg")} for e in exc.errors()[:20]]
        return _error_response(request, 422, message, field, extra={"detail": detail})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        message = exc.detail if isinstance(exc.detail, str) else "error"
        if exc.status_code == 404 and message == "Not Found":
            message = f"{request.url.path}: no such page or endpoint"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}"
        return _error_response(request, exc.status_code, message, None, exc.headers)

    @app.exception_handler(BodyTooLarge)
    async def too_large(request: Request, exc: BodyTooLarge):
        limit = request.app.state.config.max_body
        return JSONResponse(_too_large(limit), status_code=413, headers={"Connection": "close"})

    @app.exception_handler(Busy)
    async def busy(request: Request, exc: Busy):
        return _error_response(request, 503, str(exc), None, {"Retry-After": "2"})

    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: StoreError):
        return _error_response(request, 503, str(exc))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        # The traceback goes to the server log only: a client learns nothing about internals.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _error_response(request, 500, "internal error (see the server log)")


# -- API docs without a CDN ----------------------------------------------------------------

def _swagger_dir() -> Optional[Path]:
    try:
        from swagger_ui_bundle import swagger_ui_path  # package swagger-ui-bundle-v2
    except ImportError:
        return None
    path = Path(swagger_ui_path)
    return path if (path / "swagger-ui-bundle.js").exists() else None


def _install_docs(app: FastAPI) -> None:
    """/docs: Swagger UI from the swagger-ui-bundle package, served by this server with our
    own initializer (no validator badge, which would call swagger.io).  Without that package, a
    plain list of the endpoints rendered from the OpenAPI document."""
    swagger = _swagger_dir()
    if swagger is not None:
        app.mount("/static/swagger", StaticFiles(directory=swagger), name="swagger")

    @app.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    async def docs(request: Request):
        from .pages import render

        if swagger is not None:
            return render(request, "swagger.html", {})
        return render(request, "endpoints.html", {"openapi": app.openapi()})

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon():
        return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")


def config_from_env(db: Optional[str] = None, **kwargs: Any) -> WebConfig:
    """A config with the token from ``DETENTE_TOKEN`` and the store from ``--db``/DETENTE_DB."""
    from ..store import default_db_path

    return WebConfig(db=db or default_db_path(), token=os.environ.get("DETENTE_TOKEN") or None,
                     **kwargs)
