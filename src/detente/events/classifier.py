"""Learned event type of a sentence: the 5-way ConfliBERT class ("penta") and the CAMEO root.

The coder asks this model two things: which of several codes an ambiguous verb trigger means,
and what kind of event a sentence reports when its verb dictionary found no trigger at all.
Both are sentence-level questions, so the model reads the whole sentence.

Features (the same at training and at prediction time, see :func:`sentence_features`):

* word uni- and bigrams of the sentence, TF-IDF weighted;
* syntax tokens from the spaCy parse: the lemma of the main verb and of every verb, verb-object
  and verb-preposition pairs ("hold~talk", "impose~sanction"), verb-complement chains
  ("agree~meet") and negation cues.

Both go through a hashing vectorizer, so the model file holds numbers only - no vocabulary,
hence no text of the training sentences - and stays small.  The root model is hierarchical:
P(root) = P(penta of that root) x P(root | its penta group), because the penta model learns from
ten times more sentences than the root model has.

Callers that already parsed the text (the coder) pass spaCy ``Span``/``Doc`` objects, so nothing
is parsed twice; plain strings are parsed here with :func:`detente.nlp.load_nlp`.

Retrain with ``detente train`` (see :mod:`detente.events.training`).
"""
from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence, Union

import numpy as np

log = logging.getLogger(__name__)

MODEL_PATH = Path(__file__).resolve().parent / "data" / "event_type_model.joblib"
MODEL_FORMAT = 1

# A sentence classifier has no use for more than a long sentence's worth of text; capping the
# input keeps a 1 MB "sentence" (bad input, a page without punctuation) from costing a parse of
# the whole thing.  Wire sentences run to ~60 words; 4,000 characters is ten times that.
MAX_CHARS = 4000
MAX_TOKENS = 600

_HAS_WORD = re.compile(r"\w", re.UNICODE)
# Cues spaCy does not label `neg` but that turn an act into its refusal or denial.
_NEG_LEMMAS = frozenset({"not", "never", "no", "deny", "refuse", "reject", "decline", "without",
                         "fail", "nor"})

Item = Union[str, Any]  # a text, or a spaCy Span / Doc


class ModelFileError(ValueError):
    """The model file is missing its parts, from another format, or unreadable."""


# -- features -----------------------------------------------------------------------------
def syntax_tokens(span) -> list[str]:
    """Parse-derived tokens of one sentence (a spaCy Span or Doc).

    Lemmas rather than forms so that "met", "meets" and "meeting with" share evidence; pairs
    because the verb alone is often ambiguous ("hold talks" vs "hold prisoners").
    """
    out: list[str] = []
    for n, tok in enumerate(span):
        if n >= MAX_TOKENS:
            break
        lemma = tok.lemma_.lower()
        if tok.dep_ == "neg" or lemma in _NEG_LEMMAS:
            out.append("NEG")
        if tok.pos_ == "NOUN":
            # Not PROPN: names say who, not what, and would tie the model to the news of the
            # training years.
            out.append("N=" + lemma)
        if tok.pos_ not in ("VERB", "AUX") and tok.dep_ != "ROOT":
            continue
        if tok.pos_ == "AUX" and tok.dep_ != "ROOT":
            continue  # "will", "has": modality is the attributes engineer's, not an event type
        out.append("V=" + lemma)
        if tok.dep_ == "ROOT":
            out.append("ROOT=" + lemma)
        for child in tok.children:
            dep = child.dep_
            if dep in ("dobj", "obj", "attr", "oprd"):
                out.append(f"VO={lemma}~{child.lemma_.lower()}")
            elif dep == "prep":
                out.append(f"VP={lemma}~{child.lemma_.lower()}")
            elif dep in ("xcomp", "ccomp") and child.pos_ == "VERB":
                out.append(f"VC={lemma}~{child.lemma_.lower()}")
            elif dep == "neg":
                out.append("NEG=" + lemma)
            elif dep == "nsubjpass":
                out.append("PASS=" + lemma)
    return out


def sentence_features(span) -> tuple[str, str]:
    """(text, syntax tokens joined by spaces) of one parsed sentence: the model's two inputs."""
    text = span.text[:MAX_CHARS]
    return text, " ".join(syntax_tokens(span))


def _has_content(text: str) -> bool:
    return bool(_HAS_WORD.search(text))


