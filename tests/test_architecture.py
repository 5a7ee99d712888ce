"""The layering of issue 9, checked with import-linter (contracts in pyproject.toml).

Each contract is its own test so a broken one names itself and prints lint-imports'
report: the chain of imports that crosses the line.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(contract: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--contract", contract],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


@pytest.mark.parametrize(
    "contract",
    [
        "nlu-is-a-library",
        "flows-not-connectors",
        "core-not-connectors",
    ],
)
def test_import_contract_is_kept(contract: str) -> None:
    if not LINT_IMPORTS.exists():
        pytest.fail(f"{LINT_IMPORTS} is missing: run scripts/bootstrap.sh (dev dependencies)")
    result = _lint(contract)
    report = f"lint-imports --contract {contract}:\n{result.stdout}{result.stderr}"
    assert result.returncode == 0, report


def test_every_contract_is_checked() -> None:
    """A contract added to pyproject.toml gets a test here too."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    ids = {c["id"] for c in config["tool"]["importlinter"]["contracts"]}
    assert ids == {"nlu-is-a-library", "flows-not-connectors", "core-not-connectors"}
