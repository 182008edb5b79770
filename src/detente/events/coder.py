"""The event coder: article text -> CAMEO events with actors, modality, date, place, evidence.

One spaCy parse per article (``nlp.pipe`` in batches) feeds everything: actor resolution,
trigger matching against the verb dictionary, argument finding over the dependency tree and
the attribute functions (modality, date, place, attribution), so coding costs little beyond the
parse.

How a sentence is coded
-----------------------
1. Sentences without a verb (headlines, bylines, navigation and other page furniture) are not
   event reports and are skipped.
2. Triggers are found with :mod:`detente.events.verbs`.  A trigger that sits inside another
   trigger's argument ("condemned *the attack*", "agreed to *hold talks*", "accused X of
   *violating*") is the content of that event, not a second event, and is dropped.  A support
   verb ("held talks", "imposed sanctions") gives its subject to the nominal trigger it governs.
3. Source = the actor in the subject (passive: the ``by`` agent; nominal triggers: the
   possessor, modifier or ``by`` phrase, else the support verb's subject).  Target = the actor in
   the object, dative or prepositional complement.  When the tree names none, the nearest actor
   before the trigger is the source and the nearest after it the target.
4. Coordinated actors ("Russia and North Korea signed ...", "the two leaders met",
   "talks between X and Y") give one event per actor; with no separate target they give
   reciprocal events both ways.
5. Reported speech: an event inside "X said (that) ..." is coded as usual and attributed to X
   (the attribution function sets ``asserted_by``, modality says ``claimed``); the saying
   itself becomes a statement event (010) only when nothing codable is embedded in it, so one
   report is not counted twice.  "X said Y must ..." is X's demand on Y (CAMEO 10).
   Frame verbs compose with what they embed, as CAMEO does: "agreed to send aid" is 033,
   "refused to release" 1243, "threatened to impose sanctions" 1312, and a cooperative act
   that is announced or planned ("will visit") is coded as intent (03).
6. Ambiguous triggers ("strike": labour or military; "warn": threat or pessimism) are resolved
   by the learned classifier when it is installed; with no trigger at all but two actors in a
   clause, a confident classifier supplies the root (code ``<root>0``).
7. A sentence that clearly reports an event but names no resolvable actor still yields its main
   event, with empty source and target and lower confidence: ``detente code`` shows it, and
   dyad analytics ignore it because they need both countries.
8. Event nouns across the article (:mod:`detente.events.event_nouns`): a bare "the summit"
   takes the date and place the article gives the same meeting between the same countries
   elsewhere, and is planned when that date is after publication; any event the text dates
   after publication is planned.  "A previous round of talks" (an earlier, undated event) and
   "enthusiasm for negotiation" (negotiating in general, no party in its phrase) are not
   coded.  A meeting noun in an adjunct ("spoke *during an encounter with* Lavrov", "after
   *their* meeting") has the clause's subject as a participant, and the place it is held in
   ("in Singapore") is never taken for the other party.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Iterator, Optional

import numpy as np
from spacy.attrs import LEMMA

from .. import __version__
from ..records import ActorMention, Event, Evidence, Place, event_id
from .cameo import CAMEO, cameo_info, compose, penta_class, root_for_penta, root_of
from .dates import fallback_date
from .event_nouns import (VISIT_CODES, Mention, after_publication, anchor_mentions,
                          generic_process, past_reference, several)
from .verbs import Match, VerbDictionary, default_verbs

log = logging.getLogger(__name__)

# Articles beyond this many characters are coded on their first MAX_CHARS only: no news story
# is that long, and a megabyte of one-line junk would otherwise cost a minute of parsing.
MAX_CHARS = 200_000
# Confidence of events whose actors the sentence does not name.
ACTORLESS_CONFIDENCE = 0.5
# A classifier answer is trusted to add an event the dictionary missed only above this.
CLASSIFIER_MIN_CONFIDENCE = 0.6

_SUBJ = ("nsubj", "csubj")
_CLAUSE = frozenset({"ccomp", "advcl", "relcl", "parataxis", "acl", "csubj", "xcomp", "pcomp"})
# Arcs through which an actor inside a constituent still counts as that constituent's actor.
_NP_STOP = frozenset({"relcl", "acl", "ccomp", "advcl", "parataxis", "appos", "punct", "cc"})
_TARGET_PREPS = ("with", "to", "against", "on", "toward", "towards", "at", "for", "over", "into",
                 "upon", "between", "about", "of", "from", "in")
_PLACE_PREPS = frozenset({"in", "at"})
# Acts whose "in <place>" names whom they are aimed at: protests, and attacks on a place.
_LOCATED_ROOTS = frozenset({"14", "18", "19", "20"})
_INTENT_ROOTS = frozenset({"04", "05", "06", "07", "08"})
# Acts that coordinated actors do to each other ("Russia and North Korea signed/met/fought"); for
# the rest ("X and Y condemned", "US and British activists protested") they are co-agents.
_MUTUAL_ROOTS = frozenset({"03", "04", "05", "06", "19"})
# Unattributed acts located in a country are taken as that country's own (see _build).
_LOCAL_ROOTS = frozenset({"14", "17", "18", "19", "20"})
_COOP_ROOTS = frozenset({"03", "04", "05", "06", "07", "08"})
_FUTURE_AUX = frozenset({"will", "would", "wo", "shall", "'ll"})
_REFUSAL_CUES = frozenset({"failed", "fail", "fails", "refused", "refuse", "refuses", "declined",
                           "decline", "declines", "unwilling", "reluctant"})
_DEONTIC = frozenset({"must", "should", "ought"})
# Nouns whose "of" phrase names the doer ("the invitation of Kim", "a visit of the minister");
# for most event nouns it names the one acted on ("the invasion of Ukraine").
_AGENT_OF = frozenset({"invitation", "visit", "trip", "statement", "offer", "proposal", "request",
                       "decision", "call", "appeal", "arrival", "speech", "announcement"})
_RELATIVE = frozenset({"who", "which", "that", "whom", "whose"})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
_ENGLISH_CUES = frozenset({"the", "of", "and", "to", "in", "a", "an", "is", "was", "that", "for",
                           "on", "with", "said", "by", "has", "have", "had", "are", "were", "it",
                           "as", "at", "will", "would", "be", "been", "his", "her", "its", "their",
                           "from", "after", "who", "which", "this", "not", "also", "but", "when"})
# Frequent function words of other European languages written in Latin script.
_FOREIGN_CUES = frozenset({"der", "die", "und", "das", "nicht", "ist", "mit", "für", "ein", "eine",
                           "den", "dem", "le", "la", "les", "et", "des", "du", "une", "est", "pour",
                           "dans", "el", "los", "las", "y", "que", "del", "por", "una", "con",
                           "para", "il", "di", "che", "non", "per", "os", "em", "não", "het",
                           "een", "van", "och", "att", "och", "w", "z", "na", "się", "je"})


def _place_not_party(code: str) -> bool:
    """Whether a country after "in"/"at" is only where an event of this code happened, not a
    party to it: it is a party for visits (where one goes is whom one visits) and for acts
    aimed at a place (_LOCATED_ROOTS: protests, attacks)."""
    return code not in VISIT_CODES and code[:2] not in _LOCATED_ROOTS


# ------------------------------------------------------------------------------------------
PARAGRAPH_COMPONENT = "detente_paragraphs"


def _register_paragraph_component() -> None:
    from spacy.language import Language

    if Language.has_factory(PARAGRAPH_COMPONENT):
        return

    @Language.component(PARAGRAPH_COMPONENT)
    def paragraphs(doc):
        """A blank line ends a sentence: headings, captions and page furniture are their own
        lines and must not run into the next paragraph's first sentence."""
        for tok in doc[:-1]:
            if tok.is_space and tok.text.count("\n") >= 2:
                doc[tok.i + 1].is_sent_start = True
        return doc


