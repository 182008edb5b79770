"""Training and cross-validating the event-type classifier (``detente train``).

Data, all read from ``../shared`` at training time and never copied into the repository:

* ``gold/conflibert-penta.dev.jsonl``: news sentences with their 5-way class;
* ``gold/cameo-manual.dev.jsonl`` and ``gold/petrarch-gsr.dev.jsonl``: sentences with CAMEO codes,
  whose root and penta class become labels (records marked ``no_event`` carry no label);
* ``codebooks/cameo_manual_verb_codebook.jsonl``: each CAMEO code's *name and description* as an
  extra training sentence for its root - the only text per root that is not a news sentence.
  Its ``examples`` are never learned from: they are the CAMEO-manual sentences whose unseen
  half measures the coder.

Leakage guard: the ConfliBERT set contains the CAMEO manual's example sentences, most of them
the same ones as the cameo-manual dev half, but a few dozen that are not - and those are likely
in the unseen half that measures the coder.  ConfliBERT rows that near-duplicate a manual
example absent from the cameo-manual dev half are dropped before training (the codebook's
examples are read for this comparison only).

Honest figures: stratified k-fold cross-validation over the gold rows, with near-duplicate
sentences (the ConfliBERT set holds a few re-worded copies) kept in the same fold so a copy in
training cannot answer for its twin in the held-out fold.  Codebook rows only ever train.
Several estimators are compared and the one with the lowest cross-validated penta log loss is
refitted on everything and saved, as both the penta and the root model.  Log loss rather than
accuracy because the coder acts on the probabilities (it adds an event the dictionary missed
only above a confidence threshold): it rewards a model that is right *and* knows when it is
not, and the top candidates' accuracies differ by less than their standard error (~0.8 points
on 1,500 sentences).  One estimator for both models keeps the root figure exactly what ships:
the cross-validated root accuracy is that of the hierarchical combination with this penta
model.  Seeds are fixed: retraining gives the same
figures and the same model.
"""
from __future__ import annotations

import hashlib
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional, Sequence

import numpy as np

from ..io import read_jsonl
from .cameo import is_code, penta_class, root_of
from .classifier import MODEL_PATH, EventTypeClassifier, combine_hierarchical, featurize

SEED = 0
GOLD_FILES = ("conflibert-penta.dev.jsonl", "cameo-manual.dev.jsonl", "petrarch-gsr.dev.jsonl")
CODEBOOK_FILE = "cameo_manual_verb_codebook.jsonl"
PENTA_SET = "conflibert-penta"  # the set whose CV penta accuracy picks the estimator
# fuzz.ratio at or above this makes two sentences one CV group (near-duplicates).
NEAR_DUPLICATE = 90.0
# A root with fewer labelled sentences than this cannot be learned (nor calibrated); the root
# model leaves it out and the coder falls back to its dictionary for it.
MIN_ROOT_EXAMPLES = 3


class TrainingDataError(ValueError):
    """A training file is missing or malformed; the message names the file and line."""


@dataclass
class Example:
    text: str
    penta: int
    root: Optional[str]  # CAMEO root when the gold gives a code
    origin: str  # gold set name, or "codebook"


# -- data -----------------------------------------------------------------------------------
def _read_jsonl(path: Path) -> Iterable[tuple[int, dict]]:
    for n, rec in read_jsonl(path, error=TrainingDataError, missing="training file not found"):
        if not isinstance(rec.get("text"), str):
            raise TrainingDataError(f'{path}:{n}: record has no "text" string')
        yield n, rec


def load_gold(gold_dir: Path) -> list[Example]:
    """Labelled sentences from the dev halves of the gold sets in ``gold_dir``."""
    out: list[Example] = []
    for name in GOLD_FILES:
        path = Path(gold_dir) / name
        origin = name.split(".")[0]
        for n, rec in _read_jsonl(path):
            if "penta_class" in rec:
                pc = rec["penta_class"]
                if pc not in (0, 1, 2, 3, 4):
                    raise TrainingDataError(f'{path}:{n}: "penta_class" must be 0-4, got {pc!r}')
                out.append(Example(rec["text"], int(pc), None, origin))
                continue
            if rec.get("no_event") or not rec.get("events"):
                continue  # nothing to learn an event type from
            code = str(rec["events"][0].get("code") or "")
            if not is_code(code):
                raise TrainingDataError(f'{path}:{n}: unknown CAMEO code {code!r} in "events"')
            out.append(Example(rec["text"], penta_class(code), root_of(code), origin))
    return out


