"""`minsheng chat`: the demo report and a status query in a terminal, as a real process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from bot.terminal import LOADING, TRAINING
from tests.e2e.resident import TICKET_NUMBER

# What a log record looks like on a console ("2026-12-01 10:52:07,123 INFO bot.app: ...").
LOG_LINE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[,.]\d+ +(DEBUG|INFO|WARNING|ERROR)")

# Digits pick the numbered options the terminal prints: the community, skip the photo,
# no phone, named report, confirm. Extra "1"s are harmless if the bot asks less.
SCRIPT = [
    "锦园小区2号楼楼道灯坏了,晚上很黑",
    "1",
    "1",
    "1",
    "1",
    "1",
    "我的工单怎么样了",
    "/quit",
]


def test_terminal_chat_files_and_reports_status(
    tmp_path: Path, private_model_dir: Path, default_model_digest: str
) -> None:
    env = {
        **os.environ,
        "MINSHENG_VAR_DIR": str(tmp_path / "var"),
        "MINSHENG_MODEL_DIR": str(private_model_dir),
        # Pinned as an operator pins a copied-in model: loaded, not retrained.
        "MINSHENG_NLU_TRUSTED_DIGESTS": f'["{default_model_digest}"]',
        "MINSHENG_DATABASE_URL": f"sqlite:///{tmp_path / 'chat.db'}",
        "MINSHENG_REDIS_URL": "",
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", "--sender", "terminal-test"],
        input="\n".join(SCRIPT) + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    output = result.stdout
    numbers = TICKET_NUMBER.findall(output)
    assert numbers, output
    # Once when it is filed, again when the resident asks how it is going.
    assert numbers.count(numbers[0]) >= 2, output
    # A terminal shows stdout and stderr together: no log line in either, they go to a file.
    assert not LOG_LINE.search(output) and not LOG_LINE.search(result.stderr), result.stderr
    assert (tmp_path / "var" / "logs" / "chat.log").stat().st_size > 0
    # It says it is loading before the first silence, and asks for no taps.
    assert output.splitlines()[0] in {LOADING, TRAINING}
    assert "点击" not in output and "点“" not in output, output