def featurize(items: Sequence[Item], nlp=None) -> tuple[np.ndarray, np.ndarray]:
    """Model inputs for a batch of texts and/or spaCy spans: an (n, 2) object array of
    (text, syntax tokens), and a boolean mask of the items that hold any word at all."""
    rows: list[tuple[str, str] | None] = [None] * len(items)
    to_parse: list[int] = []
    for i, item in enumerate(items):
        if isinstance(item, str):
            to_parse.append(i)
        elif hasattr(item, "text") and hasattr(item, "__iter__"):
            rows[i] = sentence_features(item)
        elif item is None:
            rows[i] = ("", "")
        else:
            raise TypeError(f"event-type classifier: expected a str or a spaCy Span/Doc, "
                            f"got {type(item).__name__}")
    if to_parse:
        texts = [items[i][:MAX_CHARS] for i in to_parse]
        for i in to_parse:
            rows[i] = ("", "")  # kept for texts with no word; the rest are parsed below
        real = [(i, t) for i, t in zip(to_parse, texts) if _has_content(t)]
        if real:
            if nlp is None:
                from ..nlp import load_nlp

                nlp = load_nlp()
            # NER is not a feature; in en_core_web_sm it has its own tok2vec, so skipping it
            # leaves lemmas, tags and parses exactly as in a full-pipeline run.
            disable = [p for p in ("ner",) if p in nlp.pipe_names]
            docs = nlp.pipe([t for _, t in real], disable=disable, batch_size=64)
            for (i, _), doc in zip(real, docs):
                rows[i] = sentence_features(doc)
    X = np.empty((len(rows), 2), dtype=object)
    for i, row in enumerate(rows):
        X[i, 0], X[i, 1] = row
    mask = np.array([_has_content(t) for t in X[:, 0]], dtype=bool)
    return X, mask