def ensure_paragraph_breaks(nlp) -> None:
    """Add the blank-line sentence breaker before the parser (once; idempotent)."""
    if PARAGRAPH_COMPONENT in nlp.pipe_names or "parser" not in nlp.pipe_names:
        return
    _register_paragraph_component()
    nlp.add_pipe(PARAGRAPH_COMPONENT, before="parser")


# ------------------------------------------------------------------------------------------
# Components that other engineers own, loaded lazily so importing the coder stays cheap.
@dataclass
class Attributes:
    """The four attribute functions (contracts.md); injectable so tests can isolate the coder."""

    modality: Callable[[Any, Any], tuple[str, Optional[str]]]
    date: Callable[[Any, Any, Optional[str]], tuple[Optional[str], Optional[str]]]
    place: Callable[[Any, Any], Optional[Place]]
    attribution: Callable[[Any, Any], tuple[Optional[str], list[str]]]

    @classmethod
    def default(cls) -> "Attributes":
        from .attribution import attribution_of
        from .dates import resolve_event_date
        from .modality import modality_of
        from .places import find_place

        return cls(modality_of, resolve_event_date, find_place, attribution_of)


def _default_classifier():
    """The shipped event-type classifier, or None when it is not installed: the coder works
    from its dictionary alone then."""
    try:
        from .classifier import EventTypeClassifier
    except ImportError:
        return None
    try:
        return EventTypeClassifier.load()
    except (FileNotFoundError, OSError, ValueError) as exc:
        log.warning("event-type classifier not loaded (%s); coding with the dictionary alone", exc)
        return None


# ------------------------------------------------------------------------------------------
@dataclass
class Actor:
    """An actor mention placed in the parse."""

    mention: ActorMention
    head: Any  # spaCy Token
    group: int  # mentions sharing a span ("the two leaders") share a group

    @property
    def key(self) -> tuple[int, int]:
        return (self.mention.start, self.mention.end)


@dataclass
class _Found:
    match: Optional[Match]
    code_choices: tuple[str, ...]
    token: Any
    sources: list[Actor] = field(default_factory=list)
    targets: list[Actor] = field(default_factory=list)
    reciprocal: bool = False
    confidence: float = 1.0
    symmetric: bool = False  # "held talks with": the target does it too
    fallback_source: bool = False  # found by reading order, not by the parse
    fallback_target: bool = False


