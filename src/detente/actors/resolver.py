"""Find and resolve actor mentions in parsed text.

How a mention is found, in order (docs/actors.md has the full rules):

1. Two spaCy PhraseMatchers run over the tokens: one over exact token text for names
   (countries, adjectives, capitals, named bodies, IGOs, groups, people) so that "US" is not
   "us" and "May" the month is not matched as "may", and one over lower-cased text for role
   words and titles ("troops", "Foreign Minister").  Overlaps go to the longest match.  A
   line break inside a name (hard-wrapped text: "West" at a line's end, "Bank" on the next)
   does not split it, and a region followed by more of a proper name ("the West Coast",
   "the Africa Cup") is not the region.
2. Hyphen-joined tokens spaCy keeps whole ("U.S.-led", "Sino-US") are split and their parts
   looked up.
3. spaCy's NER vetoes false hits: a name inside a longer PERSON entity is someone's name
   ("Jordan Peterson", "Hunter Biden"); forms marked ambiguous need confirmation (a place
   must be tagged as a place/organisation, a surname as PERSON or follow a title).
4. Adjacent pieces of one noun phrase combine: country (adjective, name, possessive or
   capital) + role word + person, e.g. "Russian President Vladimir Putin" -> one RUSGOV
   mention; "Iraqi troops" -> IRQMIL; "Hungarian and Romanian officials" -> HUNGOV and
   ROUGOV; "the army of Sudan" -> SDNMIL; "former" makes the role ELI.
5. People resolve by the article date: a full name always resolves, with the role of the
   office held that day (ELI when none); a surname alone resolves to whoever held office
   under that name that day, else to the most recent holder, as ELI.
6. NER entities left over are fuzzy-matched (rapidfuzz) against the dictionary, for
   transliteration variants the files do not list.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Iterable, Sequence

from ..records import ActorMention
from .dictionary import ActorDictionary, Country, Form, NamedActor, Person, RoleWord, fold, normalize_key

# NER labels that confirm an ambiguous place/organisation form.
_PLACE_LABELS = frozenset({"GPE", "LOC", "NORP", "ORG", "FAC"})
# Words that may sit between a country and its role word inside one noun phrase.
_GLUE_WORDS = frozenset({"'s", "’s", "'", "top", "senior", "chief", "deputy", "acting", "interim", "new",
                         "outgoing", "incoming", "veteran", "then", "state", "state-run", "official",
                         "leading", "main", "key", "powerful", "hardline", "embattled", "longtime",
                         "long-time", "de", "facto", "military", "armed", "ruling", "elected", "the"})
_HONORIFICS = frozenset({"mr", "mr.", "mrs", "mrs.", "ms", "ms.", "dr", "dr.", "sir", "dame", "lord", "lady",
                         "gen", "gen.", "col", "col.", "lt", "lt.", "sen", "sen.", "rep", "rep.", "gov",
                         "gov.", "pres", "pres.", "prince", "princess", "sheikh", "ayatollah", "mullah",
                         "marshal", "field", "comrade", "'s", "’s", "the"})
_ANCHOR_KINDS = frozenset({"country", "adjective", "capital", "city", "institution", "igo", "group", "region"})
_FORMER = frozenset({"former", "ex", "ex-", "erstwhile", "retired", "late", "ousted", "deposed", "toppled"})
_PP_LINKS = {"of": None, "from": None, "in": "nonmil"}  # "the army of Sudan", "police in Kenya"
_HYPHEN_PART = re.compile(r"[^-–]+")
# "pro-Russian separatists", "anti-Syria journalist": the name is a stance, not an affiliation
_STANCE_PREFIXES = frozenset({"pro", "anti", "non"})


@dataclass(frozen=True)
class Reading:
    """One dictionary reading of a matched phrase."""

    kind: str  # country adjective capital city institution igo group region block person short role
    code: str | None = None
    name: str | None = None
    ambiguous: bool = False
    country: Country | None = None
    actor: NamedActor | None = None
    person: Person | None = None
    role: RoleWord | None = None


@dataclass
class Hit:
    """A resolved mention with its token span; ActorMention is what leaves the module."""

    start: int  # token index in the Doc
    end: int
    code: str | None
    kind: str
    country: str | None = None
    role: str | None = None
    name: str | None = None
    via: str = ""
    person: Person | None = None
    gender: str = ""
    title_office: str | None = None  # title words in front of a person, for tie-breaks
    needs_country: bool = False  # a role word with no country yet
    fallback: str | None = None
    char_span: tuple[int, int] | None = None  # part of a hyphenated token ("U.S." in "U.S.-led")

    def to_mention(self, doc, base_offset: int = 0) -> ActorMention:
        if self.char_span:
            s, e = self.char_span
            text = doc[self.start].text[s - doc[self.start].idx:e - doc[self.start].idx]
        else:
            span = doc[self.start:self.end]
            s, e, text = span.start_char, span.end_char, span.text
        code = self.code or f"---{self.role or ''}"
        return ActorMention(text=text, start=s + base_offset, end=e + base_offset, code=code,
                            country=self.country, role=self.role, name=self.name, kind=self.kind,
                            via=self.via)


def parse_day(value: str | date | None) -> date | None:
    """The article date as a day: full ISO timestamps are cut to their date; a bare year or
    year-month stands for its middle, the least wrong guess for who was in office."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    text = str(value).strip()[:10]
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    m = re.match(r"^(\d{4})(?:-(\d{1,2}))?", text)
    if not m:
        return None
    year = int(m.group(1))
    return date(year, int(m.group(2)), 15) if m.group(2) else date(year, 7, 1)