# -- the model ----------------------------------------------------------------------------
@dataclass
class EventTypeClassifier:
    """A trained penta model and, when the data allowed one, a root model.

    ``predict_*`` return one ``(label, probability)`` per input.  An input with no word in it
    (empty, punctuation only) gets the most frequent class with probability 0.0: nothing was
    classified, and a caller thresholding on probability drops it.
    """

    penta_model: Any
    root_model: Any | None
    version: str
    info: dict = field(default_factory=dict)
    nlp: Any = None  # spaCy pipeline for plain-string input; None = detente.nlp.load_nlp()

    # ---- loading
    @classmethod
    def load(cls, path: str | Path | None = None) -> "EventTypeClassifier":
        """The model at ``path`` (default: the shipped one), read once per process."""
        resolved = Path(path).resolve() if path is not None else MODEL_PATH
        with _CACHE_LOCK:
            model = _CACHE.get(resolved)
            if model is None:
                model = cls.read(resolved)
                _CACHE[resolved] = model
            return model

    @classmethod
    def read(cls, path: str | Path) -> "EventTypeClassifier":
        """Read a model file without the cache (``load`` is what callers want)."""
        import joblib

        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"{path}: no event-type model here; build it with "
                                    "`detente train`")
        try:
            blob = joblib.load(path)
        except Exception as exc:  # pickle/zlib/version errors all mean: retrain
            raise ModelFileError(f"{path}: unreadable event-type model ({type(exc).__name__}: "
                                 f"{exc}); rebuild it with `detente train`") from None
        if not isinstance(blob, dict) or blob.get("format") != MODEL_FORMAT or "penta" not in blob:
            raise ModelFileError(f"{path}: not an event-type model of format {MODEL_FORMAT}; "
                                 "rebuild it with `detente train`")
        _warn_on_version_drift(path, blob.get("sklearn"))
        return cls(penta_model=blob["penta"], root_model=blob.get("root"),
                   version=blob["version"], info=blob.get("info", {}))

    def save(self, path: str | Path) -> Path:
        import joblib
        import sklearn

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        blob = {"format": MODEL_FORMAT, "version": self.version, "sklearn": sklearn.__version__,
                "penta": self.penta_model, "root": self.root_model, "info": self.info}
        tmp = path.with_suffix(path.suffix + ".tmp")
        joblib.dump(blob, tmp, compress=("zlib", 6))
        tmp.replace(path)  # never leave a half-written model where the coder loads it
        with _CACHE_LOCK:
            _CACHE.pop(path.resolve(), None)
        return path

    # ---- prediction
    @property
    def has_root(self) -> bool:
        return self.root_model is not None

    @property
    def penta_classes(self) -> list[int]:
        return [int(c) for c in self.penta_model.classes_]

    @property
    def root_classes(self) -> list[str]:
        return [str(c) for c in self.root_model.classes_] if self.root_model is not None else []

    def penta_proba(self, items: Sequence[Item]) -> np.ndarray:
        """(n, 5) probabilities over :attr:`penta_classes`; rows of contentless input are 0."""
        X, mask = featurize(list(items), self.nlp)
        return self._penta_proba(X, mask)

    def _penta_proba(self, X: np.ndarray, mask: np.ndarray) -> np.ndarray:
        P = np.zeros((len(X), len(self.penta_model.classes_)))
        if mask.any():
            P[mask] = self.penta_model.predict_proba(X[mask])
        return P

    def root_proba(self, items: Sequence[Item]) -> np.ndarray:
        """(n, k) probabilities over :attr:`root_classes`, consistent with the penta model."""
        if self.root_model is None:
            raise ModelFileError(f"event-type model {self.version} has no root model")
        X, mask = featurize(list(items), self.nlp)
        return self._root_proba(X, mask)

    def _root_proba(self, X: np.ndarray, mask: np.ndarray) -> np.ndarray:
        P = np.zeros((len(X), len(self.root_model.classes_)))
        if mask.any():
            P[mask] = combine_hierarchical(self.root_model.predict_proba(X[mask]),
                                           self.root_classes,
                                           self.penta_model.predict_proba(X[mask]),
                                           self.penta_classes)
        return P

    def predict_penta(self, items: Iterable[Item]) -> list[tuple[int, float]]:
        """One (penta class 0-4, probability) per text or span."""
        items = list(items)
        P = self.penta_proba(items)
        return self._top(P, self.penta_classes, self._prior_penta(), int)

    def predict_root(self, items: Iterable[Item]) -> list[tuple[str, float]]:
        """One (CAMEO root '01'..'20', probability) per text or span."""
        items = list(items)
        P = self.root_proba(items)
        return self._top(P, self.root_classes, self._prior_root(), str)

    def penta_probabilities(self, items: Iterable[Item]) -> list[dict[int, float]]:
        """Full distributions, for arbitrating between a trigger's candidate codes."""
        P = self.penta_proba(list(items))
        return [dict(zip(self.penta_classes, map(float, row))) for row in P]

    def root_probabilities(self, items: Iterable[Item]) -> list[dict[str, float]]:
        P = self.root_proba(list(items))
        return [dict(zip(self.root_classes, map(float, row))) for row in P]

    @staticmethod
    def _top(P: np.ndarray, classes: list, prior, cast) -> list:
        out = []
        for row in P:
            if row.any():
                j = int(row.argmax())
                out.append((cast(classes[j]), float(row[j])))
            else:
                out.append((cast(prior), 0.0))
        return out

    def _prior_penta(self) -> int:
        return int(self.info.get("majority_penta", self.penta_classes[0]))

    def _prior_root(self) -> str:
        return str(self.info.get("majority_root", self.root_classes[0]))


def combine_hierarchical(root_P: np.ndarray, roots: Sequence[str], penta_P: np.ndarray,
                         pentas: Sequence[int]) -> np.ndarray:
    """P(root) = P(penta(root)) * P(root) / P(roots of that penta), row-wise.

    The root model alone has ~25 sentences per class; the penta model has ~350, so it decides
    the group and the root model only ranks within it.
    """
    from .cameo import penta_class

    groups = np.array([penta_class(r) for r in roots])
    col = {int(c): j for j, c in enumerate(pentas)}
    out = np.zeros_like(root_P)
    for g in np.unique(groups):
        m = groups == g
        within = root_P[:, m]
        total = within.sum(axis=1, keepdims=True)
        total[total == 0] = 1.0
        weight = penta_P[:, [col[int(g)]]] if int(g) in col else 0.0
        out[:, m] = weight * within / total
    s = out.sum(axis=1, keepdims=True)
    s[s == 0] = 1.0
    return out / s


def _warn_on_version_drift(path: Path, trained_with: str | None) -> None:
    import sklearn

    if trained_with and trained_with.split(".")[:2] != sklearn.__version__.split(".")[:2]:
        log.warning("%s was trained with scikit-learn %s, this is %s; if predictions look "
                    "wrong, rebuild it with `detente train`", path, trained_with,
                    sklearn.__version__)


_CACHE: dict[Path, EventTypeClassifier] = {}
_CACHE_LOCK = threading.Lock()
