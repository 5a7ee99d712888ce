"""``mypy --strict`` over the four packages (the [tool.mypy] settings in pyproject.toml).

mypy runs once per session (its cache in .mypy_cache keeps later runs short); the tests
read its report. Files other branches of issue 9 are rewriting are listed in PENDING:
their errors are expected to go with those branches, everything else must be clean.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "nlu", "flows", "connectors")
# Being rewritten elsewhere (people/channel rows; the connector contract).
PENDING = ("bot/addresses/", "bot/tickets/dispatcher.py")
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


def test_mypy_strict_outside_pending_files(mypy_report: tuple[int, str]) -> None:
    code, report = mypy_report
    assert code in (0, 1), f"mypy did not run:\n{report}"
    errors = [e for e in _errors(report) if not e.startswith(PENDING)]
    assert not errors, "mypy --strict:\n" + "\n".join(errors)


@pytest.mark.xfail(
    strict=False,
    reason="errors left in bot/addresses (people/channel branch) and bot/tickets/dispatcher.py "
    "(connector-contract branch)",
)
def test_mypy_strict_everywhere(mypy_report: tuple[int, str]) -> None:
    code, report = mypy_report
    assert code == 0, f"mypy --strict {' '.join(PACKAGES)}:\n{report}"
