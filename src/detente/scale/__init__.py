"""Scale-out: a Dask pipeline into a Parquet event lake, read back through DuckDB views.

* :func:`run` / :func:`run_documents` -- inputs (or a Document stream) -> lake, partition by
  partition on a Dask cluster, resumable and exactly-once (:mod:`.runner`, :mod:`.work`).
* :func:`open_source` -- what query commands read: the DuckDB store or a lake, both as a
  read-only :class:`~detente.store.Store` with tables/views ``articles``, ``events``,
  ``merged_events`` ... (:mod:`.views`).
* :func:`finalize` -- lake-wide owners, near-duplicate links, merged events (:mod:`.derive`).
* :func:`compact`, :func:`export_store`, :func:`import_lake` -- maintenance (:mod:`.maintenance`).

docs/scale.md describes the layout, the guarantees and how to run on a real cluster.
"""
from .layout import Lake, LakeError
from .views import LakeStore, open_lake, open_source, stale_note

__all__ = ["run", "run_documents", "RunReport", "Lake", "LakeError", "LakeStore", "open_lake",
           "open_source", "stale_note", "finalize", "FinalizeReport", "compact", "export_store",
           "import_lake", "lake_info"]


def __getattr__(name: str):
    # The runner pulls in Dask and the ingest readers; query commands only need the views.
    if name in ("run", "run_documents", "RunReport"):
        from . import runner

        return getattr(runner, name)
    if name in ("finalize", "FinalizeReport"):
        from . import derive as module

        return getattr(module, name)
    if name in ("compact", "export_store", "import_lake", "lake_info"):
        from . import maintenance

        return getattr(maintenance, name)
    raise AttributeError(name)
