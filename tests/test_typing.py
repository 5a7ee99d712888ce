"""``mypy --strict`` over the four packages (the [tool.mypy] settings in pyproject.toml).

mypy runs once per session (its cache in .mypy_cache keeps later runs short); the tests
read its report: not one error anywhere.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "nlu", "flows", "connectors")
_ERROR = re.compile(r"^[^:\s]+\.py:\d+: error: ")


@pytest.fixture(scope="module")
def mypy_report() -> tuple[int, str]:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", ".mypy_cache", *PACKAGES],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return result.returncode, result.stdout + result.stderr


def _errors(report: str) -> list[str]:
    return [line for line in report.splitlines() if _ERROR.match(line)]


def test_mypy_strict_everywhere(mypy_report: tuple[int, str]) -> None:
    code, report = mypy_report
    details = "\n".join(_errors(report) or [report])
    assert code == 0, f"mypy --strict {' '.join(PACKAGES)}:\n{details}"