def load_codebook(codebook_dir: Path) -> list[Example]:
    """One example per CAMEO code name and per description (never the manual's examples)."""
    path = Path(codebook_dir) / CODEBOOK_FILE
    out: list[Example] = []
    for _, rec in read_jsonl(path, error=TrainingDataError, missing="codebook not found"):
        code = str(rec.get("code") or "")
        if not is_code(code):
            continue  # section headers and codes CAMEO later dropped
        for key in ("name", "description"):
            text = rec.get(key)
            if isinstance(text, str) and text.strip():
                out.append(Example(text.strip(), penta_class(code), root_of(code), "codebook"))
    return out


def _normalise(texts: Sequence[str]) -> list[str]:
    return [" ".join(t.lower().split()) for t in texts]


def unseen_manual_examples(codebook_dir: Path, gold: list[Example]) -> list[str]:
    """CAMEO-manual example sentences that are not in the cameo-manual dev half."""
    from rapidfuzz import fuzz, process

    path = Path(codebook_dir) / CODEBOOK_FILE
    examples = []
    for _, rec in read_jsonl(path, error=TrainingDataError, missing="codebook not found"):
        for ex in rec.get("examples") or []:
            if isinstance(ex, dict) and isinstance(ex.get("text"), str):
                examples.append(ex["text"])
    dev = [e.text for e in gold if e.origin == "cameo-manual"]
    if not examples or not dev:
        return examples
    sim = process.cdist(_normalise(examples), _normalise(dev), scorer=fuzz.ratio,
                        score_cutoff=NEAR_DUPLICATE, dtype=np.uint8, workers=1)
    return [t for t, row in zip(examples, sim) if not row.any()]


def drop_near_duplicates(examples: list[Example], blocked: Sequence[str]) -> list[Example]:
    """``examples`` without those that near-duplicate any of ``blocked``."""
    from rapidfuzz import fuzz, process

    if not blocked or not examples:
        return examples
    sim = process.cdist(_normalise([e.text for e in examples]), _normalise(blocked),
                        scorer=fuzz.ratio, score_cutoff=NEAR_DUPLICATE, dtype=np.uint8,
                        workers=1)
    return [e for e, row in zip(examples, sim) if not row.any()]


