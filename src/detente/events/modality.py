"""Modality of an event: did it happen, will it, might it, did it not, or does someone say so?

``modality_of(sent, trigger)`` reads the dependency parse the coder already has; it never
re-parses and only walks a handful of tokens, so it costs microseconds per event.

How it decides
--------------
Cues come from two places:

1. *Grammatical markers* on the trigger and on the governors whose tense and polarity scope
   over it: modal auxiliaries (``will`` planned; ``could/may/might/can/should/must``
   hypothetical; ``would`` hypothetical, except under a past-tense speech verb where it is the
   future-in-the-past of reported speech and so planned: "Lavrov said Russia would send
   troops"), negation (``not``, ``n't``, ``never``, determiner ``no``), adverbs
   (``allegedly``, ``reportedly`` claimed; ``possibly``, ``potentially`` hypothetical),
   adjectives on a nominal trigger, also where the parser hangs them on another pre-modifier
   (``upcoming``/``planned``/``scheduled`` visit, "a planned June 12 meeting" planned;
   ``potential``/``possible`` transfer hypothetical; ``alleged`` attack claimed), what the
   clause predicates of a nominal subject ("a meeting is *in the works*", "the summit is *set
   for* June 12", "talks are *expected*" planned; "a deal is *possible*" hypothetical), conditional
   ``if``/``unless`` on the trigger's clause or on a clause attached to it, and
   ``according to``.
2. *Lexical governors*: the verb, adjective or noun whose complement the trigger is —
   ``plans to``, ``is due to``, ``is set to``, ``is scheduled to``, ``is expected to``,
   ``agreed to``, ``ahead of``, ``in anticipation of``, ``on the eve of`` (planned);
   ``reconsider`` (hypothetical: "suggest Kim reconsider the summit");
   ``consider``, ``propose``, ``ready to``, ``likely to``,
   ``urge ... to`` (hypothetical); ``refused to``, ``failed to``, ``denied``, ``ruled out``,
   ``cancelled``, ``rejected reports that``, ``without`` (negated); ``X said``, ``told``,
   ``accused ... of``, ``reports that`` (claimed).

Which governors scope over the trigger is decided by the path, not by a word window:

* control and raising (``xcomp``: "refused to *meet*"), coordination without a new subject
  ("will meet and *sign*"), purpose infinitives ("will travel to Pyongyang to *sign*") pass
  every marker up the chain;
* clausal complements (``ccomp``: "X said Y *attacked*") and content clauses of nouns
  ("reports that troops *crossed*") pass only the governor's *lexical* meaning: "X did not say
  that Y attacked" does not negate the attack, but "X denied that Y attacked" does;
* a nominal trigger inherits the tense and polarity of its verb only when that verb merely
  realises it: "talks *will be held*", "*did not hold* talks", "the visit *will be* Putin's
  first".  A copula's negation is about the predicate ("the visit is not merely symbolic"), so
  it is ignored; and "the visit *could prompt* recalibrations" says nothing about whether the
  visit happens, so the consequence verb's modal is ignored too;
* relative clauses, appositions and adverbial clauses (other than purpose and conditional) are
  separate events and stop the walk.

Rules worth stating
-------------------
* Threats and demands are events in their own right (CAMEO 13 threaten, 10 demand).  The
  threat verb is therefore ``occurred``, and ``threaten``/``warn`` are not hypothetical cues
  for the action they embed either: "North Korea threatened to strike" is coded as one
  threat, so its modality is the threat's.  Directives (``urge``, ``demand``, ``call on``,
  ``ask``, ``appeal``) make the action they ask for hypothetical; commitments (``agree``,
  ``promise``, ``pledge``, ``vow``, ``decide``) make it planned.
* The event of saying itself is ``occurred``: only governors above the trigger are read, never
  the trigger's own lemma.
* A headline infinitive with no governing verb ("Putin to visit North Korea") is planned.
* A yes/no question ("Will Russia attack?") is hypothetical.

Precedence
----------
``negated > hypothetical > planned > claimed > occurred``.  Each step down is a weaker departure
from "it happened": a negation says it did not happen; a hypothetical may never happen; a
planned event has not happened yet but is expected to; a claim says it happened on someone's
word.  So "Lavrov said Russia would never recognise the vote" is negated, "X said Y will visit"
planned, "X said Y attacked" claimed.  Ties go to the cue nearest the trigger.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from spacy.tokens import Span, Token

OCCURRED, PLANNED, HYPOTHETICAL, NEGATED, CLAIMED = (
    "occurred", "planned", "hypothetical", "negated", "claimed")
# Lower index wins.
PRECEDENCE: tuple[str, ...] = (NEGATED, HYPOTHETICAL, PLANNED, CLAIMED, OCCURRED)
_RANK = {m: i for i, m in enumerate(PRECEDENCE)}

# --- grammatical markers -------------------------------------------------------------------
_FUTURE_MODALS = {"will", "shall", "'ll", "wo", "ll"}
_HYPOTHETICAL_MODALS = {"could", "may", "might", "can", "ca", "should", "must", "ought"}
_CLAIM_ADVERBS = {"allegedly", "reportedly", "purportedly", "supposedly", "ostensibly",
                  "apparently"}
_HYPOTHETICAL_ADVERBS = {"possibly", "potentially", "perhaps", "maybe", "conceivably",
                         "hypothetically"}
_PLANNED_MODIFIERS = {"upcoming", "planned", "scheduled", "forthcoming", "proposed",
                      "prospective", "future", "expected", "impending", "imminent",
                      "anticipated", "intended", "coming", "pending", "slated", "next"}
_HYPOTHETICAL_MODIFIERS = {"potential", "possible", "likely", "hypothetical", "conditional",
                           "mooted", "contemplated"}
# Predicates that put an event noun in the future when it is their subject: "a meeting is *in
# the works*", "the summit is *due*/*set for* June 12", "talks are *expected*".
_PLANNED_PREDICATES = {"due", "set", "scheduled", "slated", "expected", "planned", "imminent",
                       "poised", "penciled", "pencilled", "arranged", "anticipated"}
_HYPOTHETICAL_PREDICATES = {"possible", "likely", "unlikely", "uncertain", "doubtful", "mooted",
                            "proposed", "considered", "contemplated", "envisaged"}
# "in the works", "in the pipeline", "in the offing", "in the making", "on track"
_PLANNED_STATES = {("in", "works"), ("in", "work"), ("in", "pipeline"), ("in", "offing"),
                   ("in", "making"), ("on", "track"), ("on", "schedule")}
_NEGATED_MODIFIERS = {"cancelled", "canceled", "scrapped", "aborted", "shelved", "scuttled",
                      "called-off"}
_POSTPONED_MODIFIERS = {"postponed", "delayed", "rescheduled", "deferred"}
_CLAIM_MODIFIERS = {"alleged", "reported", "purported", "suspected", "claimed", "rumoured",
                    "rumored", "so-called"}
_CONDITIONAL_MARKS = {"if", "unless", "whether"}

# --- lexical governors ---------------------------------------------------------------------
# How the trigger hangs from a governor ("slot"):
#   control     infinitive/gerund complement ("refused to meet", "considered sending")
#   complement  finite clause ("said that ...", "denied that ...", "reports that ...")
#   object      nominal object ("cancelled the visit", "denied the attack")
#   of/for/...  object of that preposition ("accused X of attacking", "refrained from")
_CONTROL, _COMPLEMENT, _OBJECT = "control", "complement", "object"

# lemma -> slot -> modality.  One lemma can mean different things in different slots:
# "called for talks" (a directive: hypothetical) vs "called off the talks" (negated).
_LEXICON: dict[str, dict[str, str]] = {}


def _lex(modality: str, slots: set[str], *lemmas: str) -> None:
    for lemma in lemmas:
        for slot in slots:
            _LEXICON.setdefault(lemma, {})[slot] = modality


_lex(PLANNED, {_CONTROL},
     "plan", "intend", "aim", "prepare", "schedule", "scheduled", "set", "due", "expect",
     "expected", "poise", "poised", "slate", "slated", "bound", "agree", "promise", "pledge",
     "vow", "decide", "resolve", "commit", "about", "go", "be", "decision", "agreement",
     "intention")
_lex(PLANNED, {_OBJECT, "for"}, "plan", "schedule", "postpone", "delay", "defer",
     "reschedule")
_lex(PLANNED, {"for"}, "preparation", "prepare", "arrangement")
# "ahead of the summit", "in advance of", "in anticipation of", "on the eve of": the event is
# still to come at the time of the clause.
_lex(PLANNED, {"of"}, "ahead", "advance", "anticipation", "eve")
_lex(PLANNED, {"to"}, "run-up", "lead-up", "runup", "buildup", "build-up", "countdown")
# "heading into the talks", "going into the summit", "looking forward to meeting",
# "laying the groundwork for the meeting", "paving the way for talks"
_lex(PLANNED, {"into"}, "head", "go")
_lex(PLANNED, {"to"}, "forward")
_lex(PLANNED, {"for"}, "groundwork", "stage", "way", "logistics", "venue", "agenda")
# "momentum toward a summit", "a step towards talks", "the road to the summit"
_lex(PLANNED, {"toward", "towards", "to"}, "momentum", "step", "path", "road", "push")
_lex(HYPOTHETICAL, {_CONTROL, _OBJECT},
     "consider", "weigh", "contemplate", "mull", "explore", "propose", "suggest",
     "discuss", "debate", "envisage", "envision")
# "suggest Kim reconsider the summit": the event is in question, not happening as planned.
_lex(HYPOTHETICAL, {_OBJECT}, "reconsider", "rethink", "jeopardize", "jeopardise",
     "endanger")
_lex(HYPOTHETICAL, {_CONTROL},
     "likely", "unlikely", "possible", "ready", "willing", "able", "want", "wish", "hope",
     "seek", "urge", "demand", "ask", "appeal", "call", "press", "request", "encourage",
     "offer", "push", "attempt", "try", "effort", "readiness", "willingness", "proposal",
     "bid")
# "Kim's desire to meet Trump", "his eagerness to meet", "it is necessary to engage in talks"
_lex(HYPOTHETICAL, {_CONTROL}, "eagerness", "eager", "desire", "keen", "will", "necessary",
     "important", "essential", "vital", "crucial", "imperative", "need")
_lex(HYPOTHETICAL, {"in"}, "interest")
_lex(HYPOTHETICAL, {"for"}, "call", "appeal", "demand", "push", "press", "ask", "hope",
     "proposal", "plea")
_lex(NEGATED, {_CONTROL}, "refuse", "decline", "fail", "avoid", "unable", "reluctant",
     "refusal", "failure", "cease", "stop", "forget", "neglect")
_lex(NEGATED, {_CONTROL, _COMPLEMENT, _OBJECT}, "deny", "rule")
_lex(NEGATED, {_COMPLEMENT}, "reject", "dismiss", "refute", "denial", "rebut", "deny")
_lex(NEGATED, {_OBJECT}, "cancel", "scrap", "abandon", "call", "halt", "suspend", "shelve",
     "scuttle")
_lex(NEGATED, {"from"}, "refrain", "abstain", "stop", "prevent", "bar", "ban", "block",
     "hold")
_lex(NEGATED, {"of"}, "short")  # "stopped short of recognising"
_SPEECH = (
    "say", "tell", "claim", "state", "report", "announce", "allege", "assert", "insist",
    "confirm", "add", "note", "write", "warn", "argue", "stress", "declare", "maintain",
    "contend", "testify", "reveal", "disclose", "acknowledge", "admit", "explain", "tweet",
    "post", "believe", "think", "suspect", "charge", "accuse", "blame", "indicate",
    "emphasize", "emphasise", "affirm", "reiterate", "boast", "inform", "notify", "find",
    "conclude", "understand", "learn", "fear", "predict", "estimate",
    "quote", "cite", "speculate", "complain", "protest", "signal", "hint", "imply",
    # nouns whose content clause or of-object is someone's assertion
    "statement", "assertion", "rumour", "rumor", "news", "word", "belief", "suspicion",
    "accusation", "allegation", "evidence", "indication", "sign", "claim", "report",
)
_lex(CLAIMED, {_COMPLEMENT}, *_SPEECH)
_lex(CLAIMED, {"of"}, "accuse", "suspect", "accusation", "allegation", "report", "claim",
     "evidence", "sign", "rumour", "rumor", "indication", "convict", "guilty")
_lex(CLAIMED, {"for"}, "blame", "criticize", "criticise", "condemn", "fault")
_lex(CLAIMED, {"with"}, "charge")
# Threats are events themselves (CAMEO 13): "threatened to strike" is one threat, so
# threaten/warn/threat are transparent to the action they embed (see module docstring).
_TRANSPARENT = {"threaten", "threat", "warn"}

# Verbs that merely realise a nominal event: their tense and polarity are the event's.
_REALISING_SUBJECT_VERBS = {
    "be", "happen", "occur", "take", "go", "begin", "start", "resume", "continue", "proceed",
    "conclude", "end", "open", "close", "come", "materialize", "materialise",
    "commence", "convene", "unfold", "break", "erupt",
}
_REALISING_OBJECT_VERBS = {
    "hold", "make", "pay", "conduct", "carry", "launch", "stage", "begin", "start", "resume",
    "continue", "have", "give", "host", "attend", "join", "sign", "impose", "issue", "deliver",
    "provide", "send", "deploy", "mount", "wage", "open", "undertake", "perform", "organize",
    "organise", "convene", "complete", "finalize", "finalise", "seal", "strike", "reach",
    "conclude", "lift", "extend", "offer", "grant", "announce", "unveil", "introduce",
    "adopt", "pass", "approve", "order", "file", "lodge", "express", "voice", "receive",
}
_PAST_TAGS = {"VBD", "VBN"}
# Prepositions that put their clause inside the event they introduce ("during the talks", "at
# the summit").
_WITHIN = frozenset({"during", "at", "in", "on", "amid", "throughout", "upon"})


def within_event(gov) -> bool:
    """The governor is a clause one preposition above the event noun that puts the clause
    inside the event: "spoke during an encounter", "will resort to gamesmanship in talks"."""
    return gov.slot in _WITHIN and gov.distance == 1 and gov.token.pos_ in ("VERB", "AUX")


@dataclass(frozen=True)
class Cue:
    modality: str
    text: str
    token: Token
    distance: int  # steps up the governor chain; ties break toward the trigger


@dataclass(frozen=True)
class Governor:
    """A token above the trigger and how the trigger hangs from it."""

    token: Token
    slot: str  # control | complement | object | subject | conj | purpose | <preposition>
    scoped: bool  # whether this governor's tense and polarity markers apply to the trigger
    distance: int
    child: Token  # the token below it on the path (the trigger's clause or the preposition)


def _has_own_subject(tok: Token) -> bool:
    return any(c.dep_ in ("nsubj", "nsubjpass", "expl", "csubj") for c in tok.children)


def _is_infinitive(tok: Token) -> bool:
    return any(c.dep_ == "aux" and c.tag_ == "TO" for c in tok.children)


def _is_nominal(tok: Token) -> bool:
    return tok.pos_ in ("NOUN", "PROPN", "PRON", "NUM")


def _realises(verb: Token, rel: str) -> bool:
    lemma = verb.lemma_.lower()
    if rel == "nsubjpass":
        return lemma in _REALISING_OBJECT_VERBS or lemma in _REALISING_SUBJECT_VERBS
    if rel in ("nsubj", "attr"):
        return lemma in _REALISING_SUBJECT_VERBS
    return lemma in _REALISING_OBJECT_VERBS


def governors(trigger: Token, max_steps: int = 8) -> Iterator[Governor]:
    """Walk up from the trigger through the governors whose meaning bears on it.

    Stops at relative clauses, appositions and adverbial clauses other than purpose
    infinitives, which describe events of their own.  Dates, places and attribution use the
    same walk, so all four attributes agree on what "the trigger's clause" is.
    """
    node = trigger
    scoped = True  # once a clausal complement is crossed, higher markers stop applying
    previous_slot = None
    for distance in range(1, max_steps + 1):
        head = node.head
        if head.i == node.i:
            return
        rel = node.dep_
        if rel in ("xcomp", "oprd"):
            slot = _CONTROL
        elif rel == "conj":
            slot = "conj"
            if _has_own_subject(node) and not _is_nominal(node):
                scoped = False
        elif rel == "ccomp":
            slot, scoped = _COMPLEMENT, False
        elif rel == "acl":
            if not (_is_nominal(head) or head.pos_ == "ADJ"):
                return
            if _is_infinitive(node):
                slot = _CONTROL  # "the plan to visit", "his refusal to attend"
            elif any(c.dep_ == "mark" for c in node.children) or head.lemma_.lower() in _LEXICON:
                slot, scoped = _COMPLEMENT, False  # "reports that troops crossed"
            else:
                return  # participial modifier: "troops stationed in X"
        elif rel == "advcl":
            marks = {c.lower_ for c in node.children if c.dep_ == "mark"}
            if _is_infinitive(node) and not marks:
                slot = "purpose"  # "will travel to Pyongyang to sign a treaty"
            else:
                return  # if-clauses were read on the trigger; other adverbials are events
        elif rel in ("pcomp", "pobj"):
            prep = head
            if prep.head.i == prep.i or prep.dep_ not in ("prep", "agent", "dative"):
                return
            if prep.lower_ == "without":
                yield Governor(prep, "without", scoped, distance, node)
                return
            # The preposition is the slot; what it hangs from is the governor.  Only the
            # governor's lexical meaning applies ("accused X of attacking").
            slot, scoped, node, head = prep.lower_, False, prep, prep.head
        elif rel == "dobj":
            # "rejected reports that ...": the content noun carries the complement on up.
            slot = _COMPLEMENT if previous_slot == _COMPLEMENT else _OBJECT
            if not _realises(head, rel):
                scoped = False
        elif rel in ("nsubj", "nsubjpass", "attr"):
            slot = "subject"
            if not _realises(head, rel):
                scoped = False
        else:
            return
        yield Governor(head, slot, scoped, distance, node)
        node, previous_slot = head, slot


def _under_past_speech(tok: Token) -> bool:
    """"said Russia *would* send": the future of a past report, not a hypothetical."""
    for gov in governors(tok, max_steps=3):
        if gov.slot == _COMPLEMENT:
            entry = _LEXICON.get(gov.token.lemma_.lower(), {})
            return entry.get(_COMPLEMENT) == CLAIMED and gov.token.tag_ in _PAST_TAGS
        if gov.slot not in (_CONTROL, "conj"):
            return False
    return False


def _marker_cues(tok: Token, distance: int, *, copula: bool) -> Iterator[Cue]:
    """Tense, polarity and evidential markers attached to ``tok``."""
    for child in tok.children:
        dep, low = child.dep_, child.lower_
        if dep == "aux" and child.tag_ == "MD":
            if low in _FUTURE_MODALS:
                yield Cue(PLANNED, child.text, child, distance)
            elif low == "would":
                yield Cue(PLANNED if _under_past_speech(tok) else HYPOTHETICAL, child.text,
                          child, distance)
            elif low in _HYPOTHETICAL_MODALS:
                yield Cue(HYPOTHETICAL, child.text, child, distance)
        elif dep == "neg" or (dep == "advmod" and low == "never"):
            if not copula:
                yield Cue(NEGATED, child.text, child, distance)
        elif dep == "advmod":
            if low in _CLAIM_ADVERBS:
                yield Cue(CLAIMED, child.text, child, distance)
            elif low in _HYPOTHETICAL_ADVERBS:
                yield Cue(HYPOTHETICAL, child.text, child, distance)
        elif dep == "mark" and low in _CONDITIONAL_MARKS:
            yield Cue(HYPOTHETICAL, child.text, child, distance)
        elif dep == "advcl":
            # The main clause of a conditional: "sanctions will follow if Russia attacks".
            for mark in child.children:
                if mark.dep_ == "mark" and mark.lower_ in ("if", "unless"):
                    yield Cue(HYPOTHETICAL, mark.text, mark, distance)


def _premodifiers(tok: Token) -> Iterator[Token]:
    """Modifiers before a noun, including those the parser hangs on another pre-modifier: in
    "a planned June 12 meeting" "planned" often attaches to "June", not to "meeting".  A
    possessor's own modifiers ("Russia's planned") still describe this noun; relative and
    prepositional phrases never come before the noun, so the walk stays in the noun phrase."""
    stack = [c for c in tok.children if c.i < tok.i]
    while stack:
        child = stack.pop()
        yield child
        if child.dep_ in ("compound", "nmod", "nummod", "npadvmod", "amod", "poss", "quantmod"):
            stack.extend(c for c in child.children if c.i < tok.i)


def _nominal_cues(tok: Token) -> Iterator[Cue]:
    """Pre-modifiers of a nominal trigger: "upcoming visit", "no talks", "alleged attack"."""
    for child in _premodifiers(tok):
        low = child.lower_
        if child.dep_ == "det" and low == "no" and child.head.i == tok.i:
            yield Cue(NEGATED, child.text, child, 0)
        elif child.dep_ in ("amod", "compound", "nmod", "acl", "advmod"):
            if low in _PLANNED_MODIFIERS or low in _POSTPONED_MODIFIERS:
                yield Cue(PLANNED, child.text, child, 0)
            elif low in _NEGATED_MODIFIERS:
                yield Cue(NEGATED, child.text, child, 0)
            elif low in _HYPOTHETICAL_MODIFIERS:
                yield Cue(HYPOTHETICAL, child.text, child, 0)
            elif low in _CLAIM_MODIFIERS:
                yield Cue(CLAIMED, child.text, child, 0)


def _predicate_cues(tok: Token) -> Iterator[Cue]:
    """What the clause says about a nominal trigger that is its subject: "a meeting between
    Kim and Trump *is in the works*", "the summit *is set for* June 12", "talks *are
    expected*", "a second summit *is possible*"."""
    if tok.dep_ not in ("nsubj", "nsubjpass") or tok.head.i == tok.i:
        return
    verb = tok.head
    lemma = verb.lemma_.lower()
    if tok.dep_ == "nsubjpass":
        low = verb.lower_
        if low in _PLANNED_PREDICATES or lemma in ("plan", "schedule", "slate", "arrange",
                                                   "expect", "anticipate", "pencil"):
            yield Cue(PLANNED, verb.text, verb, 1)
        elif low in _HYPOTHETICAL_PREDICATES or lemma in ("propose", "consider", "moot",
                                                          "contemplate", "discuss"):
            yield Cue(HYPOTHETICAL, verb.text, verb, 1)
        return
    if lemma != "be":
        return
    for child in verb.children:
        low = child.lower_
        if child.dep_ in ("acomp", "attr", "oprd") and child.i > verb.i:
            if low in _PLANNED_PREDICATES:
                yield Cue(PLANNED, child.text, child, 1)
            elif low in _HYPOTHETICAL_PREDICATES:
                yield Cue(HYPOTHETICAL, child.text, child, 1)
        elif child.dep_ == "prep" and child.i > verb.i:
            for obj in child.children:
                if obj.dep_ == "pobj" and (low, obj.lower_) in _PLANNED_STATES:
                    yield Cue(PLANNED, f"{child.text} the {obj.text}"
                              if any(d.lower_ == "the" for d in obj.children) else
                              f"{child.text} {obj.text}", child, 1)