class Coder:
    """Codes articles into :class:`~detente.records.Event` records.

    ``nlp``: a spaCy pipeline with parser and NER (default :func:`detente.nlp.load_nlp`);
    ``resolver``: an :class:`~detente.actors.ActorResolver`; ``classifier``: an
    ``EventTypeClassifier`` or ``None`` to use the shipped one when installed (pass ``False`` to
    code with the dictionary alone); ``attributes``: see :class:`Attributes`.
    """

    def __init__(self, nlp=None, resolver=None, classifier=None, attributes: Attributes | None = None,
                 verbs: VerbDictionary | None = None):
        if nlp is None:
            from ..nlp import load_nlp

            nlp = load_nlp()
        if resolver is None:
            from ..actors import get_resolver

            resolver = get_resolver()
        ensure_paragraph_breaks(nlp)
        self.nlp = nlp
        self.resolver = resolver
        self.verbs = verbs or default_verbs()
        self.classifier = _default_classifier() if classifier is None else (classifier or None)
        self.attributes = attributes or Attributes.default()
        clf = getattr(self.classifier, "version", None) or ("clf" if self.classifier else "noclf")
        self.version = f"{__version__}+verbs.{self.verbs.digest}+{clf}"

    # -- public API ---------------------------------------------------------------------
    def code_document(self, article_id: str, text: str, date: str | None = None,
                      title: str | None = None) -> list[Event]:
        """Events of one article.  ``title`` is not coded: headlines are telegraphic and
        evidence offsets must point into ``text``."""
        return next(iter(self.code_many([(article_id, text, date)])))[1]

    def code_many(self, items: Iterable[tuple[str, str, Optional[str]]],
                  batch_size: int = 64) -> Iterator[tuple[str, list[Event]]]:
        """Code ``(article_id, text, date)`` items, parsing them with ``nlp.pipe`` in batches;
        yields ``(article_id, events)`` in input order."""
        def prepared():
            for article_id, text, date in items:
                yield prepare_text(text, article_id), (article_id, date)

        stream = self.nlp.pipe(prepared(), as_tuples=True, batch_size=batch_size)
        for doc, (article_id, date) in stream:
            if not doc.text.strip():
                yield article_id, []
                continue
            try:
                events = self._code_doc(article_id, doc, date)
            except Exception:  # one odd article must not end a long run
                log.exception("article %s: coding failed; no events stored for it", article_id)
                events = []
            yield article_id, events

    # -- one article ----------------------------------------------------------------------
    def _code_doc(self, article_id: str, doc, date: str | None) -> list[Event]:
        if not looks_like_english(doc):
            log.warning("article %s: not English text; not coded", article_id)
            return []
        sents = list(doc.sents)
        per_sent = self.resolver.resolve_document(doc, date)
        # Vectorised pre-filter: only tokens whose lemma heads a pattern are looked at.
        lemmas = doc.to_array([LEMMA]).reshape(-1)
        hit = np.isin(lemmas, self.verbs.head_hashes(doc.vocab))
        work = []  # (index, sent, actors, found)
        for idx, sent in enumerate(sents):
            cands = np.nonzero(hit[sent.start:sent.end])[0]
            if not len(cands) and self.classifier is None:
                continue
            if not _is_clause(sent):
                continue
            mentions = per_sent[idx] if idx < len(per_sent) else []
            actors = _place_actors(sent, mentions)
            matches = self.verbs.find(sent, (sent.start + int(i) for i in cands))
            found = self._events_in(sent, actors, matches)
            if found or (len({a.group for a in actors}) >= 2 and self.classifier is not None):
                work.append((idx, sent, actors, found))
        if not work:
            return []
        self._arbitrate(work)
        pending: list[_Pending] = []
        for idx, sent, actors, found in work:
            for f in found:
                p = self._attributes(idx, sent, f, date)
                if p is not None:
                    pending.append(p)
        # Bare "the summit" takes the date and place the article gives that summit elsewhere.
        anchor_mentions((p.mention for p in pending), date)
        events: list[Event] = []
        for p in pending:
            events.extend(self._build(article_id, p))
        return _dedupe(events)

    def _events_in(self, sent, actors: list[Actor], matches: list[Match]) -> list[_Found]:
        verbs = self.verbs
        by_tok = {m.token.i: m for m in matches if _usable(m)}
        # A support verb that also has a meaning of its own ("receive", "offer") yields to the
        # nominal trigger it governs: "received aid" is the aid.
        for m in list(by_tok.values()):
            if m.token.lemma_.lower() in verbs.light and not m.pattern.words:
                if any(c.i in by_tok and c.dep_ in ("dobj", "attr", "xcomp") for c in m.token.children):
                    del by_tok[m.token.i]
        governed: dict[int, Match] = {}  # frame trigger id -> the content it embeds
        kept: list[Match] = []
        for m in by_tok.values():
            gov = _governor(m.token, by_tok)
            if gov is None:
                kept.append(m)
            elif gov.codes[0] in VISIT_CODES and root_of(m.codes[0]) == "04" and m.token.dep_ == "advcl":
                # "Kim traveled to Singapore to meet with Trump": the journey and the meeting
                # are two events with different parties
                kept.append(m)
            elif gov.token.i not in governed and "speech" not in m.pattern.flags:
                governed[gov.token.i] = m
        # Background clauses (relative, temporal, participial) report events that the article
        # has usually told before; they count only when the main clauses report nothing.
        main = [m for m in kept if not _secondary(m.token)]
        if any("speech" not in m.pattern.flags for m in main):
            kept = main
        speech = [m for m in kept if "speech" in m.pattern.flags]
        content = [m for m in kept if "speech" not in m.pattern.flags]
        found: list[_Found] = []
        if not actors:
            # Nothing to relate: report only the main event, actor-less, if there is one.
            # A bare noun ("the visit", "the talks") usually refers back to an event reported
            # before, so only verbs and violence or protest nouns count here.
            cands = sorted((m for m in content if _stands_alone(m)),
                           key=lambda m: (_depth(m.token), m.token.i))
            if cands:
                m = cands[0]
                codes = _framed_codes(m, governed.get(m.token.i))
                found.append(_Found(m, codes, m.token, confidence=ACTORLESS_CONFIDENCE))
            return found
        for m in content:
            f = self._arguments(m, sent, actors)
            inner = governed.get(m.token.i)
            if inner is not None:
                f.code_choices = _framed_codes(m, inner)
                if not f.targets or (f.fallback_target and not f.reciprocal):
                    g = self._arguments(inner, sent, actors)
                    tg = [a for a in g.targets if a.group not in {x.group for x in f.sources}]
                    if tg and not g.fallback_target:
                        f.targets, f.reciprocal = tg, False
            if not f.sources and not f.targets and not _stands_alone(m):
                continue
            found.append(f)
        for m in speech:
            f = self._speech_event(m, sent, actors, found)
            if f is not None:
                found.append(f)
        found.sort(key=lambda f: (_depth(f.token), f.token.i))
        return found

    def _speech_event(self, m: Match, sent, actors: list[Actor], found: list[_Found]) -> Optional[_Found]:
        """The event of a verb of saying, if it is one.

        "X said Y must/should Z" is a demand by X on Y (CAMEO 10, composed with Z when Z is a
        trigger) and replaces Z, which has not happened.  Otherwise the saying is an event (a
        statement, 010) only when the speaker is an actor who leads the sentence ("X said that
        Y ...", not the attribution tag "..., X said") and nothing codable is embedded; its
        target is the actor the statement is about, if any."""
        tok = m.token
        comp = next((c for c in tok.children if c.dep_ == "ccomp"), None)
        if comp is None or comp.i < tok.i:
            return None
        subj, _ = _subject_of(tok)
        speaker = _actors_in(subj, actors) if subj is not None else []
        if not speaker:
            return None
        csubj, _ = _subject_of(comp)
        addressee = _actors_in(csubj, actors, exclude=speaker) if csubj is not None else []
        addressee = [a for a in addressee if _country(a) not in {_country(s) for s in speaker}]
        scope = {t.i for t in comp.subtree}
        inside = [f for f in found if f.token.i in scope]
        deontic = any(c.dep_ == "aux" and c.lower_ in _DEONTIC for c in comp.children)
        if deontic and addressee:
            for f in inside:
                found.remove(f)
            code = compose("100", inside[0].code_choices[0]) if inside else "100"
            return _Found(m, (code,), tok, speaker, addressee)
        if inside:
            # Reporting another party's violence is an accusation ("the US said ISIL had
            # attacked Iraq" = 112 by the US against ISIL); reporting one's own is a claim of
            # responsibility (015).  Other embedded events carry the report alone.
            hostile = [f for f in inside if f.sources and penta_class(f.code_choices[0]) == 4]
            if hostile:
                own = {_country(a) for a in speaker}
                accused = [a for a in hostile[0].sources if _country(a) not in own]
                if accused:
                    return _Found(m, ("112",), tok, speaker, accused)
                if m.token.lemma_.lower() in ("claim", "admit", "acknowledge"):
                    return _Found(m, ("015",), tok, speaker, hostile[0].targets)
            return None
        # A statement with nothing codable in it is still an event (01), about another actor
        # when its subject is one; with no addressee it stays out of dyad analytics.
        return _Found(m, m.codes, tok, speaker, addressee)

    # -- argument finding ---------------------------------------------------------------
    def _arguments(self, m: Match, sent, actors: list[Actor], speech_scope: set | None = None) -> _Found:
        tok = m.token
        rev = "rev" in m.pattern.flags
        code0 = m.codes[0]
        between = False
        fallback = True
        if tok.pos_ in ("NOUN", "PROPN"):
            anchor = tok.head if tok.dep_ == "compound" and tok.head.lemma_.lower() in _EVENT_CARRIERS else tok
            sources, targets, rev_light, between, fallback = _noun_arguments(
                anchor, actors, self.verbs, code0, "patient" in m.pattern.flags)
            rev = rev or rev_light
        else:
            sources, targets = _verb_arguments(tok, actors, m, code0)
        if speech_scope is not None:
            targets = [a for a in actors if a.head.i in speech_scope
                       and a.group not in {s.group for s in sources}][:1]
        if rev:
            sources, targets = targets, sources
        reciprocal = False
        if _n_distinct(sources) >= 2 and targets and \
                {_country(t) for t in targets} <= {_country(a) for a in sources}:
            # "Israel and Lebanon renewed negotiations on an Israeli pullback": the target
            # found is one of the parties themselves
            targets = []
        if not sources and _n_distinct(targets) >= 2 and any(
                a.lower_ == "between" for t in targets for a in t.head.ancestors if a.i > tok.i):
            between = True  # "strengthen the partnership between Russia and North Korea"
        if (between and not sources) or (targets and not sources and _n_distinct(targets) >= 2 and not fallback):
            # "talks between Russia and North Korea": each side acts on the other
            sources, targets, reciprocal = targets, [], True
        elif sources and not targets and _n_distinct(sources) >= 2:
            reciprocal = True
        fb_s = fb_t = False
        if fallback and not reciprocal:
            # The tree names no argument: nearest actors in reading order.
            if not sources:
                sources = _nearest(actors, tok, before=True, exclude=targets)
                fb_s = bool(sources)
            if not targets:
                skip = sources
                if tok.pos_ in ("NOUN", "PROPN") and _place_not_party(code0):
                    # "their meeting in Singapore": where a meeting is held is not whom it is with
                    skip = sources + [a for a in actors if _locative(a)]
                targets = _nearest(actors, tok, before=False, exclude=skip)
                fb_t = bool(targets)
            if sources and not targets and _n_distinct(sources) >= 2:
                reciprocal = True
        return _Found(m, m.codes, tok, sources, targets, reciprocal,
                      symmetric="sym" in m.pattern.flags,
                      fallback_source=fb_s, fallback_target=fb_t)

    # -- classifier ---------------------------------------------------------------------
    def _arbitrate(self, work) -> None:
        """Pick codes for ambiguous triggers and add events the dictionary missed, with one
        classifier call per article on the spans already parsed (never re-parsing)."""
        clf = self.classifier
        if clf is None:
            for _idx, _sent, _actors, found in work:
                for f in found:
                    f.code_choices = f.code_choices[:1]
            return
        need = [i for i, (_, _, actors, found) in enumerate(work)
                if (not found and len({a.group for a in actors}) >= 2)
                or any(len(f.code_choices) > 1 for f in found)]
        dists: dict[int, dict[str, float]] = {}
        if need:
            spans = [work[i][1] for i in need]
            try:
                if getattr(clf, "has_root", True) and hasattr(clf, "root_probabilities"):
                    rows = clf.root_probabilities(spans)
                elif hasattr(clf, "predict_root") and getattr(clf, "has_root", True):
                    rows = [{root_of(r): p} for r, p in clf.predict_root(spans)]
                else:  # a penta-only model: spread each class over a representative root
                    rows = [{root_for_penta(int(c)): p} for c, p in clf.predict_penta(spans)]
                dists = {i: {root_of(k): float(v) for k, v in row.items()} for i, row in zip(need, rows)}
            except Exception:  # a broken model file must not stop coding
                log.exception("event-type classifier failed; using dictionary defaults")
                dists = {}
        for i, (idx, sent, actors, found) in enumerate(work):
            dist = dists.get(i, {})
            for f in found:
                f.code_choices = (_choose(f.code_choices, dist),)
            if not found and dist:
                root, p = max(dist.items(), key=lambda kv: kv[1])
                if p >= CLASSIFIER_MIN_CONFIDENCE:
                    f = _classifier_event(sent, actors, root, p)
                    if f is not None:
                        found.append(f)

    # -- records ----------------------------------------------------------------------------
    def _attributes(self, idx: int, sent, f: _Found, pub_date: str | None) -> Optional["_Pending"]:
        """Modality, date, place and attribution of one found event, or None when the mention
        is not a datable event: an earlier event the sentence does not date ("a previous round
        of talks") or negotiating in general ("enthusiasm for negotiation")."""
        code = f.code_choices[0]
        trig = f.token
        attrs = self.attributes
        modality, cue = attrs.modality(sent, trig)
        date, precision = attrs.date(sent, trig, pub_date)
        dated = date is not None and (date, precision) != fallback_date(pub_date)
        nominal = trig.pos_ in ("NOUN", "PROPN")
        if nominal and f.match is not None and not dated and past_reference(trig):
            return None
        if nominal and root_of(code) == "04" and generic_process(trig) and not _tree_actors(f):
            return None
        if dated and modality in ("occurred", "claimed") and after_publication(date, precision, pub_date):
            modality, cue = "planned", "dated after publication"
        place = attrs.place(sent, trig)
        asserted_by, cited = attrs.attribution(sent, trig)
        pairs = _pairs(f)
        countries = frozenset(_country(a) for pair in pairs for a in pair if a is not None)
        first = pairs[0] if pairs else (None, None)
        mention = Mention(sentence_index=idx, lemma=trig.lemma_.lower(), nominal=nominal,
                          code=code, pair=countries if len(pairs) <= 2 else frozenset(),
                          direction=tuple(_country(a) if a is not None else None for a in first),
                          modality=modality, date=date, precision=precision, place=place,
                          dated_by_text=dated, several=nominal and several(trig))
        return _Pending(idx, sent, f, pairs, cue, asserted_by, cited, mention)

    def _build(self, article_id: str, p: "_Pending") -> list[Event]:
        idx, sent, f, m = p.idx, p.sent, p.found, p.mention
        code = f.code_choices[0]
        trig = f.token
        modality, cue = m.modality, p.cue
        if modality == "negated" and root_of(code) in _COOP_ROOTS and (
                _future(trig) or (cue or "").split(" ")[0].lower() in _REFUSAL_CUES):
            # "will not accept", "failed to reach a deal": a refusal (12), not a non-event
            code = compose("120", code)
        elif (modality == "planned" or _future(trig)) and root_of(code) in _INTENT_ROOTS:
            # CAMEO codes an announced or intended cooperative act as intent (03): "will visit"
            # is 036 express intent to meet, "is due to sign" 030.
            code = compose("030", code)
        info = cameo_info(code)
        date, precision, place = m.date, m.precision, m.place
        asserted_by, cited = p.asserted_by, p.cited
        pairs = p.pairs
        if place is not None and place.country and root_of(code) in _LOCAL_ROOTS \
                and all(s is None for s, _ in pairs):
            # "A car bomb killed a journalist in Beirut": with no named perpetrator, violence
            # and protest are coded as coming from inside the country where they happen.
            local = ActorMention(text=place.name, start=place.start if place.start is not None else trig.idx,
                                 end=place.end if place.end is not None else trig.idx + len(trig.text),
                                 code=place.country, country=place.country, name=place.name,
                                 kind="location", via="place of the event")
            pairs = [(Actor(local, trig, -1), t) for _, t in pairs
                     if t is None or (t.mention.country or t.mention.code) != place.country or t.mention.role]
            pairs = pairs or [(Actor(local, trig, -1), None)]
            f.confidence = min(f.confidence, 0.7)
        out = []
        recalled = _first_since(sent, trig)
        for src, tgt in pairs:
            s = src.mention if src else None
            t = tgt.mention if tgt else None
            conf = f.confidence if (s or t) else min(f.confidence, ACTORLESS_CONFIDENCE)
            evid = Evidence(
                article_id=article_id, sentence_index=idx, sentence=sent.text.rstrip(),
                sentence_start=sent.start_char, trigger=trig.text, trigger_start=trig.idx,
                trigger_end=trig.idx + len(trig.text),
                source_span=(s.start, s.end) if s else None,
                target_span=(t.start, t.end) if t else None,
                asserted_by=asserted_by, cited_sources=list(cited or []))
            out.append(Event(
                id=event_id(article_id, idx, trig.idx, s.code if s else None, t.code if t else None, info.code),
                source=s.code if s else None, target=t.code if t else None,
                code=info.code, root=info.root, quad_class=info.quad_class, goldstein=info.goldstein,
                plover=info.plover, plover_mode=info.plover_mode, modality=modality,
                date=date, date_precision=precision, place=place, evidence=evid,
                source_country=s.country if s else None, target_country=t.country if t else None,
                source_name=(s.name or s.text) if s else None, target_name=(t.name or t.text) if t else None,
                confidence=round(conf, 3)))
            if recalled is not None and f.match is not None:
                # "Putin's first visit to North Korea since 2000": a visit took place in 2000
                base = cameo_info(f.match.codes[0])
                ev = out[-1]
                out.append(replace(
                    ev, id=event_id(article_id, idx, trig.idx, ev.source, ev.target, f"{base.code}@{recalled}"),
                    code=base.code, root=base.root, quad_class=base.quad_class,
                    goldstein=base.goldstein, plover=base.plover, plover_mode=base.plover_mode,
                    modality="occurred", date=recalled, date_precision="year", place=None))
        return out


