"""The verb dictionary: trigger patterns over spaCy parses, mapped to CAMEO codes.

The patterns live in ``data/verbs.tsv`` (its header documents the format) plus, optionally, a
``verbs.tsv`` in ``$DETENTE_DATA`` so users can extend or override them without editing the
package.  Matching is a lemma lookup per token followed by a check of a few dependents, so it
costs next to nothing beside the parse itself.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterable, Optional

from ..config import user_data_dir
from .cameo import is_code, normalize_code

_POS = {
    "V": frozenset({"VERB", "AUX"}),
    "N": frozenset({"NOUN", "PROPN"}),
    # Predicative participles ("concerned", "prepared") are tagged VERB as often as ADJ;
    # match_token admits a VERB here only as a predicative past participle.
    "A": frozenset({"ADJ", "VERB"}),
    "*": frozenset({"VERB", "AUX", "NOUN", "PROPN", "ADJ"}),
}
# Dependents reached through these arcs belong to another clause (another event), so pattern
# words are never looked for there: "condemned the attack and called for talks" must not match
# "condemn talk".
_CLAUSE_ARCS = frozenset({"ccomp", "advcl", "relcl", "parataxis", "conj", "acl", "csubj", "cc",
                          "punct", "appos"})
_SKIP_WORDS = frozenset({"a", "an", "the"})


class VerbDictionaryError(ValueError):
    pass


@dataclass(frozen=True)
class Pattern:
    head: str
    pos: str  # key of _POS
    words: tuple[frozenset[str], ...]  # each slot: lemmas any one of which satisfies it
    banned: frozenset[str]
    codes: tuple[str, ...]  # empty for support ("light") verbs
    flags: frozenset[str]
    text: str
    line: int

    @property
    def specificity(self) -> int:
        return len(self.words)

    @property
    def ambiguous(self) -> bool:
        return len(self.codes) > 1


@dataclass
class Match:
    """One trigger found in a sentence."""

    token: object  # spaCy Token: the head the event is anchored on
    pattern: Pattern
    used: list = field(default_factory=list)  # tokens that satisfied the pattern's words

    @property
    def codes(self) -> tuple[str, ...]:
        return self.pattern.codes


class VerbDictionary:
    """Patterns indexed by head lemma."""

    def __init__(self, patterns: Iterable[Pattern]):
        self.by_head: dict[str, list[Pattern]] = {}
        self.light_patterns: dict[str, list[Pattern]] = {}
        seen: dict[tuple, int] = {}
        ordered: list[Pattern] = []
        for p in patterns:
            if not p.codes:
                self.light_patterns.setdefault(p.head, []).append(p)
                continue
            key = (p.head, p.pos, p.words, p.banned)
            if key in seen:  # a later file redefines an earlier pattern
                ordered[seen[key]] = p
            else:
                seen[key] = len(ordered)
                ordered.append(p)
        for p in ordered:
            self.by_head.setdefault(p.head, []).append(p)
        for plist in self.by_head.values():
            # Most specific first; file order breaks ties (stable sort).
            plist.sort(key=lambda p: -p.specificity)
        self._hash_cache: dict[int, object] = {}
        digest = hashlib.sha256()
        for p in ordered:
            digest.update(f"{p.text}\t{'|'.join(p.codes)}\t{','.join(sorted(p.flags))}\n".encode())
        self.digest = digest.hexdigest()[:10]

    @property
    def light(self) -> dict[str, list[Pattern]]:
        return self.light_patterns

    def light_flags(self, token) -> Optional[frozenset[str]]:
        """Flags of the support-verb pattern ``token`` satisfies ("come under" needs its
        "under"), or None when it is not a support verb."""
        for p in sorted(self.light_patterns.get(token.lemma_.lower(), ()), key=lambda p: -p.specificity):
            if not p.words:
                return p.flags
            lemmas = {t.lemma_.lower() for t in _dependents(token)}
            if all(slot & lemmas for slot in p.words):
                return p.flags
        return None

    def __len__(self) -> int:
        return sum(len(v) for v in self.by_head.values())

    def heads(self) -> set[str]:
        return set(self.by_head)

    # -- matching ---------------------------------------------------------------------
    def match_token(self, token) -> Optional[Match]:
        """The most specific pattern whose head is ``token``, or None."""
        plist = self.by_head.get(token.lemma_.lower())
        if not plist:
            return None
        deps: Optional[list] = None
        for p in plist:
            if token.pos_ not in _POS[p.pos]:
                continue
            if p.pos == "A" and token.pos_ == "VERB" and not (token.tag_ == "VBN" and token.dep_ in ("acomp", "oprd", "amod")):
                continue  # "welcomed the decision" is not "welcome" the adjective
            if p.pos == "V" and token.dep_ in ("amod", "compound") and token.tag_ in ("VBN", "VBG"):
                # "the planned visit", "the ruling party": a participle modifying a noun is
                # an attribute, not an event of its own.
                continue
            if not p.words and not p.banned:
                return Match(token, p)
            if deps is None:
                deps = _dependents(token)
            if p.banned and any(t.lemma_.lower() in p.banned or t.lower_ in p.banned for t in deps):
                continue
            used = []
            for slot in p.words:
                # The nearest dependent that fills the slot, in tree order.  Never the slot's
                # own (set) order: that varies with PYTHONHASHSEED, and in "reached agreement
                # ..., according to" the lemma "accord" of "according" then took the slot from
                # "agreement" in some processes and not others.
                hit = next((t for t in deps if t.lemma_.lower() in slot or t.lower_ in slot), None)
                if hit is None:
                    break
                used.append(hit)
            else:
                return Match(token, p, used)
        return None

    def head_hashes(self, vocab):
        """Hash ids of every head lemma (lower case and capitalised, as spaCy lemmatises
        sentence-initial and proper-noun tokens), for a vectorised pre-filter over a Doc."""
        import numpy as np

        key = id(vocab)
        cached = self._hash_cache.get(key)
        if cached is None:
            forms = {f for h in self.by_head for f in (h, h.capitalize(), h.upper())}
            cached = np.array(sorted(vocab.strings.add(f) for f in forms), dtype="uint64")
            self._hash_cache[key] = cached
        return cached

    def find(self, sent, candidates: Optional[Iterable[int]] = None) -> list[Match]:
        """Triggers in a sentence: the most specific pattern per token, then the matches whose
        tokens another, more specific match already used are dropped.  ``candidates``: token
        indices (in the Doc) worth looking at, when the caller pre-filtered by lemma."""
        tokens = sent if candidates is None else (sent.doc[i] for i in candidates)
        found = [m for m in (self.match_token(t) for t in tokens) if m is not None]
        if not found:
            return []
        found.sort(key=lambda m: (-m.pattern.specificity, m.token.i))
        consumed: set[int] = set()
        kept = []
        for m in found:
            if m.token.i in consumed:
                continue
            kept.append(m)
            consumed.add(m.token.i)
            consumed.update(t.i for t in m.used)
        # A single-word match on a token used by a longer one was skipped above; a longer match
        # on a token that a shorter one used first cannot happen because of the sort.
        kept = [m for m in kept if not any(m.token.i in {u.i for u in k.used} for k in kept if k is not m)]
        kept.sort(key=lambda m: m.token.i)
        return kept


def _dependents(token, depth: int = 2) -> list:
    """Dependents of ``token`` up to ``depth`` links down, staying inside its clause."""
    out = []
    frontier = [token]
    for _ in range(depth):
        nxt = []
        for t in frontier:
            for c in t.children:
                if c.dep_ in _CLAUSE_ARCS or c.lower_ in _SKIP_WORDS:
                    continue
                out.append(c)
                nxt.append(c)
        frontier = nxt
    return out


# -- loading ---------------------------------------------------------------------------
def parse_line(line: str, lineno: int, origin: str) -> Optional[Pattern]:
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return None
    parts = line.rstrip("\n").split("\t")
    if len(parts) < 2:
        raise VerbDictionaryError(f"{origin}:{lineno}: expected PATTERN<TAB>CODES[<TAB>FLAGS], got {line.strip()!r}")
    pattern_text, codes_text = parts[0].strip(), parts[1].strip()
    flags = frozenset(f.strip() for f in (parts[2] if len(parts) > 2 else "").split(",") if f.strip())
    unknown = flags - {"rev", "speech", "light", "mass", "patient", "sym"}
    if unknown:
        raise VerbDictionaryError(f"{origin}:{lineno}: unknown flag(s) {sorted(unknown)}")
    words = pattern_text.lower().split()
    if not words:
        raise VerbDictionaryError(f"{origin}:{lineno}: empty pattern")
    head, _, pos = words[0].partition("/")
    pos = pos.upper() or "V"
    if pos not in _POS:
        raise VerbDictionaryError(f"{origin}:{lineno}: unknown part of speech /{pos} (use V, N, A or *)")
    slots: list[frozenset[str]] = []
    banned: set[str] = set()
    for w in words[1:]:
        alts = [a for a in w.split(",") if a]
        neg = {a[1:] for a in alts if a.startswith("!")}
        pos_alts = [a for a in alts if not a.startswith("!")]
        banned |= neg
        if pos_alts and not set(pos_alts) <= _SKIP_WORDS:
            slots.append(frozenset(pos_alts))
    if codes_text in ("-", ""):
        codes: tuple[str, ...] = ()
        flags = flags | {"light"}
    else:
        codes = tuple(normalize_code(c) for c in codes_text.split("|"))
        bad = [c for c in codes if not is_code(c)]
        if bad:
            raise VerbDictionaryError(f"{origin}:{lineno}: unknown CAMEO code(s) {bad}")
    return Pattern(head=head, pos=pos, words=tuple(slots), banned=frozenset(banned), codes=codes,
                   flags=flags, text=pattern_text, line=lineno)


def parse_lines(lines: Iterable[str], origin: str) -> list[Pattern]:
    out = []
    for i, line in enumerate(lines, 1):
        p = parse_line(line, i, origin)
        if p is not None:
            out.append(p)
    return out


def _user_files(extra_dirs: Iterable[Path] = ()) -> list[Path]:
    dirs = list(extra_dirs)
    udir = user_data_dir()
    if udir is not None:
        dirs.append(udir)
    return [d / "verbs.tsv" for d in dirs if (d / "verbs.tsv").is_file()]


def load_verbs(extra_dirs: Iterable[Path | str] = ()) -> VerbDictionary:
    text = resources.files(__package__).joinpath("data/verbs.tsv").read_text("utf-8")
    patterns = parse_lines(text.splitlines(), "verbs.tsv")
    for path in _user_files(Path(d) for d in extra_dirs):
        patterns += parse_lines(path.read_text("utf-8").splitlines(), str(path))
    return VerbDictionary(patterns)


@lru_cache(maxsize=1)
def default_verbs() -> VerbDictionary:
    return load_verbs()
