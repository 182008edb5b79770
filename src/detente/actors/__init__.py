"""Actor dictionaries and resolution: text spans -> CAMEO actor codes.

Public API (agreed in notes/contracts.md):

    ActorResolver(extra_dirs=None)      built once; dictionaries from data/ plus DETENTE_DATA
    resolver.mentions(doc_or_span, date, base_offset=0) -> list[ActorMention]
    resolver.resolve_document(doc, date) -> list[list[ActorMention]]   (per sentence, coref)
    get_resolver() -> ActorResolver     cached singleton
    lookup_country(name) -> str | None  ISO3 from a country name, adjective, capital or city
    country_name(code) -> str           display name for a country (or any actor) code

The dictionary format and the resolution rules are in docs/actors.md.
"""
from __future__ import annotations

from .dictionary import ActorDictionary, DictionaryError
from .lookup import country_name, get_dictionary, lookup_country
from .resolver import ActorResolver, parse_day

__all__ = ["ActorResolver", "ActorDictionary", "DictionaryError", "get_resolver", "get_dictionary",
           "lookup_country", "country_name", "parse_day"]

_RESOLVER: ActorResolver | None = None


def get_resolver() -> ActorResolver:
    """The process-wide resolver (dictionaries and matchers are built once, on first use)."""
    global _RESOLVER
    if _RESOLVER is None:
        _RESOLVER = ActorResolver(dictionary=get_dictionary())
    return _RESOLVER
