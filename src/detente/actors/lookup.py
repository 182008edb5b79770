"""Country lookups by name, without spaCy: for places, feeds, user input and the web layer."""
from __future__ import annotations

import re
from functools import lru_cache

from .dictionary import ActorDictionary, normalize_key

# Leading words that qualify a place without changing its country: "eastern Ukraine".
_QUALIFIERS = re.compile(
    r"^(?:north|south|east|west|central|northern|southern|eastern|western|north-?eastern|"
    r"north-?western|south-?eastern|south-?western|north-?east|north-?west|south-?east|south-?west|"
    r"mainland|occupied|rural|greater|upper|lower|coastal)\s+")


@lru_cache(maxsize=1)
def get_dictionary() -> ActorDictionary:
    """Built-in dictionaries plus the DETENTE_DATA folder, loaded once per process."""
    from ..config import user_data_dir

    extra = user_data_dir()
    return ActorDictionary.load([extra] if extra else [])


def _is_acronym(text: str) -> bool:
    """ "US", "U.K.", "DRC": matched only in capitals, so "us" is not the United States."""
    letters = text.replace(".", "").replace(" ", "")
    return letters.isupper() and len(letters) <= 4


@lru_cache(maxsize=1)
def _acronyms() -> dict[str, str]:
    out: dict[str, str] = {}
    for c in get_dictionary().countries.values():
        for form in c.names + c.adjectives + c.capitals:
            if _is_acronym(form.text):
                out.setdefault(form.text, c.code)
        out.setdefault(c.code, c.code)
    return out


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, str], list[str], list[str]]:
    d = get_dictionary()
    index: dict[str, str] = {}
    # Later kinds never overwrite earlier ones: a country's own name beats another country's
    # city of the same name ("Georgia" the country, not a US state we do not list anyway).
    for attr in ("names", "adjectives", "capitals", "cities"):
        for c in d.countries.values():
            for form in getattr(c, attr):
                if not _is_acronym(form.text):
                    index.setdefault(normalize_key(form.text), c.code)
    keys = [k for k in index if len(k) >= 5]
    return index, keys, [index[k] for k in keys]


def lookup_country(name: str | None) -> str | None:
    """ISO3 code for a country name, alias, adjective/demonym, capital or listed city
    ("DPRK" -> "PRK", "Kiev" -> "UKR", "North Korean" -> "PRK", "eastern Ukraine" -> "UKR",
    "Kharkiv, Ukraine" -> "UKR"); a near spelling is accepted for names of five letters or more
    ("Afghanistaan").  None when the name is not a place we know."""
    if not name or not isinstance(name, str):
        return None
    bare = re.sub(r"^(?:the|The)\s+", "", name.strip())
    bare = re.sub(r"(?:'s|’s)$", "", bare)
    acronyms = _acronyms()
    if bare in acronyms:
        return acronyms[bare]
    key = normalize_key(name)
    key = re.sub(r"(?:'s|’s)$", "", key).strip(" .,;:")
    if not key:
        return None
    index, keys, codes = _index()
    if key in index:
        return index[key]
    stripped = _QUALIFIERS.sub("", key)
    if stripped != key and stripped in index:
        return index[stripped]
    if "," in key:  # "Kharkiv, Ukraine": the most general part names the country
        for part in reversed([p.strip() for p in key.split(",")]):
            found = index.get(part) or index.get(_QUALIFIERS.sub("", part))
            if found:
                return found
    if len(key) >= 5:
        from rapidfuzz import fuzz, process

        hit = process.extractOne(key, keys, scorer=fuzz.ratio, score_cutoff=88)
        if hit is not None and hit[0][:1] == key[:1]:
            return codes[hit[2]]
    return None


def country_name(code: str | None) -> str:
    """Display name for a country code ("PRK" -> "North Korea"); for a composite or non-state
    code the name of its country or body ("RUSGOV" -> "Russia", "IGOUNO" -> "United Nations"),
    else the code itself."""
    if not code:
        return ""
    d = get_dictionary()
    if code in d.countries:
        return d.countries[code].name
    if code[:3] in d.countries:
        return d.countries[code[:3]].name
    return _named_codes().get(code, code)


@lru_cache(maxsize=1)
def _named_codes() -> dict[str, str]:
    out: dict[str, str] = {}
    for a in get_dictionary().actors:
        for code in a.codes:
            out.setdefault(code, a.name)
    return out
