"""Long hotline complaints: NB-SVM, model selection, and `nlu train` then `nlu test` on them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nlu import load_data, load_model
from nlu.classifier import (
    CANDIDATES,
    NB_MIN_EXAMPLES,
    ClassifierConfig,
    IntentClassifier,
    eligible_candidates,
)
from nlu.cli import main as nlu_main
from nlu.data import TrainingData
from nlu.features import FeatureConfig
from nlu.nbsvm import NBLinearSVC
from nlu.rasa_io import write_yaml
from nlu.tokenizer import Tokenizer

DATA_DIR = Path(__file__).parent / "data"
COMPLAINTS = DATA_DIR / "hotline_complaints.yml"
NB_KINDS = {name for name, c in CANDIDATES.items() if "nbsvm" in c.model}
LABELS = ["城乡建设", "环境保护", "交通运输", "商贸旅游", "劳动和社会保障", "卫生计生", "教育文体"]


@pytest.fixture(scope="module")
def complaints() -> TrainingData:
    return load_data(COMPLAINTS)


def test_the_long_set_is_long_and_balanced(complaints: TrainingData) -> None:
    counts = complaints.intent_counts()
    assert sorted(counts) == sorted(LABELS)
    assert len(complaints.examples) >= 350 and min(counts.values()) >= 45
    lengths = [len(e.text) for e in complaints.examples]
    assert sum(n >= 100 for n in lengths) >= 100 and sum(n >= 200 for n in lengths) >= 70


def test_nbsvm_is_linear_in_the_features() -> None:
    rng = np.random.default_rng(0)
    x = rng.random((60, 8)) * (rng.random((60, 8)) > 0.5)
    y = np.array(["a", "b", "c"] * 20)
    x[y == "a", 0] += 1.0
    x[y == "b", 1] += 1.0
    model = NBLinearSVC().fit(x, y)
    assert model.coef_.shape == (3, 8)
    assert np.allclose(model.decision_function(x), x @ model.coef_.T + model.intercept_)
    assert (model.predict(x) == y).mean() > 0.9
    binary = NBLinearSVC().fit(x[y != "c"], y[y != "c"])
    assert binary.coef_.shape == (1, 8) and binary.decision_function(x).shape == (60,)
    assert set(binary.predict(x)) <= {"a", "b"}


@pytest.mark.parametrize("labels", [LABELS, LABELS[:2]])
def test_fast_scorer_matches_scikit_learn_for_nbsvm(
    complaints: TrainingData, labels: list[str]
) -> None:
    examples = [e for e in complaints.examples if e.intent in labels]
    tokenizer = Tokenizer()
    config = ClassifierConfig(features=CANDIDATES["nb-words+chars"].features, model="nbsvm")
    classifier = IntentClassifier(tokenizer, config).fit(
        [e.text for e in examples], [e.intent for e in examples]
    )
    assert classifier.model_kind == "nbsvm"
    texts = [e.text for e in examples[::9]] + ["", "市民来电反映噪音问题"]
    assert np.allclose(classifier.rank(texts), classifier.rank_reference(texts), atol=1e-6)


def test_selection_picks_nbsvm_on_long_complaints_only_with_enough_of_them(
    complaints: TrainingData,
) -> None:
    texts = [e.text for e in complaints.examples]
    labels = [e.intent for e in complaints.examples]
    config = ClassifierConfig()
    tokenizer = Tokenizer()
    full = IntentClassifier(tokenizer, config).fit(texts, labels)
    assert set(full.selection["macro_f1"]) == set(CANDIDATES)
    assert full.selection["features"] in NB_KINDS
    assert "nbsvm" in full.model_kind
    # Too few examples a label: NB-SVM's ratios are noise, so it is not even tried.
    few: list[int] = []
    for label in LABELS:
        few += [i for i, y in enumerate(labels) if y == label][: NB_MIN_EXAMPLES - 1]
    small = IntentClassifier(tokenizer, config).fit(
        [texts[i] for i in few], [labels[i] for i in few]
    )
    assert not NB_KINDS & set(small.selection["macro_f1"])
    assert small.model_kind == "svm"


def test_train_then_test_on_held_out_long_complaints(
    complaints: TrainingData, tmp_path: Path
) -> None:
    """The judged procedure: `nlu train --data X --out M`, then `nlu test --data Y --model M`."""
    held_out = set(range(0, len(complaints.examples), 5))
    train = complaints.subset([i for i in range(len(complaints.examples)) if i not in held_out])
    test = complaints.subset(sorted(held_out))
    write_yaml(train, tmp_path / "train.yml")
    write_yaml(test, tmp_path / "test.yml")
    model_path = tmp_path / "hotline.tar.gz"
    argv = ["nlu", "train", "--data", str(tmp_path / "train.yml"), "--out", str(model_path)]
    assert nlu_main([*argv, "--folds", "0"]) == 0
    assert sorted(load_model(model_path).intents) == sorted(LABELS)
    out = tmp_path / "results"
    argv = ["nlu", "test", "--data", str(tmp_path / "test.yml"), "--model", str(model_path)]
    assert nlu_main([*argv, "--out", str(out)]) == 0
    report = json.loads((out / "intent_report.json").read_text("utf-8"))
    # 5-fold CV of this pipeline measures 0.95-0.96 here (bench/nlu_long.py); a plain
    # TF-IDF + LinearSVC 0.91. One split of 93 messages swings by a few points.
    # Scored on the raw best intent, as published figures are; the report's main scores
    # are the gateway's, where every nlu_fallback counts as an error.
    assert report["raw_top_intent"]["macro_f1"] >= 0.9, report["raw_top_intent"]
    assert report["macro avg"]["f1-score"] <= report["raw_top_intent"]["macro_f1"]


def test_explicit_features_keep_their_model() -> None:
    features = FeatureConfig(word_ngrams=(1, 1), char_ngrams=(1, 2))
    classifier = IntentClassifier(Tokenizer(), ClassifierConfig(features=features))
    classifier.fit(["楼道灯坏了", "路灯不亮", "你好", "您好"], ["light", "light", "hi", "hi"])
    assert classifier.model_kind == "svm" and classifier.selection == {}


def test_the_ensemble_with_a_subject_line_scores_like_scikit_learn(
    complaints: TrainingData,
) -> None:
    examples = complaints.examples
    config = ClassifierConfig.pinned("nb+svm-words+chars+head")
    classifier = IntentClassifier(Tokenizer(), config).fit(
        [e.text for e in examples], [e.intent for e in examples]
    )
    assert classifier.model_kind == "nbsvm+svm"
    texts = [e.text for e in examples[::9]] + ["", "市民来电反映噪音问题"]
    assert np.allclose(classifier.rank(texts), classifier.rank_reference(texts), atol=1e-6)


def test_subject_line_candidates_are_tried_on_long_messages_only(
    complaints: TrainingData,
) -> None:
    heads = {name for name, c in CANDIDATES.items() if c.features.head_chars is not None}
    labels = [e.intent for e in complaints.examples]
    assert heads <= set(eligible_candidates([e.text for e in complaints.examples], labels))
    short = [e.text[:12] for e in complaints.examples]
    assert not heads & set(eligible_candidates(short, labels))
