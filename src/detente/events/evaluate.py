"""Accuracy of the coder against gold-coded sentences (the ``detente eval`` command).

Gold files are JSONL, one sentence per line::

    {"id", "text", "date"?, "events": [{"source", "target", "code"}], "no_event"?, "penta_class"?}

The metrics are defined exactly as the project's reference scorer defines them, so the two
report the same numbers for the same predictions:

- ``triple_p/r/f1``: events as (source country, target country, CAMEO root); the country is the
  first three letters of the actor code; a gold side that is null matches any predicted actor.
  Each gold event consumes at most one predicted event.
- ``root_f1``: per sentence, the set of predicted roots against the set of gold roots.
- ``no_event_acc``: on records marked ``no_event``, the share with no predicted event (their
  predicted events also count as triple false positives).
- ``penta_acc``: on records with a ``penta_class``, whether the first predicted event's 5-way
  class is the gold one; a record with no event is wrong.  These records take no part in the
  triple and root scores.

:func:`error_classes` explains the misses in terms a dictionary maintainer can act on.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Optional

from ..io import read_jsonl


_PENTA_ROOTS = {"01": 0, "02": 0, "03": 1, "04": 1, "05": 1, "06": 2, "07": 2, "08": 2,
                "09": 3, "10": 3, "11": 3, "12": 3, "13": 3, "16": 3,
                "14": 4, "15": 4, "17": 4, "18": 4, "19": 4, "20": 4}


class GoldFileError(ValueError):
    """A gold file that cannot be read; the message names the file and line."""


def _root(code: Any) -> str:
    return str(code or "")[:2]


def _country(actor: Any) -> Optional[str]:
    return None if actor in (None, "", "---") else str(actor)[:3].upper()


def _triple(ev: dict) -> tuple[Optional[str], Optional[str], str]:
    return _country(ev.get("source")), _country(ev.get("target")), _root(ev.get("code"))


def load_gold(path: str | Path) -> list[dict]:
    """The gold records of one file; :class:`GoldFileError` names the file and line at fault."""
    records = []
    for n, rec in read_jsonl(path, error=GoldFileError):
        if "id" not in rec or not isinstance(rec.get("text"), str):
            raise GoldFileError(f"{path}:{n}: a gold record needs an \"id\" and a \"text\"")
        records.append(rec)
    return records


def score(gold: Iterable[dict], predictions: Iterable[dict]) -> dict[str, Any]:
    """Metrics of ``predictions`` ({"id", "events": [...]}) against ``gold`` records."""
    gold = list(gold)
    pred = {str(p["id"]): p.get("events") or [] for p in predictions}
    tp = fp = fn = 0
    rtp = rfp = rfn = 0
    ne_total = ne_ok = 0
    pen_total = pen_ok = 0
    for g in gold:
        pe = pred.get(str(g["id"]), [])
        if "penta_class" in g:
            pen_total += 1
            if pe and _PENTA_ROOTS.get(_root(pe[0].get("code"))) == g["penta_class"]:
                pen_ok += 1
            continue
        if g.get("no_event"):
            ne_total += 1
            ne_ok += not pe
            fp += len(pe)
            continue
        gold_t = [_triple(e) for e in g.get("events", [])]
        pred_t = [_triple(e) for e in pe]
        unmatched = list(pred_t)
        for gs, gt, gr in gold_t:
            hit = next((p for p in unmatched if p[2] == gr and (gs is None or p[0] == gs)
                        and (gt is None or p[1] == gt)), None)
            if hit:
                tp += 1
                unmatched.remove(hit)
            else:
                fn += 1
        fp += len(unmatched)
        gr_set, pr_set = {t[2] for t in gold_t}, {t[2] for t in pred_t}
        rtp += len(gr_set & pr_set)
        rfp += len(pr_set - gr_set)
        rfn += len(gr_set - pr_set)

    out: dict[str, Any] = {}
    if tp + fp + fn:
        out["triple_p"], out["triple_r"], out["triple_f1"] = _prf(tp, fp, fn)
        out["root_f1"] = _prf(rtp, rfp, rfn)[2]
    if ne_total:
        out["no_event_acc"] = ne_ok / ne_total
    if pen_total:
        out["penta_acc"] = pen_ok / pen_total
    out["records"] = len(gold)
    return out


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def format_scores(scores: dict[str, Any]) -> str:
    """One line, in the reference scorer's layout."""
    return "  ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in scores.items())