@dataclass
class _Pending:
    """A found event with its attributes, between attribute resolution and record building
    (article-level anchoring may still change its date, place and modality)."""

    idx: int
    sent: Any
    found: _Found
    pairs: list
    cue: Optional[str]
    asserted_by: Optional[str]
    cited: list
    mention: Mention


def _tree_actors(f: _Found) -> bool:
    """Whether the parse (not reading order) named any of the event's actors."""
    return bool((f.sources and not f.fallback_source) or (f.targets and not f.fallback_target))


# ------------------------------------------------------------------------------------------
# Helpers over the parse.
def prepare_text(text: Any, article_id: str = "text") -> str:
    """Text as the coder parses it: control and zero-width characters become spaces (offsets
    into the original stay valid), and over-long input is cut at MAX_CHARS."""
    if not isinstance(text, str):
        return ""
    if len(text) > MAX_CHARS:
        log.warning("article %s: %d characters; coded on the first %d only", article_id, len(text), MAX_CHARS)
        text = text[:MAX_CHARS]
    return _CONTROL.sub(" ", text)


def looks_like_english(doc) -> bool:
    """Cheap language guard: the dictionary is English, and other languages only produce
    spurious matches (and long parses for nothing).  Non-Latin script, or more function words
    of other European languages than of English, means not English."""
    words = [t.lower_ for t in doc[:400] if t.is_alpha]
    if not words:
        return False
    letters = [c for w in words for c in w]
    if sum(c.isascii() for c in letters) < 0.7 * len(letters):
        return False
    english = sum(w in _ENGLISH_CUES for w in words)
    foreign = sum(w in _FOREIGN_CUES for w in words)
    if foreign > english:
        return False
    return english > 0 or len(words) < 12  # a short headline may have no function word