class ActorResolver:
    """Actor mentions in spaCy Docs/Spans.  Build once (get_resolver()); matching is cheap."""

    def __init__(self, extra_dirs: Iterable | None = None, *, nlp=None, dictionary: ActorDictionary | None = None):
        from ..config import user_data_dir

        if extra_dirs is None:
            extra_dirs = [d for d in [user_data_dir()] if d is not None]
        self.dictionary = dictionary or ActorDictionary.load(extra_dirs)
        self._nlp = nlp
        self._names: dict[str, list[Reading]] = {}
        self._roles: dict[str, RoleWord] = dict(self.dictionary.roles)
        # words that may precede a name inside a PERSON entity without being part of the name
        self._title_words = _HONORIFICS | {w for k in self._roles for w in k.split()}
        self._index_names()
        self._name_matcher = None
        self._role_matcher = None
        self._vocab = None
        self._fuzzy_cache: dict[tuple[str, str, int], str | None] = {}
        self._fuzzy_index: dict[str, tuple[list[str], list[str]]] = {}

    # --- building ---------------------------------------------------------------------------

    def _add(self, form: Form, reading: Reading) -> None:
        reading = replace(reading, ambiguous=reading.ambiguous or form.ambiguous)
        variants = {form.text, fold(form.text)}
        if form.text.startswith("the "):  # "The West condemned ..." opens a sentence
            variants |= {"The " + v[4:] for v in variants}
        for v in list(variants):  # typographic apostrophes: "People’s", "Workers’ Party"
            if "'" in v:
                variants.add(v.replace("'", "’"))
        for v in list(variants):  # shouted headlines: "RUSSIA", but not short acronyms
            if len(v) > 4 and any(c.islower() for c in v):
                variants.add(v.upper())
            if "-" in v and reading.kind in ("person", "short"):  # "Jae-in" ~ "Jae In" ~ "Jae-In"
                variants.add(v.replace("-", " "))
                variants.add(re.sub(r"-(\w)", lambda m: "-" + m.group(1).upper(), v))
        for v in variants:
            bucket = self._names.setdefault(v, [])
            if reading not in bucket:
                bucket.append(reading)

    def _index_names(self) -> None:
        d = self.dictionary
        for c in d.countries.values():
            for f in c.names:
                self._add(f, Reading("country", c.code, c.name, country=c))
            for f in c.adjectives:
                self._add(f, Reading("adjective", c.code, c.name, country=c))
                plural = _demonym_plural(f)
                if plural is not None:  # "Iraqis", "North Koreans": the people, coded as the country
                    self._add(plural, Reading("adjective", c.code, c.name, country=c))
            for f in c.capitals:
                self._add(f, Reading("capital", c.code, c.name, country=c))
            for f in c.cities:
                # Cities are not actors; they are matched only so that "Mexico City" or "Benin
                # City" is not read as the country inside it.
                self._add(f, Reading("city", c.code, c.name, country=c))
        for a in d.actors:
            for f in a.forms:
                self._add(f, Reading(a.kind, a.code, a.name, actor=a))
        for p in d.people.values():
            for f in [Form(p.name)] + p.aliases:
                self._add(f, Reading("person", None, p.name, person=p))
            for f in p.short:
                self._add(f, Reading("short", None, p.name, person=p))

    def _ensure_matchers(self, vocab) -> None:
        if self._name_matcher is not None and vocab is self._vocab:
            return
        from spacy.matcher import PhraseMatcher

        if self._nlp is None:
            from ..nlp import load_nlp

            self._nlp = load_nlp()
        tokenizer = self._nlp.tokenizer
        names = PhraseMatcher(vocab, attr="ORTH")
        keys = list(self._names)
        for key, pattern in zip(keys, tokenizer.pipe(keys, batch_size=1000)):
            names.add("N\t" + key, [pattern])
        roles = PhraseMatcher(vocab, attr="LOWER")
        rkeys = list(self._roles)
        # Tokenise each phrase as written and in Title Case: the tokenizer keeps "Gen." whole but
        # splits "gen.", and matching is on lower-cased tokens, so both splits are needed.
        lowered = tokenizer.pipe(rkeys, batch_size=1000)
        titled = tokenizer.pipe([k.title() for k in rkeys], batch_size=1000)
        for key, a, b in zip(rkeys, lowered, titled):
            roles.add("R\t" + key, [a, b] if [t.lower_ for t in a] != [t.lower_ for t in b] else [a])
        self._name_matcher, self._role_matcher, self._vocab = names, roles, vocab

    def __getstate__(self):
        # Dask and multiprocessing ship the resolver to workers: send the dictionaries and let
        # each worker rebuild its matchers (PhraseMatchers hold a Vocab that pickles badly).
        state = dict(self.__dict__)
        state.update(_name_matcher=None, _role_matcher=None, _vocab=None, _nlp=None,
                     _fuzzy_cache={}, _fuzzy_index={})
        return state

    def warm(self) -> "ActorResolver":
        """Build the matchers now rather than on the first document."""
        if self._nlp is None:
            from ..nlp import load_nlp

            self._nlp = load_nlp()
        self._ensure_matchers(self._nlp.vocab)
        for label in _FUZZY_KINDS:
            self._fuzzy_choices(label)
        return self

    # --- public API -------------------------------------------------------------------------

    def mentions(self, doc_or_span, date: str | None = None, base_offset: int = 0, *,
                 cities: bool = False) -> list[ActorMention]:
        """All actor mentions in a Doc or Span, in text order.  Offsets are the span's character
        offsets in its Doc plus ``base_offset``.  Role words with no country of their own keep
        code "---ROLE" and country None here; resolve_document fills them from the article.
        ``cities=True`` also returns listed cities (kind "city", code = their country), e.g.
        for targets such as "shelled Idlib"; by default they only anchor roles ("Boston police")."""
        hits = self.hits(doc_or_span, date, cities=cities)
        doc = _doc_of(doc_or_span)
        return [h.to_mention(doc, base_offset) for h in hits]

    def resolve_document(self, doc, date: str | None = None, *, cities: bool = False) -> list[list[ActorMention]]:
        """Mentions per sentence of ``doc`` with in-document coreference (coref.py)."""
        from .coref import resolve_hits

        day = parse_day(date)
        hits = self.hits(doc, date, cities=cities)
        per_sentence = resolve_hits(self, doc, hits, day)
        return [[h.to_mention(doc) for h in sent_hits] for sent_hits in per_sentence]

    # --- matching ---------------------------------------------------------------------------

    def hits(self, doc_or_span, date: str | None = None, *, cities: bool = False) -> list[Hit]:
        doc = _doc_of(doc_or_span)
        lo, hi = (0, len(doc)) if doc_or_span is doc else (doc_or_span.start, doc_or_span.end)
        self._ensure_matchers(doc.vocab)
        day = parse_day(date)
        strings = doc.vocab.strings
        spans = []  # (start, end, is_role, key) in Doc token indices
        view, index = _without_line_breaks(doc_or_span, doc, lo)
        for matcher, is_role in ((self._name_matcher, False), (self._role_matcher, True)):
            for match_id, start, end in matcher(view):
                if index is not None:
                    start, end = index[start], index[end - 1] + 1
                spans.append((start, end, is_role, strings[match_id][2:]))
        chosen = _longest_first(spans)
        pieces: list[_Piece] = []
        for s, e, is_role, key in chosen:
            piece = self._piece(doc, s, e, is_role, key)
            if piece is not None:
                pieces.append(piece)
        pieces += self._hyphen_parts(doc, lo, hi, pieces)
        pieces.sort(key=lambda p: p.start)
        _disambiguate_places(pieces)
        hits = self._compose(doc, pieces, day, cities)
        taken = {i for p in pieces for i in range(p.start, p.end)} | {i for h in hits for i in range(h.start, h.end)}
        hits += self._fuzzy(doc, lo, hi, taken, day)
        hits.sort(key=lambda h: (h.start, h.end))
        return hits

    def _piece(self, doc, s: int, e: int, is_role: bool, key: str) -> "_Piece | None":
        span = doc[s:e]
        if is_role:
            role = self._roles[key]
            head = span[-1]
            # "press", "forces", "court" as verbs; "general" as an adjective ("general election")
            if head.pos_ not in ("NOUN", "PROPN") and not (head.pos_ == "ADJ" and key in ("military",)):
                return None
            return _Piece(s, e, [Reading("role", None, None, role=role)])
        if s >= 2 and doc[s - 1].text in ("-", "–") and doc[s - 2].lower_ in _STANCE_PREFIXES:
            return None  # "pro - Russian": a stance
        readings = [r for r in self._names.get(key, []) if self._plausible(doc, s, e, r)]
        if not readings:
            return None
        return _Piece(s, e, readings)

    def _plausible(self, doc, s: int, e: int, r: Reading) -> bool:
        """NER vetoes.  A name inside a longer PERSON entity is part of someone else's name
        ("Jordan Peterson", "George Washington", "Hunter Biden"); an ambiguous place or acronym
        needs the NER to call it a place or an organisation ("Chad said" is a man)."""
        is_person = r.kind in ("person", "short")
        if doc[s].ent_type_ == "PERSON" or doc[e - 1].ent_type_ == "PERSON":
            ent = _entity_at(doc, s) or _entity_at(doc, e - 1)
            if ent is not None and ent.label_ == "PERSON":
                # "Osama bin Laden's al-Qaeda": the NER ran a possessor and a name together
                before = [t for t in ent if t.i < s]
                if any(t.text in ("'s", "’s") for t in before):
                    before = []
                extra = before + [t for t in ent if t.i >= e]
                if any(t.lower_ not in self._title_words for t in extra):
                    return False
                if not is_person and r.ambiguous:
                    return False
        if r.ambiguous and not is_person and doc[s].ent_type_ not in _PLACE_LABELS:
            return False
        if r.kind == "region" and _name_continues(doc, s, e, self._roles):
            return False
        return True

    def _hyphen_parts(self, doc, lo: int, hi: int, pieces: Sequence["_Piece"]) -> list["_Piece"]:
        from spacy.attrs import ORTH

        covered = {i for p in pieces for i in range(p.start, p.end)}
        strings = doc.vocab.strings
        orth = doc.to_array(ORTH)[lo:hi].tolist()
        hyphenated = {h for h in set(orth) if "-" in strings[h] and len(strings[h]) >= 4}
        out = []
        for offset, h in enumerate(orth):
            if h not in hyphenated or lo + offset in covered:
                continue
            tok = doc[lo + offset]
            parts = list(_HYPHEN_PART.finditer(tok.text))
            for n, m in enumerate(parts):
                part = m.group(0)
                if n > 0 and parts[n - 1].group(0).lower() in _STANCE_PREFIXES:
                    continue  # "anti-Syria journalist" is no Syrian
                readings = [r for r in self._names.get(part, [])
                            if r.kind in ("country", "adjective", "capital", "igo", "institution", "group")
                            and not r.ambiguous]
                if readings:
                    out.append(_Piece(tok.i, tok.i + 1, readings,
                                      char_span=(tok.idx + m.start(), tok.idx + m.end())))
        return out

    # --- composition ------------------------------------------------------------------------

    def _compose(self, doc, pieces: list["_Piece"], day: date | None, cities: bool = False) -> list[Hit]:
        """Join each role/title/person with the country pieces of its noun phrase."""
        by_start = {p.start: p for p in pieces}
        hits: list[Hit] = []
        used: set[int] = set()
        n = len(pieces)
        for i, p in enumerate(pieces):
            if i in used or p.primary.kind in ("city", "block"):
                continue
            if p.primary.kind not in ("role", "person", "short"):
                continue
            # walk left over adjacent pieces of the same noun phrase
            chain = [i]
            j = i - 1
            while j >= 0 and j not in used and _adjacent(doc, pieces[j], pieces[chain[0]],
                                                         content=pieces[j].primary.kind in _ANCHOR_KINDS):
                if pieces[j].primary.kind == "block":
                    break
                chain.insert(0, j)
                if pieces[j].primary.kind in _ANCHOR_KINDS:
                    # "Germany's Europe minister": a country right before a region or body owns it
                    if pieces[j].primary.kind in ("region", "igo") and j > 0 and j - 1 not in used and \
                            pieces[j - 1].primary.kind in ("country", "adjective", "capital") and \
                            _adjacent(doc, pieces[j - 1], pieces[j], content=False):
                        chain.insert(0, j - 1)
                    break
                j -= 1
            # a person right after this chain belongs to it ("Foreign Minister" + "Wang Yi")
            k = i + 1
            while k < n and pieces[k].primary.kind in ("role", "person", "short") and \
                    _adjacent(doc, pieces[chain[-1]], pieces[k], content=False):
                chain.append(k)
                k += 1
            hit = self._chain_hit(doc, [pieces[c] for c in chain], day, by_start)
            if hit is None:
                continue
            used.update(chain)
            used.update(m for m in range(k, n) if pieces[m].start < hit.end)  # "of Sudan", a NER name
            hits.append(hit)
            hits += self._coordinated(doc, pieces, chain[0], hit, used)
        for i, p in enumerate(pieces):
            if i not in used and (cities or p.primary.kind != "city"):
                hits += self._single_hits(doc, p, day)
        return hits

    def _chain_hit(self, doc, chain: list["_Piece"], day: date | None, by_start: dict[int, "_Piece"]) -> Hit | None:
        """One noun phrase -- [country or body] [role words] [person] -- as one Hit."""
        anchor = next((p for p in chain if p.primary.kind in _ANCHOR_KINDS), None)
        roles = [p for p in chain if p.primary.kind == "role"]
        people = [p for p in chain if p.primary.kind in ("person", "short")]
        start, end = chain[0].start, chain[-1].end
        former = _is_former(doc, start, end)
        title = " ".join(p.text(doc).lower() for p in chain if p.primary.kind not in ("person", "short"))
        anchor_code = self._anchor_code(anchor, day) if anchor else None
        anchor_country = self.dictionary.country_of_code(anchor_code) if anchor_code else None

        hit = None
        if people:
            hit = self._person_hit(doc, people[-1], day, title=title or None, hint_country=anchor_country,
                                   titled=bool(roles))
            if hit is None and not roles:
                return None  # an unconfirmed surname; with a title, the title alone still counts
        ner_end, ner_name = end, None
        if hit is None and roles[0].primary.role.kind == "title":
            # a title followed by a PERSON entity: "President Zelenskyi" (a near spelling of a
            # known name) or "Kyrgyz Prime Minister Nikolai Tanaev" (someone we do not list)
            ner_end, ner_name = _person_entity_after(doc, end)
            if ner_name:
                key = self.fuzzy_key(ner_name, "PERSON")
                if key is not None:
                    piece = _Piece(end, ner_end, [r for r in self._names[key] if r.kind in ("person", "short")])
                    hit = self._person_hit(doc, piece, day, title=title, hint_country=anchor_country, titled=True)
                    if hit is not None:
                        hit.via = f"fuzzy:{ner_name}~{key}"
        if hit is not None:
            hit.start = _former_start(doc, start) if former else start
            if former and hit.country:
                hit.code, hit.role, hit.via = f"{hit.country}ELI", "ELI", hit.via + "+former"
            return hit
        return self._role_hit(doc, anchor, anchor_code, anchor_country, roles, start, end, ner_end, ner_name,
                              former, by_start)

    def _role_hit(self, doc, anchor, anchor_code, anchor_country, roles, start, end, ner_end, ner_name,
                  former, by_start) -> Hit | None:
        """A role word or title, with the country of its phrase when it has one."""
        role = roles[0].primary.role
        role_text = roles[0].text(doc)
        kind = "person" if ner_name else role.kind
        role_code = "ELI" if former else role.role
        if former:
            start = _former_start(doc, start)
        if anchor is None:
            # "the army of Sudan" (one mention), "King Hassan of Morocco" (after the name)
            anchor_code, anchor_country, via, pp_end = self._pp_country(doc, ner_end if ner_name else end, role,
                                                                        by_start)
            if anchor_code:
                ner_end = pp_end
        else:
            via = f"{anchor.primary.kind}:{anchor.text(doc)}"
        body = anchor is not None and anchor.primary.kind in ("institution", "group", "igo", "region")
        name = ner_name or (anchor.primary.name if body else None)
        if anchor_code and body:
            # a named body keeps its own code: "Pentagon officials" USAMIL, "Labour leader"
            # GBROPP, "NATO envoys" IGOWSTNAT; an IGO's armed units add MIL ("UN troops")
            code = anchor_code
            if former and anchor_country:
                code = f"{anchor_country}ELI"
            elif anchor.primary.kind == "igo" and role.role == "MIL" and not code.endswith("MIL"):
                code += "MIL"
            role_out = code[3:6] if anchor_country else (role.role if code.endswith(role.role) else None)
            return Hit(start, ner_end, code, kind, anchor_country, role_out, name, via=f"{via}+role:{role_text}")
        if anchor_code and anchor_country:
            return Hit(start, ner_end, f"{anchor_country}{role_code}", kind, anchor_country, role_code, name,
                       via=f"{via}+role:{role_text}")
        head = doc[roles[-1].end - 1]
        if not ner_name and head.dep_ in ("amod", "compound", "nmod") and head.head.i > head.i:
            return None  # a bare role word modifying a noun: "military domain", "police station"
        if role.fallback == "-":
            if not ner_name:
                return None  # a word that names an actor only with a country ("Israeli tanks")
            fallback = None
        else:
            fallback = role.fallback
        return Hit(start, ner_end, fallback, kind, None, None if fallback else role_code, ner_name,
                   via=f"role:{role_text}" + ("+fallback" if fallback else ""),
                   needs_country=fallback is None, fallback=fallback)

    def _pp_country(self, doc, end: int, role: RoleWord,
                    by_start: dict[int, "_Piece"]) -> tuple[str | None, str | None, str, int]:
        """A country right after the role in an "of/from/in" phrase: "the army of Sudan",
        "police in Kenya", "militias in Tripoli" (not "troops in Syria": troops are often
        foreign)."""
        if end >= len(doc):
            return None, None, "", end
        link = doc[end].lower_
        if link not in _PP_LINKS or (_PP_LINKS[link] == "nonmil" and role.role == "MIL"):
            return None, None, "", end
        k = end + 1
        if k < len(doc) and doc[k].lower_ == "the":
            k += 1
        for key_len in range(min(6, len(doc) - k), 0, -1):
            text = doc[k:k + key_len].text
            after = doc[k + key_len] if k + key_len < len(doc) else None
            if after is not None and (after.text in ("'s", "’s") or after.pos_ == "PROPN"):
                continue  # "president of Japan's largest chipmaker", "of the Japan Federation"
            piece = by_start.get(k)  # its readings are already disambiguated ("Tripoli")
            readings = piece.readings if piece is not None and piece.end == k + key_len else self._names.get(text, [])
            for r in readings:
                if r.kind in ("country", "capital", "city") and not r.ambiguous:
                    return r.code, r.code, f"{link}:{text}", k + key_len
                if r.kind == "adjective" and not r.ambiguous:
                    # "the regime of Syrian President Bashar Assad": the country, not the phrase
                    return r.code, r.code, f"{link}:{text}", end
        return None, None, "", end

    def _coordinated(self, doc, pieces, first: int, hit: Hit, used: set[int]) -> list[Hit]:
        """ "Hungarian and Romanian officials": earlier adjectives joined by "and"/"," share the role."""
        out = []
        if hit.role is None or hit.country is None or hit.kind == "person":
            return out
        j = first - 1
        right = pieces[first]
        while j >= 0 and j not in used:
            p = pieces[j]
            gap = doc[p.end:right.start]
            if p.primary.kind != "adjective" or len(gap) != 1 or gap[0].lower_ not in ("and", ",", "&", "or"):
                break
            used.add(j)
            out.append(Hit(p.start, p.end, f"{p.primary.code}{hit.role}", hit.kind, p.primary.code,
                           hit.role, None, via=f"adjective:{doc[p.start:p.end].text}+coordinated"))
            right = p
            j -= 1
        return out

    def _anchor_code(self, piece: "_Piece", day: date | None) -> str | None:
        r = piece.primary
        if r.kind in ("institution", "igo", "group", "region"):
            return self._dated_code(piece, day)
        return r.code

    def _dated_code(self, piece: "_Piece", day: date | None) -> str | None:
        """Named bodies may change code over time (the Taliban: REB until 2021-08-15, GOV after)."""
        options = [r for r in piece.readings if r.actor is not None]
        if not options:
            return piece.primary.code
        if day is not None:
            for r in options:
                a = r.actor
                if (a.start is None or a.start <= day) and (a.end is None or day < a.end):
                    return a.codes[0] if a.codes else None
        latest = max(options, key=lambda r: r.actor.start or date.min)
        return latest.actor.codes[0] if latest.actor.codes else None

    def _single_hits(self, doc, p: "_Piece", day: date | None) -> list[Hit]:
        """A piece standing alone: a country, adjective, capital, named body or person.  A body
        with several codes ("the two Koreas" -> PRK+KOR) gives one hit per code, same span."""
        r = p.primary
        text = p.text(doc)
        if r.kind in ("block", "role"):
            return []
        if r.kind in ("person", "short"):
            hit = self._person_hit(doc, p, day, titled=_after_honorific(doc, p.start))
            return [hit] if hit else []
        if r.kind in ("institution", "igo", "group", "region"):
            codes = self._dated_codes([x for x in p.readings if x.actor is not None], day)
            hits = []
            for code in codes:
                country = self.dictionary.country_of_code(code)
                hits.append(Hit(p.start, p.end, code, r.kind, country,
                                code[3:6] if country and len(code) > 3 else None, r.name,
                                via=f"{r.kind}:{text}", char_span=p.char_span))
            return hits
        return [Hit(p.start, p.end, r.code, r.kind, r.code, None, r.name, via=f"{r.kind}:{text}",
                    char_span=p.char_span)]

    def _dated_codes(self, options: list[Reading], day: date | None) -> list[str]:
        if not options:
            return []
        live = [r for r in options if day is None or
                ((r.actor.start is None or r.actor.start <= day) and (r.actor.end is None or day < r.actor.end))]
        if day is None or not live:
            live = [max(options, key=lambda r: (r.actor.end or date.max, r.actor.start or date.min))]
        return live[0].actor.codes

    # --- people -----------------------------------------------------------------------------

    def _person_hit(self, doc, p: "_Piece", day: date | None, *, title: str | None = None,
                    hint_country: str | None = None, titled: bool = False) -> Hit | None:
        full = [r.person for r in p.readings if r.kind == "person"]
        short = [r for r in p.readings if r.kind == "short"]
        text = p.text(doc)
        if full:
            person = _pick(full, day, title, hint_country)
            via = f"person:{text}"
        elif short:
            if any(r.ambiguous for r in short) and not titled and doc[p.start].ent_type_ != "PERSON":
                return None  # "May", "Moon", "Kim" need NER or a title to be a person
            person = self.resolve_surname([r.person for r in short], day, title, hint_country)
            if person is None:
                return None
            via = f"surname:{text}"
        else:
            return None
        code, _ = person.code_at(day)
        if day is None and title and len(person.terms) > 1:
            # undated article: the title in front says which office is meant
            # ("European Council President Donald Tusk" is not Poland's prime minister)
            words = set(title.split())
            best = max(person.terms, key=lambda t: (len(words & set(t.office.lower().split())), t.end or date.max))
            if words & set(best.office.lower().split()):
                code = best.code
        country = self.dictionary.country_of_code(code)
        role = code[3:6] if country and len(code) > 3 else None
        return Hit(p.start, p.end, code, "person", country, role, person.name, via=via, person=person,
                   gender=person.gender, title_office=title)

    def resolve_surname(self, people: list[Person], day: date | None, title: str | None = None,
                        hint_country: str | None = None) -> Person | None:
        """Whom a bare surname means on ``day``: the one holder of an office then; failing that,
        the bearer whose last office ended most recently (a former official, coded ELI).
        Several office-holders at once (two Kims in 2000) are told apart by the title in
        front and the country in context; if that fails the surname stays unresolved."""
        people = list(dict.fromkeys(people))
        if day is None:
            return max(people, key=lambda p: _latest_key(p))
        in_office = [p for p in people if p.term_at(day)]
        if len(in_office) == 1:
            return in_office[0]
        if len(in_office) > 1:
            narrowed = _tie_break(in_office, day, title, hint_country)
            return narrowed
        past = [p for p in people if any(t.start is None or t.start <= day for t in p.terms)]
        if not past:
            return None
        if hint_country:
            same = [p for p in past if p.nationality == hint_country]
            past = same or past
        return max(past, key=lambda p: max((t.end or date.max) for t in p.terms if t.start is None or t.start <= day))

    # --- fuzzy ------------------------------------------------------------------------------

    def _fuzzy(self, doc, lo: int, hi: int, covered: set[int], day: date | None) -> list[Hit]:
        """Entities the dictionary missed (no token matched anything, not even a block phrase
        or a city), matched to a close spelling of a known name."""
        out = []
        for ent in doc.ents:
            if ent.start < lo or ent.end > hi or ent.label_ not in _FUZZY_KINDS:
                continue
            end = _content_end(ent)
            if end <= ent.start or any(i in covered for i in range(ent.start, end)):
                continue
            text = doc[ent.start:end].text
            label = ent.label_
            key = self.fuzzy_key(text, label)
            if key is None and label != "GPE":  # "Ethopia" tagged as a person or an organisation
                label = "GPE"
                key = self.fuzzy_key(text, label, cutoff=92)
            if key is None:
                continue
            piece = _Piece(ent.start, end, [r for r in self._names[key] if r.kind in _FUZZY_KINDS[label]])
            if not piece.readings:
                continue
            for hit in self._single_hits(doc, piece, day):
                hit.via = f"fuzzy:{text}~{key}"
                out.append(hit)
                covered.update(range(hit.start, hit.end))
        # a misspelt country the NER missed altogether ("Ethopia has agreed ..."); candidates
        # are picked on the token arrays so no Token objects are built for the whole text
        from spacy.attrs import ENT_TYPE, IS_ALPHA, POS

        arr = doc.to_array([POS, IS_ALPHA, ENT_TYPE])
        propn = doc.vocab.strings["PROPN"]
        skip = {doc.vocab.strings.add("PERSON"), doc.vocab.strings.add("ORG")}
        for i in range(lo, hi):
            pos, alpha, ent = arr[i].tolist()
            if pos != propn or not alpha or ent in skip or i in covered:
                continue
            tok = doc[i]
            if len(tok.text) < 6:
                continue
            key = self.fuzzy_key(tok.text, "GPE", cutoff=90)
            if key is None:
                continue
            piece = _Piece(tok.i, tok.i + 1, [r for r in self._names[key] if r.kind == "country"])
            if piece.readings:
                for hit in self._single_hits(doc, piece, day):
                    hit.via = f"fuzzy:{tok.text}~{key}"
                    out.append(hit)
        return out

    def fuzzy_key(self, text: str, label: str, cutoff: int = 88) -> str | None:
        """The dictionary form closest to ``text`` (rapidfuzz ratio >= ``cutoff``, same first
        letter), among forms of the kinds an NER label can be; None when nothing is close."""
        cache_key = (text, label, cutoff)
        if cache_key in self._fuzzy_cache:
            return self._fuzzy_cache[cache_key]
        norm = normalize_key(text)
        if len(norm) < 5:
            return None
        from rapidfuzz import fuzz, process

        keys, norms = self._fuzzy_choices(label)
        found = process.extractOne(norm, norms, scorer=fuzz.ratio, score_cutoff=cutoff)
        # same first letter: "Zelenskyi" ~ "Zelensky", but not "Oman" ~ "Roman"
        key = keys[found[2]] if found is not None and found[0][:1] == norm[:1] else None
        if len(self._fuzzy_cache) > 100_000:
            self._fuzzy_cache.clear()
        self._fuzzy_cache[cache_key] = key
        return key

    def _fuzzy_choices(self, label: str) -> tuple[list[str], list[str]]:
        if label not in self._fuzzy_index:
            kinds = _FUZZY_KINDS[label]
            keys = [k for k, rs in self._names.items()
                    if len(k) >= 5 and not k.isupper() and any(r.kind in kinds and not r.ambiguous for r in rs)]
            self._fuzzy_index[label] = (keys, [normalize_key(k) for k in keys])
        return self._fuzzy_index[label]


