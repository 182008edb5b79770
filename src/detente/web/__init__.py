"""The web app and HTTP API (`detente serve`): pages to browse events, dyads and briefs, and a
REST API (OpenAPI at /docs) that other tools can script, ingest over HTTP included.

``create_app(WebConfig(db="detente.duckdb", token=...))`` returns the ASGI app; reads run in
parallel on pooled DuckDB cursors, writes go through one writer thread (see database.py).
"""
from .app import ConfigError, WebConfig, config_from_env, create_app

__all__ = ["create_app", "WebConfig", "ConfigError", "config_from_env"]
