"""`detente serve`: the web app and HTTP API over a store, with uvicorn."""
from __future__ import annotations

import ipaddress
import os
from typing import List, Optional

import typer

from . import app
from .common import DbOption, db_path, fail

LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (default: this machine only)."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port."),
    db: DbOption = None,
    lake: Optional[str] = typer.Option(None, "--lake", help="Serve a Parquet lake folder (detente run), read-only."),
    read_only: bool = typer.Option(False, "--read-only", help="Open the store read-only: no write endpoints."),
    insecure_dev: bool = typer.Option(False, "--insecure-dev", help="Allow writes without DETENTE_TOKEN "
                                      "(loopback host only; for a local trial)."),
    max_body_mb: float = typer.Option(10.0, "--max-body", help="Largest request body, in MB (413 above)."),
    cors_origin: Optional[List[str]] = typer.Option(None, "--cors-origin", help="Allow browser pages from "
                                                    "this origin to call the API (repeatable; default none)."),
    allowed_host: Optional[List[str]] = typer.Option(None, "--allowed-host", help="Host header to "
                                                     "answer (repeatable; default: loopback names "
                                                     "when --host is loopback, else any)."),
    readers: int = typer.Option(8, "--readers", min=1, max=64, help="Concurrent read queries."),
    log_level: str = typer.Option("info", "--log-level", help="uvicorn log level."),
) -> None:
    """Serve the web app and HTTP API (OpenAPI at /docs).  Writes (POST /api/ingest) need
    'Authorization: Bearer $DETENTE_TOKEN' (16+ characters); without a token use --read-only."""
    import uvicorn

    from ..store import StoreError
    from ..web import ConfigError, WebConfig, create_app

    token = os.environ.get("DETENTE_TOKEN") or None
    if insecure_dev and token is None and not _is_loopback(host):
        fail(f"--insecure-dev opens writes to anyone who can reach {host}: use it on a loopback "
              "host (127.0.0.1) only, or set DETENTE_TOKEN")
    if lake and db:
        fail("give --db or --lake, not both")
    if allowed_host:
        hosts = tuple(allowed_host)
    elif _is_loopback(host) and ":" not in host:
        # (Starlette's host check cannot parse an IPv6 Host header: ::1 goes unchecked.)
        hosts = ("127.0.0.1", "localhost")
    else:
        hosts = ()
    config = WebConfig(db=lake or db_path(db), read_only=read_only or bool(lake),
                       token=token, insecure_dev=insecure_dev,
                       max_body=int(max_body_mb * 1024 * 1024),
                       cors_origins=tuple(cors_origin or ()), readers=readers, lake=lake,
                       allowed_hosts=hosts)
    try:
        web_app = create_app(config)
    except (ConfigError, StoreError) as exc:
        fail(str(exc))
    mode = ("read-only" if config.read_only else
            "writable, open writes (--insecure-dev)" if token is None else
            "writable: POST /api/ingest needs the bearer token")
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"detente web app on http://{shown}:{port}/ (store {config.db}, {mode}); "
               "Ctrl-C stops it", err=True)
    uvicorn.run(web_app, host=host, port=port, log_level=log_level, server_header=False,
                proxy_headers=False, workers=1, timeout_graceful_shutdown=10)