_FUZZY_KINDS = {"PERSON": ("person", "short"), "GPE": ("country", "capital"), "NORP": ("adjective",),
                "ORG": ("institution", "igo", "group")}


# --- helpers ---------------------------------------------------------------------------------

@dataclass
class _Piece:
    start: int
    end: int
    readings: list[Reading]
    char_span: tuple[int, int] | None = None  # for a part of a hyphenated token

    @property
    def primary(self) -> Reading:
        return self.readings[0]

    def text(self, doc) -> str:
        if self.char_span:
            tok = doc[self.start]
            return tok.text[self.char_span[0] - tok.idx:self.char_span[1] - tok.idx]
        return doc[self.start:self.end].text


def _longest_first(spans: list[tuple[int, int, bool, str]]) -> list[tuple[int, int, bool, str]]:
    """Non-overlapping matches, longest first; at equal length a name beats a role word.  A
    leading "the" does not count towards length, so "West Bank" beats "the West"."""
    def weight(span):
        s, e, is_role, key = span
        the = 1 if key[:4] in ("the ", "The ") else 0
        # at equal weight the form without "the" wins, so spans are the same with or without it
        return -(e - s - the), is_role, the, s

    ordered = sorted(spans, key=weight)
    taken: set[int] = set()
    out = []
    for s, e, is_role, key in ordered:
        if any(i in taken for i in range(s, e)):
            continue
        taken.update(range(s, e))
        out.append((s, e, is_role, key))
    return sorted(out)