# -- running the coder over gold --------------------------------------------------------
def predict(records: list[dict], coder, batch_size: int = 64) -> list[dict]:
    """Predictions in the scorer's format: one {"id", "events"} per gold record."""
    from .coder import event_to_json

    items = ((str(r["id"]), r["text"], r.get("date")) for r in records)
    return [{"id": aid, "events": [event_to_json(e) for e in events]}
            for aid, events in coder.code_many(items, batch_size=batch_size)]


@dataclass
class FileResult:
    path: str
    scores: dict[str, Any]
    errors: Counter
    predictions: list[dict]


def evaluate_file(path: str | Path, coder, batch_size: int = 64) -> FileResult:
    gold = load_gold(path)
    preds = predict(gold, coder, batch_size=batch_size)
    return FileResult(str(path), score(gold, preds), error_classes(gold, preds), preds)


# -- error analysis ---------------------------------------------------------------------
def error_classes(gold: Iterable[dict], predictions: Iterable[dict]) -> Counter:
    """Count why records were not fully right, one class per gold event (or record):

    - ``no_event_predicted``: the coder found nothing in a sentence that has an event
    - ``wrong_root``: events predicted, none with the gold root
    - ``wrong_source`` / ``wrong_target`` / ``wrong_both``: the root was found but the actors
      differ (null actors count as wrong)
    - ``spurious``: predicted events left over after matching (precision loss), and events on
      ``no_event`` records
    - penta records: ``penta_none`` (nothing predicted) or ``penta_<gold>_as_<predicted>``
    """
    pred = {str(p["id"]): p.get("events") or [] for p in predictions}
    c: Counter = Counter()
    for g in gold:
        pe = pred.get(str(g["id"]), [])
        if "penta_class" in g:
            if not pe:
                c["penta_none"] += 1
            else:
                got = _PENTA_ROOTS.get(_root(pe[0].get("code")))
                if got != g["penta_class"]:
                    c[f"penta_{g['penta_class']}_as_{got}"] += 1
            continue
        if g.get("no_event"):
            c["spurious"] += len(pe)
            continue
        pred_t = [_triple(e) for e in pe]
        unmatched = list(pred_t)
        for gs, gt, gr in (_triple(e) for e in g.get("events", [])):
            hit = next((p for p in unmatched if p[2] == gr and (gs is None or p[0] == gs)
                        and (gt is None or p[1] == gt)), None)
            if hit:
                unmatched.remove(hit)
                continue
            if not pred_t:
                c["no_event_predicted"] += 1
                continue
            same_root = [p for p in pred_t if p[2] == gr]
            if not same_root:
                c["wrong_root"] += 1
                continue
            src_ok = any(gs is None or p[0] == gs for p in same_root)
            tgt_ok = any(gt is None or p[1] == gt for p in same_root)
            c["wrong_target" if src_ok else ("wrong_source" if tgt_ok else "wrong_both")] += 1
        c["spurious"] += len(unmatched)
    return c


