"""The trained model: demo conversation, fallback rules, Rasa's response shape, artifacts."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import numpy as np
import pytest

from nlu import (
    NLUModel,
    default_model_path,
    ensure_model,
    load_data,
    load_model,
    read_metadata,
    save_model,
    train_model,
)
from nlu.errors import NLUError
from nlu.types import FALLBACK_INTENT
from tests.nlu.conftest import python_output


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("锦园小区2号楼楼道灯坏了,晚上很黑", "report_lighting"),
        ("跳过", "deny"),
        ("是的", "affirm"),
        ("确认", "affirm"),
        ("我的工单怎么样了", "query_status"),
    ],
)
def test_demo_conversation(model: NLUModel, text: str, intent: str) -> None:
    result = model.parse(text)
    assert result.intent.name == intent
    assert result.intent.confidence >= model.fallback_threshold


def test_demo_entities(model: NLUModel) -> None:
    result = model.parse("锦园小区2号楼楼道灯坏了,晚上很黑")
    assert result.entity_values("address") == ["锦园小区2号楼"]
    assert result.entity_values("building") == ["2"]
    assert result.entity_values("time") == ["晚上"]


def test_to_dict_has_rasas_shape(model: NLUModel) -> None:
    body = model.parse("我的工单20261121-0042怎么样了").to_dict()
    assert set(body) == {"text", "intent", "entities", "intent_ranking"}
    assert set(body["intent"]) == {"name", "confidence"}
    assert body["entities"] == [
        {
            "entity": "ticket_number",
            "start": 4,
            "end": 17,
            "value": "20261121-0042",
            "confidence_entity": 1.0,
            "extractor": "RuleEntityExtractor",
        }
    ]
    ranking = [r["confidence"] for r in body["intent_ranking"]]
    assert ranking == sorted(ranking, reverse=True) and len(ranking) == 10
    assert body["intent_ranking"][0] == body["intent"]
    json.dumps(body)  # plain JSON types only


def test_fallback_below_threshold(model: NLUModel) -> None:
    text = "锦园小区2号楼楼道灯坏了"
    sure = model.parse(text)
    assert sure.intent.name == "report_lighting"
    unsure = model.parse(text, fallback_threshold=0.999)
    assert unsure.intent.name == FALLBACK_INTENT and unsure.is_fallback
    assert unsure.intent.confidence == 0.999
    # The best real guess is kept right behind the fallback, as Rasa's FallbackClassifier does.
    assert [s.name for s in unsure.intent_ranking[:2]] == [FALLBACK_INTENT, "report_lighting"]


def test_fallback_when_top_two_are_close(model: NLUModel) -> None:
    result = model.parse("锦园小区2号楼楼道灯坏了", fallback_threshold=0.0, ambiguity_threshold=1.0)
    assert result.intent.name == FALLBACK_INTENT
    relaxed = model.parse(
        "锦园小区2号楼楼道灯坏了", fallback_threshold=0.0, ambiguity_threshold=0.0
    )
    assert relaxed.intent.name == "report_lighting"


def test_thresholds_travel_with_the_model(model: NLUModel) -> None:
    strict = model.with_thresholds(0.999, None)
    assert strict.parse("是的").is_fallback
    assert not model.parse("是的").is_fallback


def test_empty_and_odd_input(model: NLUModel) -> None:
    assert model.parse("").is_fallback
    assert model.parse("   ").is_fallback
    for text in ("😀", "a" * 5000, "？？？", "\x00\n\t"):
        result = model.parse(text)  # never raises
        assert result.text == text


def test_fast_scorer_matches_scikit_learn(model: NLUModel) -> None:
    """The loaded artifact parses with its scorer alone; the same data trained here again
    (deterministically) gives scikit-learn's own probabilities to compare with."""
    from nlu.pipeline import default_address_dir
    from nlu.training import train_model

    data_dir = Path(__file__).parents[2] / "training_data"
    data = load_data(data_dir)
    fresh = train_model(data, address_dir=default_address_dir([data_dir]))
    texts = [model.classifier_input(e.text) for e in data.examples[::7]] + ["", "zz"]
    fast = model.classifier.rank(texts)
    reference = fresh.classifier.rank_reference(texts)
    assert np.allclose(fast, reference, atol=1e-6)
    with pytest.raises(RuntimeError):
        model.classifier.rank_reference(texts)  # no scikit-learn object in the artifact


