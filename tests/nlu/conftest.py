"""Shared NLU fixtures: one model trained on the shipped training data per test session."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from nlu import NLUModel, load_model
from nlu.defaults import DEFAULT_MODEL_NAME

DATA_DIR = Path(__file__).parent / "data"
TRAINING_DATA = PROJECT_ROOT / "training_data"


@pytest.fixture(scope="session")
def model_path(default_model_dir: Path) -> Path:
    """The default model artifact: the suite-wide one ``ensure_model`` trained (tests/conftest)."""
    return default_model_dir / DEFAULT_MODEL_NAME


@pytest.fixture(scope="session")
def model(model_path: Path) -> NLUModel:
    return load_model(model_path)


@pytest.fixture
def small_nlu_file(tmp_path: Path) -> Path:
    """A tiny, valid Rasa NLU file with three intents (trains in well under a second)."""
    path = tmp_path / "small.yml"
    path.write_text(SMALL_NLU, encoding="utf-8")
    return path


SMALL_NLU = """\
version: "3.1"
nlu:
- intent: report_lighting
  examples: |
    - 楼道灯坏了
    - 路灯不亮了
    - [3号楼](address)的声控灯不亮
    - 晚上路灯全黑
    - 楼梯灯一直闪
    - 感应灯坏了没人修
- intent: report_noise
  examples: |
    - 楼上装修太吵了
    - 广场舞音乐太响
    - 工地半夜施工吵得睡不着
    - 隔壁天天吵到凌晨
    - 商铺喇叭太吵
    - 噪音扰民
- intent: greet
  examples: |
    - 你好
    - 您好
    - 在吗
    - 有人吗
    - 哈喽
    - 早上好
"""


def python_output(code: str) -> str:
    """What ``code`` prints when run by a fresh Python in the project (its imports are its
    own, not this test session's)."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()
