"""``minsheng flows check`` / ``show``: what a trainer runs after editing a flow."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.cli import main

FLOWS_DIR = Path(__file__).resolve().parents[2] / "flows"


def test_check_passes_on_the_shipped_files(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["flows", "check"]) == 0
    assert "流程检查通过" in capsys.readouterr().out


def test_check_names_file_and_line_of_a_mistake(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for path in FLOWS_DIR.glob("*.yml"):
        shutil.copy(path, tmp_path / path.name)
    report = tmp_path / "report_issue.yml"
    report.write_text(
        report.read_text(encoding="utf-8").replace("ask: ask_phone", "ask: ask_fone"),
        encoding="utf-8",
    )
    assert main(["flows", "check", "--dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "流程检查未通过" in out and "report_issue.yml:" in out and "ask_fone" in out


def test_show_prints_the_steps(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["flows", "show", "report_issue"]) == 0
    out = capsys.readouterr().out
    assert "[询问] address" in out and "file_ticket" in out
    assert main(["flows", "show", "no_such_flow"]) == 1