def _is_clause(sent) -> bool:
    """A sentence can report an event only if it has a verb and a few words: this drops
    headlines ("Putin's Historic Visit to North Korea: ..."), bylines and page furniture."""
    alpha = [t for t in sent if t.is_alpha]
    if len(alpha) < 3 or len(sent) > 250:
        return False
    # Title Case lines are headings ("Putin's Visit to North Korea: Strengthening Strategic
    # Ties"), not reports: most content words capitalised, and no sentence-final stop.
    content = [t for t in alpha if not t.is_stop]
    if content and sum(t.text[0].isupper() for t in content) >= 0.8 * len(content) and len(content) >= 3 \
            and sent[-1].text not in (".", "!", "?", '"', "”"):
        return False
    return any(t.pos_ == "VERB" or (t.pos_ == "AUX" and t.dep_ == "ROOT") for t in sent)


def _place_actors(sent, mentions: list[ActorMention]) -> list[Actor]:
    out: list[Actor] = []
    groups: dict[tuple[int, int], int] = {}
    doc = sent.doc
    for m in mentions:
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is None or len(span) == 0 or span.start < sent.start or span.end > sent.end:
            continue
        # the leftmost token attached outside the mention: for a mention that is not one
        # constituent ("Russian President Vladimir Putin" split by the parser) this is the
        # part that carries the grammatical role, where span.root may pick a deeper one
        head = next((t for t in span if t.head.i < span.start or t.head.i >= span.end or t.head.i == t.i),
                    span[-1])
        key = (m.start, m.end)
        if key not in groups:
            groups[key] = len(groups)
        out.append(Actor(m, head, groups[key]))
    return out


def _depth(tok) -> int:
    d = 0
    while tok.head.i != tok.i and d < 50:
        tok, d = tok.head, d + 1
    return d


_ENTITY_TYPES = frozenset({"ORG", "PERSON", "GPE", "FAC", "LOC", "WORK_OF_ART", "EVENT", "LAW",
                           "NORP", "PRODUCT"})
# Participles that work as prepositions: "considering", "following", "regarding".
_PREPOSITIONAL = frozenset({"consider", "follow", "regard", "concern", "include", "accord", "give"})
# Head nouns that carry the event named by their modifier: "a mediation effort", "aid programme".
_EVENT_CARRIERS = frozenset({"effort", "process", "mission", "plan", "program", "programme",
                             "campaign", "operation", "initiative", "bid", "package", "deal",
                             "delivery", "shipment", "convoy", "session", "round"})
# "X did A, while Y did B": a contrast joins two reports of equal standing.
_CONTRAST = frozenset({"while", "whereas", "although", "though", "but"})
_FRAME_ROOTS = frozenset({"02", "03", "10", "12", "13"})


def _usable(m: Match) -> bool:
    """False for dictionary hits that are not predicates: words inside a name ("the
    Investment Minister", "Agency for Development and Cooperation"), prepositional participles,
    and compound modifiers ("peace talks envoy")."""
    t = m.token
    if t.ent_type_ in _ENTITY_TYPES and t.pos_ == "PROPN" or (t.ent_type_ in ("ORG", "WORK_OF_ART", "LAW", "EVENT") and t.is_title):
        return False
    if t.dep_ in ("prep", "mark") or (t.tag_ == "VBG" and t.lemma_.lower() in _PREPOSITIONAL and not any(c.dep_ == "nsubj" for c in t.children)):
        return False
    if t.pos_ in ("NOUN", "PROPN") and t.dep_ == "compound" and not m.pattern.words \
            and t.head.lemma_.lower() not in _EVENT_CARRIERS:
        return False
    return True


def _future(tok) -> bool:
    """Is the trigger's clause in the future ("will not", "would not")?"""
    for t in (tok, tok.head):
        if any(c.dep_ in ("aux", "auxpass") and c.lower_ in _FUTURE_AUX for c in t.children):
            return True
        if t.dep_ not in ("xcomp", "dobj", "pobj", "attr"):
            break
    return False


_YEAR = re.compile(r"^(1[89]\d\d|20\d\d)$")


def _first_since(sent, trig) -> Optional[str]:
    """The year of the earlier event that "the first <event> since <year>" implies, if the
    sentence says so about this trigger."""
    if not any(t.lower_ == "first" for t in sent):
        return None
    for t in sent:
        if t.lower_ == "since" and t.dep_ == "prep":
            years = [c for c in t.children if c.dep_ == "pobj" and _YEAR.match(c.text)]
            # the "since" phrase must belong to the trigger's clause
            anchor = t.head
            if years and (anchor.i == trig.i or anchor.i == trig.head.i or trig.head.i == anchor.i
                          or any(a.i == anchor.i for a in trig.ancestors)):
                return years[0].text
    return None


def _is_purpose(tok) -> bool:
    """An infinitive of purpose: "... began a hunger strike to protest ..."."""
    return any(c.dep_ == "aux" and c.tag_ == "TO" for c in tok.children) and \
        not any(c.dep_ == "mark" for c in tok.children)


def _governor(tok, by_tok: dict) -> Optional[Match]:
    """The trigger whose argument ``tok`` is, if any: walking up the tree from ``tok`` meets it
    before leaving the clause ("condemned *the attack*", "agreed to *hold talks*", "accused X of
    *violating*"), or ``tok`` is the complement or purpose clause of a non-speech trigger or of
    the support verb of a nominal one ("began a hunger strike to *protest*")."""
    cur = tok
    for _ in range(8):
        head = cur.head
        if head.i == cur.i:
            return None
        dep = cur.dep_
        if dep in ("relcl", "parataxis", "appos", "acl") or (dep == "conj" and cur.pos_ in ("VERB", "AUX")):
            return None
        if dep in ("ccomp", "advcl"):
            purpose = dep == "ccomp" or _is_purpose(cur)
            if not purpose:
                return None
            m = by_tok.get(head.i)
            if m is None and dep == "advcl":
                m = next((by_tok[c.i] for c in head.children if c.dep_ == "dobj" and c.i in by_tok), None)
            return m if m is not None and "speech" not in m.pattern.flags else None
        cur = head
        m = by_tok.get(cur.i)
        if m is not None:
            return None if "speech" in m.pattern.flags else m
    return None