_PLACE_KINDS = ("country", "adjective", "capital", "city")


def _disambiguate_places(pieces: list[_Piece]) -> None:
    """A place name listed for two countries ("Tripoli": Libya's capital, a Lebanese city;
    "Georgia": the country, a US state) takes the reading whose country the rest of the text
    names most.  A reading marked ambiguous ("~") counts only other non-capital cities as
    evidence -- "Atlanta" makes Georgia a state, "the U.S." or "Washington" does not, as both
    turn up in any story on Georgia the country.  Ties keep the file order (countries first)."""
    def countries(p):
        return {r.code for r in p.readings if r.kind in _PLACE_KINDS}

    plain = [next(iter(countries(p))) for p in pieces if len(countries(p)) == 1]
    cities = [next(iter(countries(p))) for p in pieces if len(countries(p)) == 1 and p.primary.kind == "city"]
    for p in pieces:
        if len(countries(p)) < 2:
            continue

        def evidence(r):
            pool = cities if r.ambiguous else plain
            return pool.count(r.code) if r.kind in _PLACE_KINDS else -1

        best = max(p.readings, key=evidence)  # max keeps the first of equals
        p.readings = [best] + [r for r in p.readings if r is not best]


def _doc_of(doc_or_span):
    from spacy.tokens import Span

    return doc_or_span.doc if isinstance(doc_or_span, Span) else doc_or_span