def near_duplicate_groups(texts: Sequence[str]) -> np.ndarray:
    """Group id per text, joining sentences whose normalised edit similarity is
    >= NEAR_DUPLICATE (union-find over the pairs)."""
    from rapidfuzz import fuzz, process

    norm = _normalise(texts)
    scores = process.cdist(norm, norm, scorer=fuzz.ratio, score_cutoff=NEAR_DUPLICATE,
                           dtype=np.uint8, workers=1)
    parent = list(range(len(texts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in zip(*np.nonzero(scores)):
        if i < j:
            parent[find(i)] = find(j)
    return np.array([find(i) for i in range(len(texts))])


# -- models ---------------------------------------------------------------------------------
def build_pipeline(estimator, *, char_ngrams: bool = False):
    """Features -> estimator.  Hashing keeps the file free of training text and small; the
    feature sizes leave collisions rare for a few thousand sentences."""
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
    from sklearn.feature_selection import VarianceThreshold
    from sklearn.pipeline import Pipeline

    def tfidf(**kw):
        return Pipeline([("hash", HashingVectorizer(alternate_sign=False, norm=None, **kw)),
                         ("tfidf", TfidfTransformer(sublinear_tf=True))])

    blocks = [("words", tfidf(ngram_range=(1, 2), n_features=2 ** 18), 0),
              ("syntax", tfidf(token_pattern=r"\S+", lowercase=False, n_features=2 ** 16), 1)]
    if char_ngrams:
        blocks.append(("chars", tfidf(analyzer="char_wb", ngram_range=(2, 5),
                                      n_features=2 ** 18), 0))
    # Hash buckets no training sentence filled would still cost a weight per class each (and
    # gigabytes of optimiser state for lbfgs); dropping them keeps the fit fast and the file
    # small, and the kept-column mask holds no text either.
    return Pipeline([("features", ColumnTransformer(blocks)),
                     ("used", VarianceThreshold(0.0)),
                     ("clf", estimator)])


def _logreg(C: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, max_iter=5000)


def _svm_sigmoid(C: float):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import LinearSVC

    return CalibratedClassifierCV(LinearSVC(C=C, random_state=SEED), method="sigmoid",
                                  cv=StratifiedKFold(3))


def _sgd(alpha: float):
    from sklearn.linear_model import SGDClassifier

    return SGDClassifier(loss="modified_huber", alpha=alpha, max_iter=50, tol=None,
                         random_state=SEED)


# name -> estimator factory.  All give probabilities: the coder thresholds on them.
CANDIDATES: dict[str, Callable[[], object]] = {
    "logreg-C30": lambda: _logreg(30.0),
    "logreg-C100": lambda: _logreg(100.0),
    "logreg-C300": lambda: _logreg(300.0),
    "logreg-C1000": lambda: _logreg(1000.0),
    "linsvc-C0.3-sigmoid": lambda: _svm_sigmoid(0.3),
    "sgd-huber-1e-4": lambda: _sgd(1e-4),
}
DEFAULT_CANDIDATES = tuple(CANDIDATES)


@dataclass
class CVResult:
    candidate: str
    folds: int
    penta_acc: dict[str, float]  # per gold set, and "all"
    penta_macro_f1: float  # on the ConfliBERT set
    penta_log_loss: float
    penta_confusion: list[list[int]]  # ConfliBERT set, rows gold 0-4, columns predicted
    root_acc: float  # on the sets with CAMEO codes
    root_top3: float
    root_flat_acc: float  # the root model alone, without the penta model's group
    n: dict[str, int]
    seconds: float

    def line(self) -> str:
        sets = "  ".join(f"{k}={v:.3f}" for k, v in self.penta_acc.items())
        return (f"{self.candidate:22s} penta acc {sets}  macroF1={self.penta_macro_f1:.3f} "
                f"logloss={self.penta_log_loss:.3f} | root acc={self.root_acc:.3f} "
                f"top3={self.root_top3:.3f} (flat {self.root_flat_acc:.3f})  "
                f"[{self.seconds:.0f}s]")


@dataclass
class TrainResult:
    model: EventTypeClassifier
    chosen: str
    cv: list[CVResult]
    path: Optional[Path] = None
    counts: dict[str, int] = field(default_factory=dict)


def _fit(candidate: str, X: np.ndarray, y: np.ndarray, char_ngrams: bool):
    model = build_pipeline(CANDIDATES[candidate](), char_ngrams=char_ngrams)
    model.fit(X, y)
    return model


def cross_validate(candidate: str, gold: list[Example], Xg: np.ndarray,
                   extra: list[Example], Xe: np.ndarray, *, folds: int = 5,
                   char_ngrams: bool = False) -> CVResult:
    """Stratified (by set and class), near-duplicate-grouped k-fold CV of one candidate.

    Every gold row is predicted once by models that never saw it or its near-duplicates;
    ``extra`` rows (the codebook) are added to every training fold and never scored.
    """
    from sklearn.metrics import confusion_matrix, f1_score, log_loss
    from sklearn.model_selection import StratifiedGroupKFold

    t0 = time.perf_counter()
    y = np.array([e.penta for e in gold])
    origin = np.array([e.origin for e in gold], dtype=object)
    roots = np.array([e.root or "" for e in gold], dtype=object)
    has_root = roots != ""
    groups = near_duplicate_groups([e.text for e in gold])
    strata = np.array([f"{o}:{c}" for o, c in zip(origin, y)])
    ye = np.array([e.penta for e in extra], dtype=int)
    re_ = np.array([e.root for e in extra], dtype=object)

    P = np.zeros((len(gold), 5))
    root_pred = np.empty(len(gold), dtype=object)
    root_flat = np.empty(len(gold), dtype=object)
    root_top3 = np.zeros(len(gold), dtype=bool)
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=SEED)
    for train, test in splitter.split(Xg, strata, groups):
        Xtr = np.concatenate([Xg[train], Xe]) if len(Xe) else Xg[train]
        pm = _fit(candidate, Xtr, np.concatenate([y[train], ye]), char_ngrams)
        P[test] = pm.predict_proba(Xg[test])
        rtrain = train[has_root[train]]
        rtest = test[has_root[test]]
        if len(rtest):
            rX = np.concatenate([Xg[rtrain], Xe]) if len(Xe) else Xg[rtrain]
            ry = np.concatenate([roots[rtrain], re_]).astype(str)
            keep = np.isin(ry, _learnable_roots_labels(ry))
            rm = _fit(candidate, rX[keep], ry[keep], char_ngrams)
            flat = rm.predict_proba(Xg[rtest])
            H = combine_hierarchical(flat, list(rm.classes_), P[rtest],
                                     [int(c) for c in pm.classes_])
            cls = np.array(rm.classes_, dtype=object)
            root_pred[rtest] = cls[H.argmax(1)]
            root_flat[rtest] = cls[flat.argmax(1)]
            top3 = np.argsort(-H, axis=1)[:, :3]
            root_top3[rtest] = [roots[i] in set(cls[top3[k]]) for k, i in enumerate(rtest)]
    pred = P.argmax(1)
    acc = {o: float((pred[origin == o] == y[origin == o]).mean()) for o in dict.fromkeys(origin)}
    acc["all"] = float((pred == y).mean())
    conf = origin == PENTA_SET
    return CVResult(
        candidate=candidate, folds=folds, penta_acc=acc,
        penta_macro_f1=float(f1_score(y[conf], pred[conf], average="macro")) if conf.any() else 0.0,
        penta_log_loss=float(log_loss(y, np.clip(P, 1e-9, 1.0), labels=[0, 1, 2, 3, 4])),
        penta_confusion=confusion_matrix(y[conf], pred[conf], labels=[0, 1, 2, 3, 4]).tolist(),
        root_acc=float((root_pred[has_root] == roots[has_root]).mean()) if has_root.any() else 0.0,
        root_top3=float(root_top3[has_root].mean()) if has_root.any() else 0.0,
        root_flat_acc=float((root_flat[has_root] == roots[has_root]).mean()) if has_root.any() else 0.0,
        n={o: int((origin == o).sum()) for o in dict.fromkeys(origin)},
        seconds=time.perf_counter() - t0)


def _learnable_roots(examples: list[Example]) -> list[str]:
    return _learnable_roots_labels([e.root for e in examples if e.root])


def _learnable_roots_labels(labels) -> list[str]:
    return sorted(r for r, n in Counter(labels).items() if n >= MIN_ROOT_EXAMPLES)


def _version(gold: list[Example], extra: list[Example], chosen: str, char_ngrams: bool) -> str:
    """Same data + same recipe -> same version string, so the coder's version (which embeds
    this) changes exactly when the model does."""
    h = hashlib.sha256()
    for e in gold + extra:
        h.update(f"{e.origin}\t{e.penta}\t{e.root}\t{e.text}\n".encode())
    h.update(f"{chosen}|char={char_ngrams}|seed={SEED}".encode())
    return f"evtype-{h.hexdigest()[:10]}"


def train(gold_dir: Path, codebook_dir: Optional[Path] = None, *,
          out: Optional[Path] = MODEL_PATH, candidates: Sequence[str] = DEFAULT_CANDIDATES,
          folds: int = 5, char_ngrams: bool = False, nlp=None,
          progress: Callable[[str], None] = lambda s: None) -> TrainResult:
    """Cross-validate ``candidates``, refit the best (lowest penta log loss) on all data as the
    penta and the root model, and save them to ``out``
    (None = don't save).  ``codebook_dir`` None = train on the gold sentences alone."""
    unknown = [c for c in candidates if c not in CANDIDATES]
    if unknown:
        raise ValueError(f"unknown candidate(s) {', '.join(unknown)}; "
                         f"choose from {', '.join(CANDIDATES)}")
    gold = load_gold(Path(gold_dir))
    extra: list[Example] = []
    dropped = 0
    if codebook_dir is not None:
        extra = load_codebook(Path(codebook_dir))
        kept = drop_near_duplicates(gold, unseen_manual_examples(Path(codebook_dir), gold))
        dropped = len(gold) - len(kept)
        gold = kept
    counts = dict(Counter(e.origin for e in gold + extra))
    if dropped:
        progress(f"leakage guard: dropped {dropped} sentences that copy CAMEO-manual examples "
                 "outside its dev half")
    progress("training data: " + ", ".join(f"{k} {v}" for k, v in counts.items()))

    t0 = time.perf_counter()
    Xg, _ = featurize([e.text for e in gold], nlp)
    Xe, _ = featurize([e.text for e in extra], nlp) if extra else (np.empty((0, 2), object), None)
    progress(f"parsed {len(gold) + len(extra)} sentences in {time.perf_counter() - t0:.0f}s")

    results = []
    for name in candidates:
        res = cross_validate(name, gold, Xg, extra, Xe, folds=folds, char_ngrams=char_ngrams)
        progress(res.line())
        results.append(res)
    best = min(results, key=lambda r: (round(r.penta_log_loss, 6),
                                       -r.penta_acc.get(PENTA_SET, r.penta_acc["all"])))
    progress(f"chosen: {best.candidate} (lowest penta log loss)")

    X = np.concatenate([Xg, Xe]) if len(Xe) else Xg
    everything = gold + extra
    penta = _fit(best.candidate, X, np.array([e.penta for e in everything]), char_ngrams)
    learnable = set(_learnable_roots(everything))
    rooted = [i for i, e in enumerate(everything) if e.root in learnable]
    root = _fit(best.candidate, X[rooted],
                np.array([everything[i].root for i in rooted]), char_ngrams) if rooted else None

    info = {
        "chosen": best.candidate,
        "char_ngrams": char_ngrams, "folds": folds, "seed": SEED,
        "counts": counts, "dropped_as_unseen_manual_examples": dropped,
        "cv": {r.candidate: {k: v for k, v in r.__dict__.items() if k != "candidate"}
               for r in results},
        "majority_penta": Counter(e.penta for e in gold).most_common(1)[0][0],
        "majority_root": Counter(everything[i].root for i in rooted).most_common(1)[0][0]
        if rooted else None,
    }
    recipe = best.candidate
    model = EventTypeClassifier(penta_model=penta, root_model=root,
                                version=_version(gold, extra, recipe, char_ngrams), info=info)
    path = model.save(out) if out is not None else None
    return TrainResult(model=model, chosen=best.candidate, cv=results, path=path, counts=counts)