def _secondary(tok) -> bool:
    """True when the trigger sits in a background clause: a relative clause, a participial
    modifier or an adverbial clause other than a purpose infinitive."""
    cur = tok
    for _ in range(12):
        if cur.head.i == cur.i:
            return False
        if cur.dep_ in ("relcl", "acl"):
            return True
        if cur.dep_ == "advcl" and not _is_purpose(cur) and \
                not any(c.dep_ == "mark" and c.lower_ in _CONTRAST for c in cur.children):
            return True
        cur = cur.head
    return False


def _stands_alone(m: Match) -> bool:
    """May this trigger be reported with no actor at all?  Violence and protest may ("gunmen
    attacked a bus station"); otherwise only a verb whose doer is named by a noun phrase ("the
    court rejected the appeal") - not "thank you", "we were talking", "ask her to come back",
    and not a bare noun ("the visit"), which usually refers back to an event already told."""
    if "mass" in m.pattern.flags:
        return True
    if m.token.pos_ in ("NOUN", "PROPN"):
        return False
    subj, passive = _subject_of(m.token)
    if passive:
        subj = _agent_of(m.token)
    return subj is not None and subj.pos_ in ("NOUN", "PROPN") and subj.lower_ not in _RELATIVE


def _framed_codes(frame: Match, inner: Optional[Match]) -> tuple[str, ...]:
    """A generic frame verb ("agree", "refuse", "threaten", "urge", "demand") embedding another
    trigger takes CAMEO's parallel sub-code: "agreed to send aid" = 033."""
    if inner is None:
        return frame.codes
    if root_of(frame.codes[0]) in ("18", "19") and frame.codes[0].endswith("0") \
            and root_of(inner.codes[0]) in ("18", "19", "20"):
        # "killed ... in a gunbattle", "attacked with artillery": the means is more specific
        return inner.codes
    if frame.pattern.words:
        # "agreed to send (humanitarian aid)": keep the pattern's code unless the content refines it
        refined = compose(frame.codes[0], inner.codes[0]) if root_of(frame.codes[0]) in _FRAME_ROOTS else frame.codes[0]
        return (refined,) if refined.startswith(frame.codes[0]) else frame.codes
    out = []
    for c in frame.codes:
        if root_of(c) in _FRAME_ROOTS:
            out.append(compose(c, inner.codes[0]))
        else:
            out.append(c)
    return tuple(dict.fromkeys(out))


def _speech_scope(tok) -> set[int]:
    """Token ids of what a verb of saying reports: its clausal complement, or, for the
    inverted "..., X said", the clause it hangs from."""
    scope: set[int] = set()
    for c in tok.children:
        if c.dep_ in ("ccomp", "xcomp", "dobj"):
            scope.update(t.i for t in c.subtree)
    if tok.dep_ in ("parataxis", "ccomp") and tok.head.i != tok.i:
        head = tok.head
        scope.update(t.i for t in head.subtree if t.i not in {x.i for x in tok.subtree})
    return scope


def _actors_in(tok, actors: list[Actor], exclude: Iterable[Actor] = ()) -> list[Actor]:
    """Actors of the constituent headed by ``tok``: the nearest one by tree distance (a step
    into a prepositional modifier counts double, so in "an Islamic State target southwest of
    Baghdad" the target is the group), plus the ones coordinated with it ("Russia and North
    Korea", "the US, Russia, and Switzerland") and mentions sharing its span ("the two
    leaders")."""
    if not actors:
        return []
    skip = {a.key for a in exclude}
    by_head: dict[int, list[Actor]] = {}
    for a in actors:
        if a.key not in skip:
            by_head.setdefault(a.head.i, []).append(a)
    if not by_head:
        return []
    best: dict[int, int] = {tok.i: 0}
    queue = [(0, tok.i, tok)]
    first: list[Actor] = []
    first_cost = None
    while queue:
        queue.sort(key=lambda x: (x[0], x[1]))
        cost, _, t = queue.pop(0)
        if first_cost is not None and cost > first_cost:
            break
        if t.i in by_head:
            first.extend(by_head[t.i])
            first_cost = cost
            continue
        if cost >= 8:
            continue
        for c in t.children:
            if c.dep_ in _NP_STOP and not (c.dep_ == "appos" and _is_list_item(c, by_head)):
                continue
            step = 2 if c.dep_ in ("prep", "agent") else 1
            if best.get(c.i, 99) > cost + step:
                best[c.i] = cost + step
                queue.append((cost + step, c.i, c))
    if not first:
        return []
    out = list(first)
    # coordinated actors: follow conj arcs (and list appositions) from each hit
    heads = {a.head.i: a.head for a in first}
    stack = list(heads.values())
    visited = set(heads)
    while stack:
        t = stack.pop()
        linked = [c for c in t.children if c.dep_ == "conj" or (c.dep_ == "appos" and _is_list_item(c, by_head))]
        if t.dep_ == "conj" or (t.dep_ == "appos" and _is_list_item(t, by_head)):
            linked.append(t.head)
        for c in linked:
            if c.i in visited:
                continue
            visited.add(c.i)
            stack.append(c)
            out.extend(by_head.get(c.i, []))
            if c.i not in by_head:
                # "Russian and North Korean officials": the conjunct's actor may sit one level in
                for cc in c.children:
                    out.extend(by_head.get(cc.i, []))
    uniq, keys = [], set()
    for a in out:
        if (a.key, a.mention.code) not in keys:
            keys.add((a.key, a.mention.code))
            uniq.append(a)
    return uniq


def _locative(a: Actor) -> bool:
    """An actor named as a place: the object of "in", "at" or "near"."""
    h = a.head
    return h.dep_ == "pobj" and h.head.dep_ == "prep" and h.head.lower_ in ("in", "at", "near", "inside")


def _is_list_item(tok, by_head: dict) -> bool:
    """An apposition that is really a list member ("The US, Russia, and Switzerland"): an
    actor heading a coordination of its own."""
    return tok.i in by_head and any(c.dep_ in ("conj", "cc") for c in tok.children)


def _subject_of(v) -> tuple[Optional[Any], bool]:
    """The subject of verb ``v`` (and whether it is a passive subject), inherited through
    control ("agreed to visit"), coordination ("met and praised") and participial adjuncts
    ("..., accusing Seoul of")."""
    cur = v
    for _ in range(5):
        for c in cur.children:
            if c.dep_ in _SUBJ:
                if c.lower_ in _RELATIVE and cur.dep_ == "relcl":
                    return cur.head, False
                return c, False
            if c.dep_ in ("nsubjpass", "csubjpass"):
                if c.lower_ in _RELATIVE and cur.dep_ == "relcl":
                    return cur.head, True
                return c, True
        if cur.dep_ in ("relcl", "acl") and cur.head.pos_ in ("NOUN", "PROPN", "PRON"):
            # "sanctions imposed by the EU" (acl, passive sense), "officials who met"
            return cur.head, cur.tag_ == "VBN"
        if cur.dep_ in ("xcomp", "conj") or (cur.dep_ == "advcl" and (cur.tag_ in ("VBG", "VBN") or _is_purpose(cur))):
            cur = cur.head
            continue
        break
    return None, False