def _according_to(tok: Token, distance: int) -> Iterator[Cue]:
    for child in tok.children:
        if child.dep_ == "prep" and child.lower_ == "according":
            yield Cue(CLAIMED, "according to", child, distance)


def _lexical_cue(gov: Governor) -> Cue | None:
    tok = gov.token
    lemma = tok.lemma_.lower()
    if lemma in _TRANSPARENT:
        return None
    entry = _LEXICON.get(lemma) or _LEXICON.get(tok.lower_)
    if entry is None and tok.tag_ in _PAST_TAGS and tok.lower_.endswith("ed"):
        # the tagger's lemma is sometimes wrong ("hoped" -> "hop"): try the regular stem
        entry = _LEXICON.get(tok.lower_[:-1]) or _LEXICON.get(tok.lower_[:-2])
    modality = entry.get(gov.slot) if entry else None
    if modality is None and gov.slot not in (_CONTROL, _COMPLEMENT, _OBJECT):
        # "laid the groundwork for the meeting", "looking forward to meeting": the phrase's
        # object or adverb carries the meaning the preposition attaches to
        for c in tok.children:
            if c.dep_ in ("dobj", "advmod") and c.i < gov.child.i:
                modality = _LEXICON.get(c.lemma_.lower(), {}).get(gov.slot)
                if modality is not None:
                    tok, lemma = c, c.lemma_.lower()
                    break
    if modality is None:
        return None
    particles = {c.lower_ for c in tok.children if c.dep_ == "prt"}
    if gov.slot == _CONTROL and lemma == "go" and tok.tag_ != "VBG":
        return None  # "is going to visit" is future; "went to visit" is a past purpose
    if lemma == "call" and modality == NEGATED and "off" not in particles:
        return None  # "called off the visit", not "called the meeting"
    if lemma == "rule" and "out" not in particles:
        return None
    if lemma == "hold" and "back" not in particles:
        return None  # "held back from striking"
    if lemma == "short" and tok.head.lemma_.lower() != "stop":
        return None
    if gov.slot == "into" and tok.tag_ in _PAST_TAGS:
        return None  # "went into the talks confident": they were under way then, not ahead
    text = " ".join([tok.text, *(c.text for c in tok.children if c.dep_ == "prt")])
    if gov.slot == _CONTROL and _is_infinitive(gov.child):
        text += " to"
    elif gov.slot not in (_CONTROL, _COMPLEMENT, _OBJECT):
        text += f" {gov.slot}"
    return Cue(modality, text, tok, gov.distance)


