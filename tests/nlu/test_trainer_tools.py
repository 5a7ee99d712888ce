"""The trainers' tools: what `nlu test` reports, which model `train` chose, progress, start-up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlu import load_model, train_model
from nlu.classifier import CANDIDATES
from nlu.cli import main
from nlu.defaults import MODEL_KINDS
from tests.nlu.conftest import python_output


def run(*argv: str) -> int:
    return main(["nlu", *argv])


@pytest.fixture
def small_model(small_nlu_file: Path, tmp_path: Path) -> Path:
    out = tmp_path / "small.tar.gz"
    assert run("train", "--data", str(small_nlu_file), "--out", str(out), "--folds", "0") == 0
    return out


def test_test_reports_what_the_gateway_does(
    small_model: Path, small_nlu_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "strict"
    capsys.readouterr()
    argv = ["test", "--data", str(small_nlu_file), "--model", str(small_model)]
    assert run(*argv, "--out", str(out), "--fallback-threshold", "1.0") == 0
    printed = capsys.readouterr().out
    report = json.loads((out / "intent_report.json").read_text("utf-8"))
    # Every message falls back at 1.0: the gateway understands none of them ...
    assert report["fallback"] == {
        "fallback_threshold": 1.0,
        "ambiguity_threshold": 0.08,
        "count": 18,
        "rate": 1.0,
    }
    assert report["accuracy"] == 0.0 and "nlu_fallback" in report
    # ... while the raw top intent, shown for reference, is right on its own training data.
    assert report["raw_top_intent"] == {"accuracy": 1.0, "macro_f1": 1.0}
    assert "1.00" in printed and "18 条兜底" in printed and "1.0000" in printed
    errors = json.loads((out / "intent_errors.json").read_text("utf-8"))
    assert {e["intent_prediction"]["name"] for e in errors} == {"nlu_fallback"}

    lenient = tmp_path / "lenient"
    assert run(*argv, "--out", str(lenient), "--fallback-threshold", "0") == 0
    report = json.loads((lenient / "intent_report.json").read_text("utf-8"))
    assert report["fallback"]["fallback_threshold"] == 0.0
    assert report["accuracy"] == report["raw_top_intent"]["accuracy"]


def test_cross_validation_applies_the_fallback_rule_too(
    small_nlu_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "cv"
    argv = ["test", "--cross-validation", "--folds", "2", "--data", str(small_nlu_file)]
    assert run(*argv, "--out", str(out), "--ambiguity-threshold", "1.0") == 0
    report = json.loads((out / "intent_report.json").read_text("utf-8"))
    assert report["fallback"]["count"] == 18 and report["fallback"]["ambiguity_threshold"] == 1.0


def test_out_is_the_one_spelling_and_out_dir_still_works(
    small_model: Path, small_nlu_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        run("test", "--help")
    help_text = capsys.readouterr().out
    assert "--out" in help_text and "--out-dir" not in help_text
    old = tmp_path / "old"
    argv = ["test", "--data", str(small_nlu_file), "--model", str(small_model)]
    assert run(*argv, "--out-dir", str(old)) == 0
    assert (old / "intent_report.json").exists()


def test_train_prints_the_chosen_model_and_every_candidates_score(
    small_nlu_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "auto.tar.gz"
    assert run("train", "--data", str(small_nlu_file), "--out", str(out), "--folds", "0") == 0
    printed = capsys.readouterr().out
    selection = load_model(out).metadata["feature_selection"]
    assert f"模型:{selection['features']}" in printed
    for kind, f1 in selection["macro_f1"].items():
        assert f"{kind} {f1:.4f}" in printed


@pytest.mark.parametrize("kind", ["words+chars", "nb-words+chars"])
def test_a_trainer_pins_the_model_kind(
    kind: str, small_nlu_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "pinned.tar.gz"
    argv = ["train", "--data", str(small_nlu_file), "--out", str(out), "--folds", "0"]
    assert run(*argv, "--model-kind", kind) == 0
    assert f"模型:{kind}(由 --model-kind 指定" in capsys.readouterr().out
    model = load_model(out)
    assert model.metadata["feature_selection"] == {
        "features": kind,
        "model": CANDIDATES[kind].model,
        "pinned": True,
    }
    assert model.classifier.model_kind == CANDIDATES[kind].model


def test_unknown_model_kind_is_refused(small_nlu_file: Path, tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        run("train", "--data", str(small_nlu_file), "--model-kind", "bert")


def test_the_cli_knows_every_candidate() -> None:
    assert tuple(CANDIDATES) == MODEL_KINDS


def test_progress_announces_every_step_before_it_comes(small_nlu_file: Path) -> None:
    steps: list[str] = []
    planned: list[int] = []

    def step(name: str) -> None:
        steps.append(name)
        assert len(steps) <= sum(planned), f"step {name!r} was not announced"

    train_model(small_nlu_file, cv_folds=2, progress=step, planned=planned.append)
    assert len(steps) == sum(planned)
    # Progress moves during each fit: one step per candidate and selection fold, then the fit.
    assert any(s.startswith("fold 1/2 ") for s in steps) and "fit" in steps
    assert len(steps) > 2 + 2 * 2


def test_help_and_the_nlu_commands_do_not_import_scikit_learn() -> None:
    code = (
        "import sys\n"
        "from bot.cli import build_parser\n"
        "for argv in (['nlu', '--help'], ['nlu', 'parse', 'x'], ['nlu', 'test']):\n"
        "    build_parser(argv)\n"
        "heavy = [m for m in ('sklearn', 'jieba', 'scipy', 'bot.addresses') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    assert python_output(code) == "[]"