def _person_entity_after(doc, i: int) -> tuple[int, str | None]:
    """(end, text) of a PERSON entity starting at token ``i``, possessive trimmed."""
    if i < len(doc) and doc[i].ent_type_ == "PERSON" and doc[i].ent_iob_ == "B":
        ent = _entity_at(doc, i)
        if ent is not None and _content_end(ent) > i:
            return _content_end(ent), doc[i:_content_end(ent)].text
    return i, None


def _entity_at(doc, i: int):
    for ent in doc.ents:
        if ent.start <= i < ent.end:
            return ent
    return None


def _content_end(ent) -> int:
    """Entity end without a trailing possessive ("North Korea's" -> "North Korea")."""
    end = ent.end
    while end > ent.start and ent.doc[end - 1].text in ("'s", "’s", "'"):
        end -= 1
    return end


def _adjacent(doc, left: _Piece, right: _Piece, content: bool = True) -> bool:
    """Two pieces belong to one noun phrase: nothing between them but possessives and a few
    modifiers (with ``content``, also up to two nouns or adjectives: "Canadian Import
    Tribunal"), and not across a sentence boundary."""
    if left.end > right.start:
        return False
    gap = doc[left.end:right.start]
    if any(t.is_sent_start for t in doc[left.start + 1:right.start + 1]):
        return False
    if len(gap) > 3:
        return False
    words = 0
    for tok in gap:
        if tok.lower_ in _GLUE_WORDS or tok.lower_ in _FORMER or _is_line_break(tok):
            continue
        # "Canadian Import Tribunal", "U.S. Energy Secretary", "Japanese auto companies"
        if content and tok.pos_ in ("ADJ", "NOUN", "PROPN") and tok.ent_type_ != "PERSON" and tok.is_alpha:
            words += 1
            if words <= 2:
                continue
        return False
    # "Russian-backed separatists": a hyphenated participle between them is no glue
    if left.end < len(doc) and doc[left.end].text == "-":
        return False
    return True