def asserts(gov: Governor) -> bool:
    """Whether the trigger is the content of what ``gov``'s subject asserts: "X *said* ...",
    "X *accused* Y of ...", "X *denied* that ...", "*reports* that ..."."""
    cue = _lexical_cue(gov)
    if cue is None:
        return False
    return cue.modality == CLAIMED or (cue.modality == NEGATED and gov.slot == _COMPLEMENT)


def _headline_infinitive(sent: Span, trigger: Token) -> Iterator[Cue]:
    """"Putin to visit North Korea": a to-infinitive heading a verbless sentence announces."""
    if not _is_infinitive(trigger):
        return
    if trigger.dep_ == "ROOT":
        root = trigger
    elif trigger.dep_ in ("acl", "relcl", "conj") and trigger.head.dep_ == "ROOT":
        root = trigger.head
        if root.pos_ in ("VERB", "AUX"):
            return
    else:
        return
    finite = {"VBD", "VBZ", "VBP", "MD"}
    if any(c.tag_ in finite for c in root.children) or root.tag_ in finite:
        return
    to = next(c for c in trigger.children if c.dep_ == "aux" and c.tag_ == "TO")
    yield Cue(PLANNED, to.text, to, 0)


def _question(sent: Span) -> Iterator[Cue]:
    # Only the last tokens matter (closing quotes, whitespace); sent.text would copy it all.
    doc = sent.doc
    last = None
    for i in range(sent.end - 1, max(sent.start, sent.end - 4) - 1, -1):
        if not doc[i].is_space and doc[i].text not in ('"', "”", "’", "'"):
            last = doc[i]
            break
    if last is None or last.text != "?":
        return
    first = next((t for t in sent if not (t.is_punct or t.is_space)), None)
    if first is None or first.tag_ in ("WDT", "WP", "WP$", "WRB"):
        return  # "Why did Russia attack?" presupposes the attack
    yield Cue(HYPOTHETICAL, "?", last, 99)


