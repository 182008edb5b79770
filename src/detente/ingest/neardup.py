"""Near-duplicate articles (one wire story on several outlets, lightly edited updates) with
datasketch MinHash signatures and an LSH index.

Documents are sets of word 3-shingles.  On the AllSides corpus (4,364 articles, 119 outlets)
the pairs at Jaccard >= 0.54 are all the same story re-run with edits (AP copy on the
Washington Times and Daily Mail, Reuters and BBC updates, CNN rewrites of one report) while
pairs at <= 0.47 are different articles on one event that quote the same wire paragraphs; the
linking threshold sits between, at 0.5 (measured by ``bench/ingest.py --neardup``).

Signatures are stored with each article (``articles.minhash``) so a later run rebuilds the index
from the store and links new copies to articles ingested long before.
"""
from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Optional

import numpy as np
from datasketch import MinHash, MinHashLSH

NUM_PERM = 128
SHINGLE = 3
THRESHOLD = 0.5
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


class _WordHashes(dict):
    """Stable 32-bit hash per word (CRC32: Python's hash() changes between processes and the
    signatures are stored).  Cached because a corpus repeats its vocabulary endlessly."""

    def __missing__(self, word: str) -> int:
        value = zlib.crc32(word.encode("utf-8"))
        if len(self) < 2_000_000:
            self[word] = value
        return value


_WORD_HASHES = _WordHashes()


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
    h = np.fromiter(map(_WORD_HASHES.__getitem__, words), dtype=np.uint32, count=len(words))
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


@dataclass
class Match:
    article_id: str
    canonical_id: str
    similarity: float


class NearDupIndex:
    """LSH index over stored and newly ingested articles.  ``canonical`` maps every indexed
    article to its cluster head."""

    def __init__(self, threshold: float = THRESHOLD):
        self.threshold = threshold
        # LSH candidates are verified against the estimated Jaccard below, so the bands are
        # tuned a little looser than the threshold to miss fewer true pairs.
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

    def best_match(self, sig: np.ndarray | MinHash) -> Optional[Match]:
        """The most similar indexed article at or above the threshold (ties: smallest id, so
        results do not depend on set iteration order)."""
        mh = sig if isinstance(sig, MinHash) else as_minhash(sig)
        best: Optional[Match] = None
        for candidate in self.lsh.query(mh):
            sim = mh.jaccard(self.signatures[candidate])
            if sim < self.threshold:
                continue
            if (best is None or sim > best.similarity
                    or (sim == best.similarity and candidate < best.article_id)):
                best = Match(candidate, self.canonical[candidate], sim)
        return best