def _agent_of(v) -> Optional[Any]:
    for c in v.children:
        if c.dep_ == "agent":
            for g in c.children:
                if g.dep_ == "pobj":
                    return g
    return None


def _object_slots(heads: list, code: str) -> list:
    """Constituents that can hold the target, best first."""
    direct, preps = [], []
    for h in heads:
        for c in h.children:
            if c.dep_ in ("dobj", "dative", "obj", "iobj", "attr", "oprd"):
                direct.append(c)
            elif c.dep_ in ("prep", "agent") and c.dep_ != "agent":
                p = c.lower_
                if p in _PLACE_PREPS and _place_not_party(code):
                    continue
                for g in c.children:
                    if g.dep_ in ("pobj", "pcomp"):
                        rank = _TARGET_PREPS.index(p) if p in _TARGET_PREPS else len(_TARGET_PREPS)
                        preps.append((rank, g.i, g))
            elif c.dep_ == "prt":
                # phrasal verbs put their prepositional object under the particle
                for g in c.children:
                    if g.dep_ in ("pobj",):
                        preps.append((0, g.i, g))
    preps.sort(key=lambda x: (x[0], x[1]))
    # "demanded that the United States match ...": the subject of a complement clause is whom
    # the demand, warning or accusation is about
    clausal = []
    for h in heads:
        for c in h.children:
            if c.dep_ == "ccomp":
                clausal += [g for g in c.children if g.dep_ in ("nsubj", "nsubjpass")]
    return direct + clausal + [g for _, _, g in preps]


def _verb_arguments(v, actors: list[Actor], m: Match, code: str) -> tuple[list[Actor], list[Actor]]:
    subj, passive = _subject_of(v)
    agent = _agent_of(v)
    sources: list[Actor] = []
    targets: list[Actor] = []
    if passive:
        if agent is not None:
            sources = _actors_in(agent, actors)
        else:
            # "were killed in Israeli tank shelling": the doer modifies the means
            for c in v.children:
                if c.dep_ == "prep" and c.lower_ in ("in", "by", "during", "after"):
                    for g in c.children:
                        if g.dep_ == "pobj" and g.pos_ == "NOUN":
                            mods = [x for x in g.children if x.dep_ in ("amod", "compound", "poss", "nmod")]
                            for x in mods:
                                sources = sources or _actors_in(x, actors)
        if subj is not None:
            targets = _actors_in(subj, actors, exclude=sources)
    elif subj is not None:
        sources = _actors_in(subj, actors)
    if not targets:
        heads = [v] + [u for u in m.used if u.pos_ in ("NOUN", "PROPN", "VERB")]
        domestic: list[Actor] = []
        own = {_country(a) for a in sources}
        for slot in _object_slots(heads, code):
            if subj is not None and slot.i == subj.i:
                continue
            found = _actors_in(slot, actors, exclude=sources)
            if found and own and {_country(a) for a in found} <= own:
                # "Britain mobilized army reservists for a war against Iraq": the object is
                # the source's own people; a foreign party further on is the target
                domestic = domestic or found
                continue
            if found:
                targets = found
                break
        targets = targets or domestic
    return sources, targets


def _noun_arguments(n, actors: list[Actor], verbs: VerbDictionary, code: str, patient: bool):
    """Arguments of a nominal trigger: its own modifiers first, then the support verb's.

    Returns (sources, targets, reversed, between, fallback_allowed)."""
    sources: list[Actor] = []
    targets: list[Actor] = []
    rev = between = False
    heads_of = {a.head.i for a in actors}
    phrase = [n]
    gov = n
    while gov.dep_ == "conj" and gov.head.i != gov.i:  # "investment and aid": the first conjunct's frame
        gov = gov.head
    own_preps = []
    # "This visit will be Putin's first to North Korea": the predicate carries the arguments
    if n.dep_ == "nsubj" and n.head.lemma_ == "be":
        for c in n.head.children:
            if c.dep_ in ("attr", "acomp"):
                if c.i in heads_of:
                    sources = sources or _actors_in(c, actors)
                else:
                    phrase.append(c)
            elif c.dep_ == "prep":
                own_preps.append(c)
    for h in phrase:
        for c in h.children:
            if c.dep_ in ("poss", "compound", "amod", "nmod") and c.i in heads_of:
                sources = sources or _actors_in(c, actors)
            elif c.dep_ in ("prep", "agent"):
                own_preps.append(c)
            elif c.dep_ == "acl":
                ag = _agent_of(c)
                if ag is not None:
                    sources = sources or _actors_in(ag, actors)
    has_to = any(p.lower_ in ("to", "with") for p in own_preps)
    ranked = sorted(own_preps, key=lambda p: _TARGET_PREPS.index(p.lower_) if p.lower_ in _TARGET_PREPS else 99)
    for p in ranked:
        objs = [g for g in p.children if g.dep_ in ("pobj", "pcomp")]
        if not objs:
            continue
        found = _actors_in(objs[0], actors, exclude=sources)
        if not found:
            continue
        agentive_of = p.lower_ == "of" and not sources and (has_to or n.lemma_.lower() in _AGENT_OF)
        if p.lower_ == "by" or p.dep_ == "agent" or agentive_of:
            sources = sources or found
        elif p.lower_ in _PLACE_PREPS and _place_not_party(code):
            continue
        elif p.lower_ == "between" and _n_distinct(found) >= 2 and not sources:
            targets, between = found, True
            break
        elif not targets:
            targets = found
    # "sent 25,000 tons of food aid", "gave 5 million dollars of aid": the quantity's frame
    for _ in range(3):
        if gov.dep_ == "pobj" and gov.head.lower_ == "of" and gov.head.head.pos_ in ("NOUN", "NUM", "PROPN"):
            gov = gov.head.head
        else:
            break
    if not sources and not between and code[:2] == "04":
        clause = _participants_clause(n, gov)
        if clause is not None:
            subj, passive = _subject_of(clause)
            found = _actors_in(subj, actors, exclude=targets) if subj is not None and not passive else []
            plural = any(c.dep_ == "poss" and c.lower_ == "their" for c in n.children)
            if plural and found:
                # "their" is the whole subject, however the parser split it ("Trump and North
                # Korean leader Kim" with "Trump" as a modifier)
                span = {t.i for t in subj.subtree}
                found = _distinct(found + [a for a in actors if a.head.i in span and a not in targets])
            if found and (not plural or len({_country(a) for a in found}) >= 2):
                sources, fallback = found, False
    # A support verb realises the noun: "X held talks with Y", "Y faced sanctions", "Israel
    # and Lebanon renewed negotiations" (verbs.tsv lists them with the flag "light").  Other
    # verbs relate the event to something else ("the announcement follows a meeting"), so
    # their subject is not the noun's source.
    verb = gov.head
    if gov.dep_ == "pobj" and verb.dep_ == "prep":
        verb = verb.head
    light = None
    if verb.i != gov.i and verb.pos_ in ("VERB", "AUX"):
        light = verbs.light_flags(verb)
    fallback = False
    support_deps = ("dobj", "pobj", "attr", "nsubjpass", "xcomp", "oprd") if light else ("dobj", "pobj", "oprd")
    if light is not None and gov.dep_ in support_deps:
        fallback = True
        rev = "rev" in light
        subj, passive = _subject_of(verb)
        if passive:  # "sanctions were imposed on Iran by the EU"
            ag = _agent_of(verb)
            if ag is not None and not sources:
                sources = _actors_in(ag, actors)
            subj = None
        if subj is not None:
            found = _actors_in(subj, actors, exclude=targets)
            if rev:
                if not targets and found:
                    targets = found
            elif not sources and found:
                sources = found
        rev = False
        if not targets and not between:
            for slot in _object_slots([verb], code):
                if slot.i == gov.i:
                    continue
                found = _actors_in(slot, actors, exclude=sources)
                if found:
                    targets = found
                    break
    elif patient and not targets:
        # "North Korea, facing hardship under sanctions": the sanctioned party is the subject of
        # the clause the noun sits in.
        cur = gov
        for _ in range(6):
            cur = cur.head
            if cur.pos_ in ("VERB", "AUX") or cur.head.i == cur.i:
                break
        subj, _passive = _subject_of(cur) if cur.pos_ in ("VERB", "AUX") else (None, False)
        if subj is not None:
            targets = _actors_in(subj, actors, exclude=sources)
    elif gov.dep_ in ("ROOT", "dobj", "pobj", "conj", "appos") and not sources and not targets:
        fallback = True
    return sources, targets, rev, between, fallback


