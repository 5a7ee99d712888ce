"""`minsheng nlu ...`: validate, train, test, parse (run in-process through the CLI parsers)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlu import load_model
from nlu.cli import main as nlu_main

DATA_DIR = Path(__file__).parent / "data"


def run(*argv: str) -> int:
    return nlu_main(["nlu", *argv])


def test_validate_clean_data(small_nlu_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("validate", "--data", str(small_nlu_file)) == 0
    assert "没有问题" in capsys.readouterr().out


def test_validate_shipped_training_data() -> None:
    root = Path(__file__).parents[2]
    assert run("validate", "--data", str(root / "training_data"), "--fail-on-warnings") == 0


def test_validate_errors_and_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    warn_only = tmp_path / "warn.yml"
    warn_only.write_text(
        "nlu:\n- intent: a\n  examples: |\n    - 你好\n    - 你好！\n    - 在吗\n"
        "- intent: b\n  examples: |\n    - 再见\n    - 拜拜\n",
        encoding="utf-8",
    )
    assert run("validate", "--data", str(warn_only)) == 0
    out = capsys.readouterr().out
    assert "(duplicate)" in out and "(too_few)" in out
    assert run("validate", "--data", str(warn_only), "--fail-on-warnings") == 1

    broken = tmp_path / "broken.yml"
    broken.write_text(
        "nlu:\n- intent: a\n  examples: |\n    - 楼道灯坏了\n    - 在[锦园](adress)\n"
        "- intent: b\n  examples: |\n    - 楼道灯坏了。\n"
        "- intent: c\n",
        encoding="utf-8",
    )
    assert run("validate", "--data", str(broken)) == 1
    out = capsys.readouterr().out
    assert "(conflict)" in out and "(unknown_entity)" in out and "(no_examples)" in out

    not_yaml = tmp_path / "syntax.yml"
    not_yaml.write_text("nlu: [\n", encoding="utf-8")
    assert run("validate", "--data", str(not_yaml)) == 1
    assert run("validate", "--data", str(tmp_path / "missing.yml")) == 1


def test_train_then_test_on_any_rasa_file(tmp_path: Path) -> None:
    """Seven domain labels with long complaints: nothing about them is built in."""
    data = DATA_DIR / "hotline_long.yml"
    model_path = tmp_path / "models" / "hotline.tar.gz"
    assert run("train", "--data", str(data), "--out", str(model_path), "--folds", "0") == 0
    model = load_model(model_path)
    assert sorted(model.intents) == sorted(
        ["城乡建设", "环境保护", "交通运输", "教育文体", "劳动和社会保障", "商贸旅游", "卫生计生"]
    )

    # A held-out test file the model never saw, with the same labels.
    test_file = tmp_path / "test.yml"
    test_file.write_text(
        "nlu:\n"
        "- intent: 劳动和社会保障\n  examples: |\n"
        "    - 我在工地干了半年活，包工头拖欠我们的工资一直不给，请劳动监察部门帮忙讨薪。\n"
        "- intent: 交通运输\n  examples: |\n"
        "    - 学校门口早晚高峰非常拥堵，接送车辆乱停，建议增设红绿灯和交警疏导。\n"
        "- intent: 卫生计生\n  examples: |\n"
        "    - 社区卫生服务中心的疫苗总是缺货，孩子的预防接种一再推迟，请卫健部门协调。\n",
        encoding="utf-8",
    )
    out_dir = tmp_path / "results"
    args = ("test", "--data", str(test_file), "--model", str(model_path), "--out", str(out_dir))
    assert run(*args) == 0
    report = json.loads((out_dir / "intent_report.json").read_text("utf-8"))
    for key in ("accuracy", "macro avg", "weighted avg", "劳动和社会保障"):
        assert key in report
    assert set(report["macro avg"]) == {"precision", "recall", "f1-score", "support"}
    assert report["劳动和社会保障"]["support"] == 1
    assert report["accuracy"] >= 2 / 3
    errors = json.loads((out_dir / "intent_errors.json").read_text("utf-8"))
    assert isinstance(errors, list)
    assert (out_dir / "intent_confusion_matrix.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cross_validation_writes_reports(tmp_path: Path) -> None:
    out_dir = tmp_path / "cv"
    data = str(DATA_DIR / "hotline_long.yml")
    assert (
        run("test", "--cross-validation", "--folds", "3", "--data", data, "--out", str(out_dir))
        == 0
    )
    report = json.loads((out_dir / "intent_report.json").read_text("utf-8"))
    assert report["macro avg"]["support"] == 84
    # Long complaints with 7 labels are separable even with 8 training examples a label.
    assert report["accuracy"] > 0.6
    errors = json.loads((out_dir / "intent_errors.json").read_text("utf-8"))
    assert all(e["intent"] != e["intent_prediction"]["name"] for e in errors)
    assert (out_dir / "intent_confusion_matrix.png").exists()


def test_parse_prints_the_model_parse_json(
    model_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("parse", "锦园小区2号楼楼道灯坏了,晚上很黑", "--model", str(model_path)) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["intent"]["name"] == "report_lighting"
    assert body == load_model(model_path).parse("锦园小区2号楼楼道灯坏了,晚上很黑").to_dict()


def test_train_errors_exit_non_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one = tmp_path / "one.yml"
    one.write_text("nlu:\n- intent: a\n  examples: |\n    - 你好\n", encoding="utf-8")
    assert run("train", "--data", str(one), "--out", str(tmp_path / "m.tar.gz")) == 1
    assert "错误" in capsys.readouterr().err


def test_minsheng_cli_has_the_nlu_group(small_nlu_file: Path, tmp_path: Path) -> None:
    from bot.cli import main as minsheng

    out = tmp_path / "m.tar.gz"
    assert (
        minsheng(["nlu", "train", "--data", str(small_nlu_file), "--out", str(out), "--folds", "2"])
        == 0
    )
    assert load_model(out).metadata["metrics"]["cross_validation"]["folds"] == 2


def test_test_reports_entities_when_the_data_has_annotations(
    model_path: Path, small_nlu_file: Path, tmp_path: Path
) -> None:
    out_dir = tmp_path / "results"
    assert (
        run(
            "test",
            "--data",
            str(small_nlu_file),
            "--model",
            str(model_path),
            "--out",
            str(out_dir),
        )
        == 0
    )
    report = json.loads((out_dir / "entity_report.json").read_text("utf-8"))
    assert report["address"]["support"] == 1 and report["address"]["f1-score"] == 1.0