def test_parsing_with_a_loaded_model_never_imports_scikit_learn(model_path: Path) -> None:
    """A worker that only parses does not carry scikit-learn (70 MiB of modules)."""
    code = (
        "import sys\n"
        "from nlu.artifact import load_model\n"
        f"model = load_model({str(model_path)!r})\n"
        "assert model.parse('楼道灯坏了，晚上很黑').intent\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'scipy'}))\n"
    )
    assert python_output(code).splitlines()[-1] == "[]"


def test_metadata_and_artifact(model_path: Path, model: NLUModel) -> None:
    meta = read_metadata(model_path)
    assert meta == model.metadata
    assert meta["version"].endswith(meta["training_data_hash"][:8])
    assert meta["created_at"].endswith("Z")
    assert set(meta["intents"]) >= {"report_lighting", "affirm", "deny", "query_status"}
    assert meta["metrics"]["train_accuracy"] > 0.9
    assert meta["feature_selection"]["features"] in meta["feature_selection"]["macro_f1"]
    with tarfile.open(model_path) as tar:
        assert sorted(tar.getnames()) == ["metadata.json", "model.joblib"]


def test_directory_artifact_and_corrupt_files(tmp_path: Path, small_nlu_file: Path) -> None:
    small = train_model(small_nlu_file)
    directory = save_model(small, tmp_path / "model-dir")
    assert load_model(directory).parse("楼道灯坏了").intent.name == "report_lighting"
    save_model(small, directory)  # replacing a directory artifact works too
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(b"not a tarball")
    with pytest.raises(NLUError):
        load_model(broken)
    with pytest.raises(NLUError):
        load_model(tmp_path / "missing.tar.gz")


def test_cross_validation_metrics_in_metadata(small_nlu_file: Path) -> None:
    trained = train_model(small_nlu_file, cv_folds=3)
    cv = trained.metadata["metrics"]["cross_validation"]
    assert cv["folds"] == 3 and 0.0 <= cv["macro_f1"] <= 1.0


def test_ensure_model_trains_once_and_retrains_on_change(
    tmp_path: Path, small_nlu_file: Path
) -> None:
    data_dir = tmp_path / "training_data"
    data_dir.mkdir()
    (data_dir / "nlu.yml").write_text(small_nlu_file.read_text("utf-8"), encoding="utf-8")
    target = default_model_path(tmp_path / "models")
    first = ensure_model(data_dir, target, fallback_threshold=0.3)
    assert target.exists()
    assert ensure_model(data_dir, target).version == first.version  # loaded, not retrained
    with (data_dir / "nlu.yml").open("a", encoding="utf-8") as handle:
        handle.write("- intent: goodbye\n  examples: |\n    - 再见\n    - 拜拜\n    - 先这样\n")
    retrained = ensure_model(data_dir, target, fallback_threshold=0.3)
    assert retrained.metadata["training_data_hash"] != first.metadata["training_data_hash"]
    assert "goodbye" in retrained.intents
    assert retrained.fallback_threshold == 0.3


def test_nothing_known_falls_back(model: NLUModel) -> None:
    """With no feature ever seen in training the ranking is the model's bias alone."""
    for text in ("哦哦", "🦄🦄", "ꙮꙮ"):
        result = model.parse(text, fallback_threshold=0.0, ambiguity_threshold=0.0)
        assert result.is_fallback, result.intent_ranking[:3]
        assert result.intent_ranking[1].name != FALLBACK_INTENT  # the best guess is still there
    # Filler ("哦哦哦") has no guess at all: see test_meaning.py.
    assert not model.parse("哈哈", fallback_threshold=0.0, ambiguity_threshold=0.0).is_fallback