def _is_line_break(tok) -> bool:
    """A whitespace token inside running text: a hard-wrapped line's break (between "West"
    and "Bank") or a double space.  A blank line (a paragraph break) is not one: names do
    not span it."""
    return tok.is_space and tok.text.count("\n") <= 1


def _without_line_breaks(doc_or_span, doc, lo: int):
    """What to match phrases on, and the Doc index of each of its tokens (None: its matches
    are Doc indices already).  Phrase patterns cannot skip tokens, so where spaCy made line
    breaks into tokens of their own (hard-wrapped text), "West", break, "Bank" would miss
    "West Bank" and match "the West" instead (and "North", break, "Korean" would be "Korean",
    South Korea): then the phrases are matched on a copy of ``doc_or_span`` (which starts at
    ``lo`` in ``doc``) without them.
    (Token arrays, not Token objects: this runs on every document.)"""
    from spacy.attrs import IS_SPACE, ORTH
    from spacy.tokens import Doc

    arr = doc_or_span.to_array([IS_SPACE, ORTH])
    breaks = arr[:, 0].astype(bool)
    if not breaks.any():
        return doc_or_span, None
    strings = doc.vocab.strings
    for k in breaks.nonzero()[0]:
        if strings[int(arr[k, 1])].count("\n") > 1:  # a paragraph break: names do not span it
            breaks[k] = False
    if not breaks.any():
        return doc_or_span, None
    keep = (~breaks).nonzero()[0]
    words = [strings[int(orth)] for orth in arr[keep, 1]]
    return Doc(doc.vocab, words=words), (keep + lo).tolist()


