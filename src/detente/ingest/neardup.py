"""Near-duplicate articles (one wire story on several outlets, lightly edited updates) with
datasketch MinHash signatures and an LSH index.

Documents are sets of word 3-shingles.  LSH over MinHash signatures finds candidates; each is
then verified by the exact Jaccard similarity of the two shingle sets, so the threshold is a
sharp line rather than a band of estimation noise (+-0.04 at 128 permutations).

The threshold was set on the AllSides corpus (4,364 articles, 119 outlets): every candidate
pair above Jaccard 0.25 was read.  The pairs at >= 0.545 are one story re-run with edits (AP copy
on the Washington Times and the Daily Mail, Reuters and BBC re-publications, a Guardian/Fox
wire story, a CNN report re-issued under a new URL); those at <= 0.497 are different articles:
a CNN story rewritten the next day around new events, a blog post quoting a Fox report, a Fox
article built around AP quotes.  The line sits between, at 0.52 (``bench/ingest.py`` measures
it again on every run).

Signatures are stored with each article (``articles.minhash``) so a later run rebuilds the index
from the store and links new copies to articles ingested long before.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable, Optional

import numpy as np
from datasketch import MinHash, MinHashLSH

NUM_PERM = 128
SHINGLE = 3
THRESHOLD = 0.52
# Texts shorter than this many words are too short for a trustworthy estimate (a two-line
# summary shares half its shingles with any other summary of the same event); they are
# matched only as exact copies.
MIN_WORDS = 25
# datasketch's 2.x permutation scheme, named explicitly: stored signatures must stay
# comparable whatever the library's default becomes.
SCHEME = "affine32"
SEED = 1

_WORD = re.compile(r"\w+")
_M32 = np.uint32


@lru_cache(maxsize=1)
def _permutations() -> np.ndarray:
    return MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations


# Word hashes: each word as 16 UTF-32 code units (longer words truncated; a collision needs
# the same first 16 letters) folded with fixed odd multipliers.  Vectorised in numpy, unlike a
# per-word hash call, and stable across processes and machines, unlike Python's hash().
_WORD_WIDTH = 16
_WORD_MULTIPLIERS = (np.random.RandomState(20240619).randint(
    0, 2**31, _WORD_WIDTH, dtype=np.int64).astype(np.uint32) * _M32(2) + _M32(1))


def _word_hashes(words: list[str]) -> np.ndarray:
    codes = np.array(words, dtype=f"<U{_WORD_WIDTH}").view(np.uint32).reshape(-1, _WORD_WIDTH)
    return (codes * _WORD_MULTIPLIERS).sum(axis=1, dtype=np.uint32)


def _fmix32(h: np.ndarray) -> np.ndarray:
    # MurmurHash3's finaliser, the mixing datasketch's affine32 scheme applies to its inputs.
    h ^= h >> _M32(16)
    h *= _M32(0x85EBCA6B)
    h ^= h >> _M32(13)
    h *= _M32(0xC2B2AE35)
    h ^= h >> _M32(16)
    return h


def shingle_hashes(text: str) -> np.ndarray:
    """32-bit hashes of the text's word 3-shingles (lower-cased), computed with numpy over
    the word hashes rather than one string per shingle."""
    words = _WORD.findall(text.lower())
    if not words:
        return np.zeros(0, dtype=np.uint32)
    h = _word_hashes(words)
    if len(h) >= SHINGLE:
        h = (h[:-2] * _M32(0x9E3779B1) ^ h[1:-1]) * _M32(0x85EBCA77) ^ h[2:]
    return h


def signature(text: str) -> Optional[np.ndarray]:
    """MinHash signature (uint32[NUM_PERM]) of the text, or None when too short to compare.

    Equivalent to ``MinHash.update_batch`` over the shingle hashes, done in one numpy pass:
    datasketch would call a hash function per shingle in Python (a 4,000-article corpus has
    3.7 million shingles)."""
    hashes = shingle_hashes(text)
    if len(hashes) + SHINGLE - 1 < MIN_WORDS:
        return None
    a, b = _permutations()
    mixed = _fmix32(hashes.copy()).reshape(-1, 1)
    return (mixed * a + b).min(axis=0).astype(np.uint32)


def as_minhash(values: Iterable[int] | np.ndarray) -> MinHash:
    return MinHash(hashvalues=np.asarray(values, dtype=np.uint32), permutations=_permutations(),
                   scheme=SCHEME, seed=SEED)


def shingle_set(text: str) -> np.ndarray:
    """Sorted unique shingle hashes, for exact Jaccard verification."""
    return np.unique(shingle_hashes(text))


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    if not len(a) or not len(b):
        return 0.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)


@dataclass
class Match:
    article_id: str
    canonical_id: str
    similarity: float


class NearDupIndex:
    """LSH index over stored and newly ingested articles.  ``canonical`` maps every indexed
    article to its cluster head; ``text_of(id)`` returns an indexed article's text for the
    exact check."""

    def __init__(self, text_of: Callable[[str], Optional[str]], threshold: float = THRESHOLD):
        self.threshold = threshold
        self.text_of = text_of
        # Candidates are verified exactly, so the bands are tuned looser than the threshold
        # to miss fewer true pairs.
        self.lsh = MinHashLSH(threshold=max(0.05, threshold - 0.1), num_perm=NUM_PERM)
        self.signatures: dict[str, MinHash] = {}
        self.canonical: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self.signatures)

    def add(self, article_id: str, sig: np.ndarray | MinHash, canonical_id: str) -> None:
        if article_id in self.signatures:
            return
        mh = sig if isinstance(sig, MinHash) else as_minhash(sig)
        self.lsh.insert(article_id, mh)
        self.signatures[article_id] = mh
        self.canonical[article_id] = canonical_id or article_id

    def load(self, rows: Iterable[tuple[str, Optional[str], np.ndarray]]) -> int:
        """Index ``(id, canonical_id, signature)`` rows read from the store."""
        n = 0
        with self.lsh.insertion_session() as session:
            for article_id, canonical_id, values in rows:
                if values is None or len(values) != NUM_PERM or article_id in self.signatures:
                    continue
                mh = as_minhash(values)
                session.insert(article_id, mh)
                self.signatures[article_id] = mh
                self.canonical[article_id] = canonical_id or article_id
                n += 1
        return n

    def best_match(self, sig: np.ndarray | MinHash, text: str) -> Optional[Match]:
        """The most similar indexed article at or above the threshold (ties: smallest id, so
        the outcome does not depend on set iteration order)."""
        mh = sig if isinstance(sig, MinHash) else as_minhash(sig)
        candidates = self.lsh.query(mh)
        if not candidates:
            return None
        mine = shingle_set(text)
        best: Optional[Match] = None
        for candidate in sorted(candidates):
            other = self.text_of(candidate)
            if other is None:
                continue
            sim = jaccard(mine, shingle_set(other))
            if sim >= self.threshold and (best is None or sim > best.similarity):
                best = Match(candidate, self.canonical[candidate], sim)
        return best
