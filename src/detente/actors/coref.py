"""In-document coreference for actor mentions: deliberately small, ordered rules.

1. Dominant country: the country named most often in the article (ties: the first named).
   Role words and titles with no country of their own ("the president", "police", "rebels")
   take it, unless they have a fallback code ("human rights group" -> NGO).
2. Names: a PERSON entity that repeats part of the name of someone resolved earlier in the
   article ("Kim" after "Kim Jong Un", "Tanaev" after "Prime Minister Nikolai Tanaev") is that
   person; this beats the date rule for bare surnames.
3. Pronouns: "he"/"him" and "she"/"her" (personal, not possessive) refer to the most recent
   person or title mention of compatible gender in the same or the previous two sentences.
4. Pairs: "the two leaders", "both leaders" -> two distinct people named in the last six
   sentences (or, failing that, the governments of two countries); "both countries", "the two
   nations", "both sides" -> two distinct countries.  Of the candidates, the two the article
   has named most often so far.  One mention per referent, on the same span.
5. "the country", "the nation" -> the last country named; "the North"/"the South" -> the last
   country whose name begins so (North Korea, South Sudan...).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date

from .resolver import Hit

_PRONOUNS = {"he": "M", "him": "M", "she": "F", "her": "F"}
_PAIR_PEOPLE = ("the two leaders", "both leaders", "the two presidents", "both presidents",
                "the two heads of state", "the two men", "the two ministers", "both men")
_PAIR_COUNTRIES = ("both countries", "the two countries", "both nations", "the two nations",
                   "both sides", "the two sides", "the two neighbours", "the two neighbors",
                   "both governments", "the two governments", "the two states", "both states",
                   "the two allies", "both allies", "the two capitals")
_ONE_COUNTRY = ("the country", "the nation")
_PAIR_WINDOW = 6  # sentences back to look for the two referents
_PRONOUN_WINDOW = 2


def dominant_country(hits: list[Hit]) -> str | None:
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for h in hits:
        if h.country and not h.via.startswith("coref"):
            counts[h.country] += 1
            first.setdefault(h.country, h.start)
    if not counts:
        return None
    return max(counts, key=lambda c: (counts[c], -first[c]))


def resolve_hits(resolver, doc, hits: list[Hit], day: date | None) -> list[list[Hit]]:
    sents = list(doc.sents)
    sent_of = _SentenceIndex(sents)
    hits = sorted(hits, key=lambda h: (h.start, h.end))
    dominant = dominant_country(hits)
    lower = _Lower(doc)
    # only these tokens can start a rule below, so the loops visit nothing else (found on the
    # token array, without building Token objects for the whole article)
    keys = doc.to_array("LOWER")
    wanted = {doc.vocab.strings.add(w) for w in _START_WORDS}
    starts = [i for i, k in enumerate(keys.tolist()) if k in wanted]

    # 1. roles without a country take the article's dominant country
    for h in hits:
        if h.needs_country and dominant:
            h.country = dominant
            h.code = f"{dominant}{h.role}"
            h.needs_country = False
            h.via += "+context:dominant"

    # 2. surnames and partial names of people met earlier
    hits = _name_coref(resolver, doc, hits, day)

    # the pair and country phrases outrank the role word inside them ("the two leaders")
    for i in starts:
        n = _phrase_at(lower, i, _PAIR_PEOPLE + _PAIR_COUNTRIES + _ONE_COUNTRY)
        if n:
            hits = [h for h in hits if not (h.start >= i and h.end <= i + n and h.kind in ("role", "title"))]

    covered = {i for h in hits for i in range(h.start, h.end)}
    extra: list[Hit] = []
    for i in starts:
        if i in covered:
            continue
        tok = doc[i]
        si = sent_of.get(tok.i, 0)
        # 3. personal pronouns
        if tok.lower_ in _PRONOUNS and tok.tag_ == "PRP":
            ante = _last_person(hits, tok.i, si, sent_of, _PRONOUNS[tok.lower_])
            if ante is not None:
                extra.append(replace(ante, start=tok.i, end=tok.i + 1, kind="pronoun", char_span=None,
                                     via=f"coref:{tok.lower_}->{ante.name or ante.code}"))
            continue
        # 4./5. phrases
        for phrases, rule in ((_PAIR_PEOPLE, "people"), (_PAIR_COUNTRIES, "countries"), (_ONE_COUNTRY, "country")):
            n = _phrase_at(lower, tok.i, phrases)
            if not n or any(i in covered for i in range(tok.i, tok.i + n)):
                continue
            # "the country's president": the phrase is a possessor, resolve the country all the same
            found = _phrase_referents(hits, tok.i, si, sent_of, rule, lower[tok.i:tok.i + n])
            for ref in found:
                extra.append(replace(ref, start=tok.i, end=tok.i + n, kind="pronoun", char_span=None,
                                     via=f"coref:{' '.join(lower[tok.i:tok.i + n])}->{ref.name or ref.code}"))
            covered.update(range(tok.i, tok.i + n))
            break
        else:
            if tok.text in ("North", "South") and tok.i > 0 and lower[tok.i - 1] == "the" and \
                    not (tok.i + 1 < len(doc) and doc[tok.i + 1].pos_ in ("PROPN", "NOUN")):
                ref = _last_country_named(resolver, hits, tok.i, tok.text)
                if ref is not None:
                    extra.append(Hit(tok.i - 1, tok.i + 1, ref, "pronoun", ref, None,
                                     resolver.dictionary.countries[ref].name, via=f"coref:the {tok.text}->{ref}"))
    hits = sorted(hits + extra, key=lambda h: (h.start, h.end))
    out: list[list[Hit]] = [[] for _ in sents]
    for h in hits:
        out[sent_of.get(h.start)].append(h)
    return out


def _name_coref(resolver, doc, hits: list[Hit], day) -> list[Hit]:
    """Bind later partial names to people resolved earlier in the article."""
    people = [h for h in hits if h.kind == "person" and h.name and not h.via.startswith("surname")]
    if not people:
        return hits
    covered = {i for h in hits for i in range(h.start, h.end)}
    out = list(hits)
    # a bare surname that the date rule resolved may mean someone the article named in full
    for idx, h in enumerate(out):
        if not h.via.startswith("surname"):
            continue
        text = doc[h.start:h.end].text
        earlier = [p for p in people if p.start < h.start and p.name != h.name and _name_part(text, p.name)]
        if earlier:
            ante = earlier[-1]
            out[idx] = replace(ante, start=h.start, end=h.end, char_span=None, via=f"coref:name:{text}->{ante.name}")
    for ent in doc.ents:
        if ent.label_ != "PERSON" or any(i in covered for i in range(ent.start, ent.end)):
            continue
        end = ent.end
        while end > ent.start and doc[end - 1].text in ("'s", "’s"):
            end -= 1
        text = doc[ent.start:end].text
        earlier = [p for p in people if p.start < ent.start and _name_part(text, p.name)]
        if earlier:
            ante = earlier[-1]
            out.append(replace(ante, start=ent.start, end=end, char_span=None,
                               via=f"coref:name:{text}->{ante.name}"))
    return out


def _name_part(text: str, name: str) -> bool:
    """ "Kim" is part of "Kim Jong Un"; "Jong Un" too; "Kimberly" is not."""
    words = text.replace("-", " ").split()
    full = name.replace("-", " ").split()
    n = len(words)
    return n > 0 and n < len(full) + 1 and any(full[i:i + n] == words for i in range(len(full) - n + 1))


def _last_person(hits: list[Hit], i: int, si: int, sent_of, gender: str) -> Hit | None:
    for h in reversed(hits):
        if h.start >= i:
            continue
        if si - sent_of.get(h.start, 0) > _PRONOUN_WINDOW:
            break
        if h.kind not in ("person", "title") or h.code is None:
            continue
        if h.gender and h.gender != gender:
            continue
        return h
    return None


_FIRST_WORDS = {p.split()[0] for p in _PAIR_PEOPLE + _PAIR_COUNTRIES + _ONE_COUNTRY}
_START_WORDS = _FIRST_WORDS | set(_PRONOUNS) | {"north", "south"}


class _Lower:
    """Lower-cased token texts, built on demand."""

    def __init__(self, doc):
        self.doc, self.cache = doc, {}

    def __getitem__(self, key):
        if isinstance(key, slice):
            return [self[i] for i in range(*key.indices(len(self.doc)))]
        value = self.cache.get(key)
        if value is None:
            value = self.cache[key] = self.doc[key].lower_
        return value


class _SentenceIndex:
    """Token index -> sentence number, by bisection over sentence starts."""

    def __init__(self, sents):
        self.starts = [s.start for s in sents]

    def get(self, i: int, default: int = 0) -> int:
        from bisect import bisect_right

        n = bisect_right(self.starts, i) - 1
        return n if n >= 0 else default


_TRIES: dict[tuple[str, ...], dict] = {}


def _phrase_at(lower, i: int, phrases: tuple[str, ...]) -> int:
    """Length in tokens of the longest phrase of ``phrases`` starting at token ``i``, else 0."""
    trie = _TRIES.get(phrases)
    if trie is None:
        trie = _TRIES[phrases] = {}
        for p in phrases:
            node = trie
            for w in p.split():
                node = node.setdefault(w, {})
            node[None] = True  # end of a phrase
    best, node, k, n = 0, trie, i, len(lower.doc)
    while k < n:
        node = node.get(lower[k])
        if node is None:
            break
        k += 1
        if None in node:
            best = k - i
    return best


def _phrase_referents(hits: list[Hit], i: int, si: int, sent_of, rule: str, words: list[str]) -> list[Hit]:
    """Referents of "the two leaders" / "both countries" / "the country".  For a pair, the
    candidates are the distinct people (countries) of the last few sentences; of those, the two
    the article has named most often so far (ties: the more recent), so that "the United
    States is wary of ties between the two nations" in a piece on Russia and North Korea picks
    Russia and North Korea."""
    so_far = [h for h in hits if h.start < i and h.code and not h.via.startswith("coref")]
    window = [h for h in so_far if si - sent_of.get(h.start, 0) <= _PAIR_WINDOW]
    if rule == "people":
        found = _top_two(window, so_far, lambda h: h.name or h.code, ("person", "title"))
        if len(found) >= 2:
            return found
        countries = _top_two(window, so_far, lambda h: h.country, None)
        return [_country_hit(h, "GOV") for h in countries] if len(countries) >= 2 else []
    role = "GOV" if words[-1] in ("governments", "capitals") else None
    if rule == "countries":
        countries = _top_two(window, so_far, lambda h: h.country, None)
        return [_country_hit(h, role) for h in countries] if len(countries) >= 2 else []
    recent = [h for h in reversed(window) if h.country]
    return [_country_hit(recent[0], None)] if recent else []


def _top_two(window: list[Hit], so_far: list[Hit], key, kinds) -> list[Hit]:
    pool = [h for h in window if key(h) and (kinds is None or h.kind in kinds)]
    if not pool:
        return []
    counts = Counter(key(h) for h in so_far if key(h) and (kinds is None or h.kind in kinds))
    last: dict = {}
    for h in pool:
        last[key(h)] = h  # the most recent mention stands for each referent
    ranked = sorted(last, key=lambda k: (counts[k], last[k].start), reverse=True)
    return sorted((last[k] for k in ranked[:2]), key=lambda h: h.start)


def _country_hit(h: Hit, role: str | None) -> Hit:
    code = f"{h.country}{role or ''}"
    return Hit(h.start, h.end, code, "country", h.country, role, None, via=h.via)


def _last_country_named(resolver, hits: list[Hit], i: int, word: str) -> str | None:
    for h in reversed(hits):
        if h.start >= i or not h.country:
            continue
        name = resolver.dictionary.countries[h.country].name
        if name.startswith(word + " "):
            return h.country
    return None