def _name_continues(doc, start: int, end: int, roles: dict[str, RoleWord]) -> bool:
    """The name matched at ``start:end`` is the start of a longer proper name: "the West Coast",
    "the West Wing", "the West Sea", "the West African nation", "the Africa Cup" -- not the
    region.  The next word continues the name when it is a proper noun, or when the NER puts it
    in one entity with the match ("West African"); a date ("the West Thursday"), a title ("Europe
    Minister") or a word of a Title Case headline ("The West Sanctions Russia") does not."""
    i = end
    while i < len(doc) and _is_line_break(doc[i]):
        i += 1
    if i >= len(doc) or doc[i].is_sent_start:
        return False
    tok = doc[i]
    if not (tok.is_alpha and tok.text[:1].isupper()) or tok.ent_type_ in ("DATE", "TIME"):
        return False
    if tok.lower_ in roles or _title_case(tok.sent, skip=range(start, i + 1)):
        return False
    same_entity = tok.ent_iob_ == "I" and doc[end - 1].ent_type_ == tok.ent_type_
    return tok.pos_ == "PROPN" or same_entity


def _title_case(sent, skip: range) -> bool:
    """A headline in Title Case: every word longer than three letters outside the name in
    question (token indices ``skip``) is capitalised, and there is one at least."""
    words = [t.text for t in sent if t.is_alpha and len(t) > 3 and t.i not in skip]
    return bool(words) and all(w[:1].isupper() for w in words)