# -- cross-validation with the learned classifier ----------------------------------------
def cross_validate_coder(gold_paths: Iterable[str | Path], *, folds: int = 5,
                         codebook_dir: Optional[Path] = None, nlp=None, resolver=None,
                         progress=lambda s: None) -> dict[str, dict[str, Any]]:
    """Coder scores in which the event-type classifier never saw the sentence it helps code.

    The shipped classifier is trained on the dev gold halves, so scoring the coder with it on
    those same files flatters it.  Here every gold record (with its near-duplicates, grouped
    as ``detente train`` groups them) falls in one of ``folds`` folds; for each fold a
    classifier of the shipped recipe is fitted on the other folds (plus the codebook
    descriptions, when ``codebook_dir`` is given) and the coder codes the held-out fold with
    it.  Returns {file name: scores}."""
    import hashlib

    import numpy as np

    from .classifier import EventTypeClassifier, featurize
    from .coder import Coder, event_to_json
    from .training import CANDIDATES, build_pipeline, load_codebook, near_duplicate_groups

    sets = [(Path(p), load_gold(p)) for p in gold_paths]
    rows = [(path.name, rec) for path, recs in sets for rec in recs]
    texts = [rec["text"] for _, rec in rows]
    groups = near_duplicate_groups(texts)
    fold_of = np.array([int(hashlib.sha256(str(g).encode()).hexdigest(), 16) % folds for g in groups])
    penta = np.full(len(rows), -1)
    roots = np.empty(len(rows), dtype=object)
    for i, (_, rec) in enumerate(rows):
        if "penta_class" in rec:
            penta[i] = int(rec["penta_class"])
        elif rec.get("events") and not rec.get("no_event"):
            code = str(rec["events"][0].get("code") or "")
            if code[:2] in _PENTA_ROOTS:
                penta[i], roots[i] = _PENTA_ROOTS[code[:2]], code[:2]
    progress(f"featurizing {len(rows)} gold sentences")
    X, _ = featurize(texts, nlp)
    extra = load_codebook(codebook_dir) if codebook_dir is not None else []
    Xe = featurize([e.text for e in extra], nlp)[0] if extra else None

    try:
        shipped = EventTypeClassifier.load()
        recipe, char_ngrams = shipped.info.get("chosen"), bool(shipped.info.get("char_ngrams"))
    except Exception:
        recipe, char_ngrams = None, False
    recipe = recipe if recipe in CANDIDATES else next(iter(CANDIDATES))

    def fit(Xtr, ytr):
        return build_pipeline(CANDIDATES[recipe](), char_ngrams=char_ngrams).fit(Xtr, ytr)

    coder = Coder(nlp=nlp, resolver=resolver, classifier=False)
    preds: dict[int, list] = {}
    for k in range(folds):
        tr = np.nonzero((fold_of != k) & (penta >= 0))[0]
        rtr = np.array([i for i in tr if roots[i]], dtype=int)
        Xp, yp = X[tr], penta[tr]
        Xr, yr = X[rtr], roots[rtr].astype(str)
        if extra:
            Xp = np.concatenate([Xp, Xe])
            yp = np.concatenate([yp, [e.penta for e in extra]])
            Xr = np.concatenate([Xr, Xe])
            yr = np.concatenate([yr, [e.root for e in extra]])
        if len(set(yp.tolist())) < 2:
            coder.classifier = None  # a fold too small to learn from: dictionary alone
        else:
            coder.classifier = EventTypeClassifier(
                penta_model=fit(Xp, yp), root_model=fit(Xr, yr) if len(set(yr.tolist())) >= 2 else None,
                version=f"cv{k}", info={"chosen": recipe})
        test = np.nonzero(fold_of == k)[0]
        progress(f"fold {k + 1}/{folds}: trained on {len(tr)}, coding {len(test)}")
        items = ((str(i), rows[i][1]["text"], rows[i][1].get("date")) for i in test)
        for aid, events in coder.code_many(items):
            preds[int(aid)] = [event_to_json(e) for e in events]
    out: dict[str, dict[str, Any]] = {}
    for path, recs in sets:
        idx = [i for i, (name, _) in enumerate(rows) if name == path.name]
        out[path.name] = score(recs, [{"id": rows[i][1]["id"], "events": preds.get(i, [])} for i in idx])
    return out
