"""The learned event-type classifier: the shipped model, its API on bad input, and training."""
from __future__ import annotations

import time
import warnings
from pathlib import Path

import pytest

from detente.events.cameo import penta_class
from detente.events.classifier import (MODEL_PATH, EventTypeClassifier, ModelFileError,
                                       featurize)

MINI = Path(__file__).parent / "data" / "classifier"

# Sentences written for these tests, one per 5-way class.
EXAMPLES = [
    ("Rebel fighters stormed an army base near the border overnight, killing twelve soldiers.", 4),
    ("The foreign ministers of Japan and Vietnam met in Hanoi on Tuesday for talks on maritime "
     "security.", 1),
    ("Germany will send 50 million euros of humanitarian aid to flood victims in Pakistan.", 2),
    ("The Chilean government strongly condemned the coup attempt in Peru as an assault on "
     "democracy.", 3),
    ("The Danish prime minister commented on the election results in a television interview.", 0),
    ("The foreign minister declined to comment on the reports.", 0),
]


@pytest.fixture(scope="module")
def model() -> EventTypeClassifier:
    if not MODEL_PATH.exists():
        pytest.fail(f"{MODEL_PATH} is not shipped; build it with `detente train`")
    return EventTypeClassifier.load()


def test_load_is_fast_and_cached(model):
    t0 = time.perf_counter()
    fresh = EventTypeClassifier.read(MODEL_PATH)
    elapsed = time.perf_counter() - t0
    assert elapsed < 3.0, f"loading the model took {elapsed:.2f}s"  # ~0.2 s on an idle core
    assert EventTypeClassifier.load() is model  # cached
    assert fresh.version == model.version and model.version.startswith("evtype-")
    assert MODEL_PATH.stat().st_size < 5_000_000
    assert model.has_root


@pytest.mark.parametrize("text,expected", EXAMPLES)
def test_plausible_penta_class(model, text, expected):
    [(cls, p)] = model.predict_penta([text])
    assert cls == expected, f"{text!r}: got {cls} ({p:.2f})"
    assert 0.2 < p <= 1.0


def test_root_agrees_with_the_class_on_clear_cases(model):
    texts = [t for t, _ in EXAMPLES]
    roots = model.predict_root(texts)
    for (text, expected), (root, p) in zip(EXAMPLES, roots):
        assert len(root) == 2 and root in model.root_classes and 0 < p <= 1
        assert penta_class(root) == expected, f"{text!r}: root {root}"
    dists = model.root_probabilities(texts[:1])
    assert abs(sum(dists[0].values()) - 1.0) < 1e-6


def test_spans_give_the_same_answer_as_texts(model, nlp):
    doc = nlp(" ".join(t for t, _ in EXAMPLES))
    sents = list(doc.sents)
    assert len(sents) == len(EXAMPLES)
    from_spans = model.predict_penta(sents)
    from_texts = model.predict_penta([s.text for s in sents])
    assert [c for c, _ in from_spans] == [c for c, _ in from_texts] == [c for _, c in EXAMPLES]
    for (_, a), (_, b) in zip(from_spans, from_texts):
        assert abs(a - b) < 0.05  # a sentence parsed in context vs alone: near-identical
    # mixed batches keep their order
    mixed = model.predict_penta([sents[0], EXAMPLES[1][0], sents[2]])
    assert [c for c, _ in mixed] == [4, 1, 2]


def test_probability_distributions(model):
    [dist] = model.penta_probabilities([EXAMPLES[0][0]])
    assert set(dist) == {0, 1, 2, 3, 4}
    assert abs(sum(dist.values()) - 1.0) < 1e-6
    assert max(dist, key=dist.get) == 4


def test_bad_input_does_not_crash(model):
    huge = "word " * 200_000  # 1 MB on one line
    items = ["", "   ", "?!... --- !!!", "\x00\x07\x1b", huge, "Troops shelled the city."]
    penta = model.predict_penta(items)
    roots = model.predict_root(items)
    assert len(penta) == len(roots) == len(items)
    for (cls, p), (root, rp) in zip(penta[:4], roots[:4]):
        assert p == 0.0 and rp == 0.0  # nothing to classify
        assert cls in range(5) and isinstance(root, str)
    assert 0.0 < penta[4][1] <= 1.0
    assert penta[5][0] == 4
    assert model.predict_penta([]) == []


