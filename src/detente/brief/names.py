"""Readable names for actor codes and CAMEO codes, taken from the actor dictionaries and the
CAMEO table so the brief never names anything the data does not."""
from __future__ import annotations

from functools import lru_cache
from typing import Optional

# CAMEO role suffixes of composite actor codes (RUSGOV, USAMIL), as the CAMEO actor codebook
# names them.
ROLES = {
    "GOV": "government", "MIL": "military", "BUS": "business", "MED": "media",
    "OPP": "opposition", "REB": "rebels", "LEG": "legislature", "JUD": "judiciary",
    "COP": "police", "SPY": "intelligence", "CVL": "civilians", "ELI": "elites",
    "EDU": "education", "HLH": "health", "LAB": "labour", "REF": "refugees", "RES": "residents",
    "IGO": "intergovernmental body", "NGO": "NGO",
}


@lru_cache(maxsize=1024)
def actor_name(code: Optional[str]) -> str:
    """Country or organisation name of an actor key (``RUS`` -> Russia), from the actor
    dictionaries; the code itself when they do not know it."""
    if not code:
        return "an unidentified actor"
    try:
        from ..actors import country_name
    except ImportError:  # actor dictionaries not installed: the code is still exact
        return code
    try:
        name = country_name(code)
    except (KeyError, ValueError, LookupError):
        return code
    return name or code


def actor_label(key: Optional[str], code: Optional[str], person: Optional[str]) -> str:
    """'Russia (Vladimir Putin)', 'United States (military)', 'NATO'."""
    name = actor_name(key)
    detail = person
    if not detail and code and key and code != key and code.startswith(key):
        role = code[len(key):len(key) + 3]
        detail = ROLES.get(role)
    return f"{name} ({detail})" if detail and detail != name else name


@lru_cache(maxsize=512)
def code_name(code: str) -> str:
    """CAMEO verb code -> its short description ('042' -> 'make a visit')."""
    try:
        from ..events.cameo import cameo_info
        return cameo_info(code).name
    except (ImportError, KeyError):
        return f"CAMEO {code}"