# Prepositions whose meeting noun is something the clause's subject took part in: "Kim used
# harsh language *during* an encounter with Lavrov", "said *after* talks with Xi".
_PARTICIPATION_PREPS = frozenset({"during", "at", "after", "following", "in", "on", "upon", "amid"})
_POSSESSIVE_PRONOUNS = frozenset({"his", "her", "their", "its"})


def _participants_clause(n, gov):
    """The verb whose subject took part in the meeting noun ``n``: the clause a possessive
    pronoun refers back to ("Trump and Kim issued a statement after *their* meeting", "Trump,
    on the heels of *his* summit with Kim, said"), or the clause a meeting noun is an adjunct
    of ("Kim spoke *during an encounter with* Lavrov").  None otherwise."""
    possessed = any(c.dep_ == "poss" and c.lower_ in _POSSESSIVE_PRONOUNS for c in n.children)
    if not possessed:
        prep = gov.head
        if gov.dep_ != "pobj" or prep.dep_ != "prep" or prep.lower_ not in _PARTICIPATION_PREPS:
            return None
        return prep.head if prep.head.pos_ in ("VERB", "AUX") else None
    cur = gov
    for _ in range(6):
        if cur.head.i == cur.i:
            return None
        cur = cur.head
        if cur.pos_ in ("VERB", "AUX"):
            return cur
    return None


def _nearest(actors: list[Actor], tok, before: bool, exclude: list[Actor]) -> list[Actor]:
    skip = {a.key for a in exclude} | {a.group for a in exclude}
    cands = [a for a in actors if a.key not in skip and a.group not in skip
             and (a.head.i < tok.i if before else a.head.i > tok.i)]
    if not cands:
        return []
    best = max(cands, key=lambda a: a.head.i) if before else min(cands, key=lambda a: a.head.i)
    return [a for a in cands if a.group == best.group]


def _pairs(f: _Found) -> list[tuple[Optional[Actor], Optional[Actor]]]:
    srcs = _distinct(f.sources)
    tgts = _distinct(f.targets)
    if f.reciprocal and root_of(f.code_choices[0]) in _MUTUAL_ROOTS:
        pairs = [(a, b) for a in srcs for b in srcs if a is not b and _country(a) != _country(b)]
        if pairs:
            return _dedupe_pairs(pairs)
    out = []
    for s in srcs or [None]:
        others = [t for t in tgts if s is None or t.mention.code != s.mention.code]
        for t in others or [None]:  # an actor acting on itself is no dyad
            out.append((s, t))
            if t is not None and s is not None and f.symmetric:
                out.append((t, s))
    return _dedupe_pairs(out)


def _dedupe_pairs(pairs):
    """One event per pair of countries: "Putin, Russia's president, met ..." is one meeting."""
    out, seen = [], set()
    for s, t in pairs:
        k = (_country(s) if s else None, _country(t) if t else None)
        if k not in seen:
            seen.add(k)
            out.append((s, t))
    return out


def _n_distinct(actors: list[Actor]) -> int:
    return len({(a.key, a.mention.code) for a in actors})


def _country(a: Actor) -> str:
    return a.mention.country or a.mention.code


def _distinct(actors: list[Actor]) -> list[Actor]:
    out, seen = [], set()
    for a in actors:
        k = (a.key, a.mention.code)
        if k not in seen:
            seen.add(k)
            out.append(a)
    return out


def _choose(codes: tuple[str, ...], dist: dict[str, float]) -> str:
    """The candidate code whose root (or, failing that, 5-way class) the classifier finds most
    probable; the dictionary's first code when there is no classifier answer."""
    if len(codes) == 1 or not dist:
        return codes[0]
    by_root = {c: dist.get(root_of(c), 0.0) for c in codes}
    if any(by_root.values()):
        return max(codes, key=lambda c: by_root[c])
    penta: dict[int, float] = {}
    for r, p in dist.items():
        if r in _PENTA_OK:
            penta[penta_class(r)] = penta.get(penta_class(r), 0.0) + p
    return max(codes, key=lambda c: penta.get(penta_class(c), 0.0))


_PENTA_OK = frozenset(f"{i:02d}" for i in range(1, 21))


def _classifier_event(sent, actors: list[Actor], root: str, p: float) -> Optional[_Found]:
    """An event the dictionary missed: the main verb as trigger, its subject's actor as
    source and the next other actor as target."""
    verb = sent.root if sent.root.pos_ in ("VERB", "AUX") else next((t for t in sent if t.pos_ == "VERB"), None)
    if verb is None:
        return None
    subj, passive = _subject_of(verb)
    sources = _actors_in(subj, actors) if subj is not None else []
    if not sources:
        sources = _nearest(actors, verb, before=True, exclude=[])
    targets = _nearest(actors, verb, before=False, exclude=sources) or \
        [a for a in actors if a.group not in {s.group for s in sources}][:1]
    code = root + "0" if root + "0" in CAMEO else root
    if _n_distinct(sources) >= 2 and not targets and root in _MUTUAL_ROOTS:
        return _Found(None, (code,), verb, sources, [], reciprocal=True, confidence=round(p, 3))
    if not sources or not targets:
        return None
    return _Found(None, (code,), verb, sources, targets, confidence=round(p, 3))


def _dedupe(events: list[Event]) -> list[Event]:
    out, seen = [], set()
    for ev in events:
        if ev.id not in seen:
            seen.add(ev.id)
            out.append(ev)
    return out


# ------------------------------------------------------------------------------------------
_DEFAULT: dict[str, Coder] = {}


def default_coder() -> Coder:
    if "coder" not in _DEFAULT:
        _DEFAULT["coder"] = Coder()
    return _DEFAULT["coder"]


def code_text(text: str, date: str | None = None, article_id: str = "text") -> list[Event]:
    """Code one text with the default pipeline (cached between calls)."""
    return default_coder().code_document(article_id, text, date)


def event_to_json(ev: Event) -> dict[str, Any]:
    """The JSON form `detente code` writes: the record's fields, with place and evidence as
    nested objects and spans as [start, end] lists."""
    d = ev.to_dict()
    if d.get("evidence"):
        for k in ("source_span", "target_span"):
            if d["evidence"].get(k) is not None:
                d["evidence"][k] = list(d["evidence"][k])
    return d