def test_wrong_item_type_is_one_clear_error(model):
    with pytest.raises(TypeError, match="expected a str or a spaCy Span"):
        model.predict_penta([42])


def test_missing_and_corrupt_model_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="detente train"):
        EventTypeClassifier.load(tmp_path / "absent.joblib")
    bad = tmp_path / "bad.joblib"
    bad.write_bytes(b"this is not a model")
    with pytest.raises(ModelFileError, match="bad.joblib"):
        EventTypeClassifier.load(bad)


def test_features_cap_long_input(nlp):
    X, mask = featurize(["a " * 100_000, ""], nlp)
    assert len(X[0, 0]) <= 4000 and mask.tolist() == [True, False]


# -- training -------------------------------------------------------------------------------
def test_training_on_small_data_of_our_own(tmp_path):
    """The whole train -> save -> load -> predict path, on sentences written for this test."""
    from detente.events.training import train

    lines: list[str] = []
    out = tmp_path / "m.joblib"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = train(MINI / "gold", MINI / "codebooks", out=out,
                    candidates=("sgd-huber-1e-4", "logreg-C30"), folds=2,
                    progress=lines.append)
    assert any("leakage guard: dropped 1" in line for line in lines)  # the jailed activist
    assert res.counts["conflibert-penta"] == 50 and res.counts["codebook"] == 16
    assert {r.candidate for r in res.cv} == {"sgd-huber-1e-4", "logreg-C30"}
    assert res.chosen in ("sgd-huber-1e-4", "logreg-C30")
    loaded = EventTypeClassifier.load(out)
    assert loaded.version == res.model.version
    [(cls, _)] = loaded.predict_penta(["Soldiers attacked the village and killed five people."])
    assert cls in range(5)
    assert set(loaded.root_classes) <= {f"{i:02d}" for i in range(1, 21)}

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = train(MINI / "gold", MINI / "codebooks", out=None,
                      candidates=("sgd-huber-1e-4", "logreg-C30"), folds=2)
    assert again.model.version == res.model.version
    assert [r.penta_acc for r in again.cv] == [r.penta_acc for r in res.cv]


def test_training_data_errors_name_the_file(tmp_path):
    from detente.events.training import TrainingDataError, load_gold

    with pytest.raises(TrainingDataError, match="conflibert-penta.dev.jsonl: training file"):
        load_gold(tmp_path)
    for name in ("conflibert-penta.dev.jsonl", "cameo-manual.dev.jsonl", "petrarch-gsr.dev.jsonl"):
        (tmp_path / name).write_text((MINI / "gold" / name).read_text())
    (tmp_path / "cameo-manual.dev.jsonl").write_text('{"text": "x", "events": [{"code": "999"}]}\n')
    with pytest.raises(TrainingDataError, match=r"cameo-manual.dev.jsonl:1: unknown CAMEO code"):
        load_gold(tmp_path)


def test_train_command_errors_are_one_line(tmp_path):
    from typer.testing import CliRunner

    from detente.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["train", "--gold-dir", str(tmp_path), "--no-codebook",
                              "-o", str(tmp_path / "m.joblib")])
    assert res.exit_code == 2
    assert "training file not found" in res.output and "Traceback" not in res.output
    res = runner.invoke(app, ["train", "--list"])
    assert res.exit_code == 0 and "logreg-C30" in res.output


@pytest.mark.slow
def test_retraining_reproduces_the_shipped_figures(shared, tmp_path, model):
    """`detente train` on the gold dev halves gives the shipped model's CV figures again."""
    from detente.events.training import train

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = train(shared / "gold", shared / "codebooks", out=tmp_path / "m.joblib",
                    candidates=(model.info["chosen"],), folds=model.info["folds"])
    for r in res.cv:
        shipped = model.info["cv"][r.candidate]
        assert r.penta_acc == pytest.approx(shipped["penta_acc"], abs=1e-9)
        assert r.root_acc == pytest.approx(shipped["root_acc"], abs=1e-9)
        assert r.penta_log_loss == pytest.approx(shipped["penta_log_loss"], abs=1e-6)
    assert res.model.version == model.version
    assert model.info["cv"][model.info["chosen"]]["penta_acc"]["conflibert-penta"] >= 0.70
