"""Storage: the embedded DuckDB store (default) and, in :mod:`detente.scale`, the Parquet lake."""
from .db import DEFAULT_DB, Store, StoreError, default_db_path
from .schema import SCHEMA_VERSION

__all__ = ["Store", "StoreError", "DEFAULT_DB", "default_db_path", "SCHEMA_VERSION"]