def modality_cues(sent: Span, trigger: Token) -> list[Cue]:
    """Every cue bearing on the trigger, nearest first (for debugging and evidence)."""
    cues: list[Cue] = list(_marker_cues(trigger, 0, copula=False))
    cues.extend(_according_to(trigger, 0))
    nominal = _is_nominal(trigger)
    if nominal:
        cues.extend(_nominal_cues(trigger))
        cues.extend(_predicate_cues(trigger))
    for gov in governors(trigger):
        tok = gov.token
        if gov.slot == "without":
            cues.append(Cue(NEGATED, tok.text, tok, gov.distance))
            continue
        lexical = _lexical_cue(gov)
        if lexical is not None:
            cues.append(lexical)
        if gov.scoped:
            copula = nominal and tok.lemma_ == "be"
            cues.extend(_marker_cues(tok, gov.distance, copula=copula))
        elif within_event(gov):
            # "the DPRK will resort to gamesmanship in negotiations with the US": what happens
            # within an event is as future as the event.  Only the future carries over: "did
            # not smile during the summit" says nothing about whether the summit took place.
            cues.extend(c for c in _marker_cues(tok, gov.distance, copula=True)
                        if c.modality == PLANNED)
        # "according to KCNA" covers everything reported in the clause it hangs from.
        cues.extend(_according_to(tok, gov.distance))
    cues.extend(_headline_infinitive(sent, trigger))
    cues.extend(_question(sent))
    return cues


def modality_of(sent: Span, trigger: Token) -> tuple[str, str | None]:
    """(modality, cue) for the event whose trigger is ``trigger`` in sentence ``sent``.

    ``cue`` is the text that decided it ("will", "not", "plans to", "said", "according to"),
    or ``None`` for a plain ``occurred``.
    """
    cues = [c for c in modality_cues(sent, trigger) if c.modality != OCCURRED]
    if not cues:
        return OCCURRED, None
    best = min(cues, key=lambda c: (_RANK[c.modality], c.distance))
    return best.modality, best.text
