"""`detente eval` metrics: same definitions as the reference scorer."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from detente.events.evaluate import error_classes, format_scores, load_gold, score, GoldFileError

DATA = Path(__file__).parent / "data" / "coder_gold_sample.jsonl"

PRED = [
    {"id": "g1", "events": [{"source": "CHLGOV", "target": "PER", "code": "057"}]},
    {"id": "g2", "events": [{"source": "KENCOP", "target": "EGY", "code": "1731"[:3]},
                            {"source": "KEN", "target": "EGY", "code": "190"}]},
    {"id": "g3", "events": [{"source": "X", "target": "Y", "code": "010"}]},
    {"id": "g4", "events": [{"source": "JPNGOV", "target": "PRK", "code": "111"}]},
    {"id": "p1", "events": [{"source": None, "target": None, "code": "194"}]},
    {"id": "p2", "events": []},
]


def test_metric_definitions_by_hand():
    gold = load_gold(DATA)
    s = score(gold, PRED)
    # tp: g1 CHL->PER, g2 173, g4 (null target matches) = 3; fn: g1 PER->CHL = 1;
    # fp: g2's 190 + g3's event = 2
    assert s["triple_p"] == pytest.approx(3 / 5)
    assert s["triple_r"] == pytest.approx(3 / 4)
    assert s["no_event_acc"] == 0.0
    assert s["penta_acc"] == 0.5  # p1 right, p2 has no event
    assert s["records"] == 6
    errs = error_classes(gold, PRED)
    assert errs["spurious"] == 2 and errs["penta_none"] == 1
    assert "triple_f1=" in format_scores(s)


def test_bad_gold_file_is_one_clear_error(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1, "text": "ok"}\n{not json\n')
    with pytest.raises(GoldFileError, match=r"bad.jsonl:2"):
        load_gold(bad)
    with pytest.raises(GoldFileError, match="no such file"):
        load_gold(tmp_path / "missing.jsonl")


def _reference_scorer(shared):
    spec = importlib.util.spec_from_file_location("score_events", shared / "tools" / "score_events.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_same_numbers_as_reference_scorer(shared):
    ref = _reference_scorer(shared)
    gold = load_gold(DATA)
    assert score(gold, PRED) == ref.score(gold, PRED)
    # and on a real gold file with deliberately imperfect predictions
    for name in ("petrarch-gsr.dev.jsonl", "cameo-manual.dev.jsonl"):
        g = load_gold(shared / "gold" / name)
        preds = []
        for i, r in enumerate(g):
            evs = r.get("events", [])
            if i % 3 == 0:
                evs = evs[:1]
            elif i % 3 == 1:
                evs = [dict(e, code="190") for e in evs] + [{"source": "USA", "target": None, "code": "040"}]
            preds.append({"id": r["id"], "events": evs})
        assert score(g, preds) == ref.score(g, preds)


def test_coder_predictions_scored_identically(shared, tmp_path, nlp):
    """The real coder's predictions on a gold file, scored both ways."""
    from detente.events.coder import Coder
    from detente.events.evaluate import evaluate_file

    ref = _reference_scorer(shared)
    path = shared / "gold" / "petrarch-gsr.dev.jsonl"
    res = evaluate_file(path, Coder(nlp=nlp))
    pred_file = tmp_path / "pred.jsonl"
    pred_file.write_text("".join(json.dumps(p, default=str) + "\n" for p in res.predictions))
    assert res.scores == ref.score(ref.load(str(path)), ref.load(str(pred_file)))


@pytest.mark.slow
def test_cross_validated_coder_runs_on_a_small_file():
    """`detente eval --cv`: each fold's classifier is trained without that fold."""
    pytest.importorskip("sklearn")
    from detente.events.evaluate import cross_validate_coder

    res = cross_validate_coder([DATA], folds=2)
    s = res["coder_gold_sample.jsonl"]
    assert s["records"] == 6 and "triple_f1" in s and "penta_acc" in s