def _after_honorific(doc, i: int) -> bool:
    """ "Mr Moon", "Mrs May", "Gen. Caine": an honorific confirms a surname is a person."""
    return i > 0 and doc[i - 1].lower_ in _HONORIFICS and doc[i - 1].lower_ not in ("'s", "’s", "the")


def _demonym_plural(form: Form) -> Form | None:
    """ "Iraqi" -> "Iraqis", "Briton" -> "Britons"; none for "Chinese", "British", "French", "Swiss"."""
    text = form.text
    if not text[-1:].isalpha() or text.endswith(("ese", "ish", "ch", "ss", "sh", "s", "x")) or "'" in text:
        return None
    return Form(text + "s", form.ambiguous)


def _former_start(doc, start: int) -> int:
    """Include a "former" right in front in the mention ("Former President Barack Obama")."""
    for i in (start - 1, start - 2):
        if i >= 0 and (doc[i].lower_ in _FORMER or doc[i].lower_.startswith("ex-")):
            return i
    return start


def _is_former(doc, start: int, end: int) -> bool:
    window = doc[max(0, start - 2):end]
    return any(t.lower_ in _FORMER or t.lower_.startswith("ex-") for t in window)


def _latest_key(p: Person):
    t = p.latest_term()
    return (t.end or date.max, t.start or date.min) if t else (date.min, date.min)


def _pick(people: list[Person], day, title, hint_country) -> Person:
    people = list(dict.fromkeys(people))
    if len(people) == 1:
        return people[0]
    if day is not None:
        live = [p for p in people if p.term_at(day)]
        if len(live) == 1:
            return live[0]
    return max(people, key=_latest_key)


def _tie_break(people: list[Person], day: date, title: str | None, hint_country: str | None) -> Person | None:
    if title:
        words = set(title.split())
        fit = [p for p in people if words & set((p.term_at(day).office or "").lower().split())]
        if len(fit) == 1:
            return fit[0]
        people = fit or people
    if hint_country:
        fit = [p for p in people if p.term_at(day).code[:3] == hint_country]
        if len(fit) == 1:
            return fit[0]
    return None
