"""The time-out notice's button starts the flow that files the matter."""

from __future__ import annotations

from bot.config import PROJECT_ROOT
from bot.handoff import texts
from flows._responses import Responses


def test_the_file_button_is_the_flows_reply() -> None:
    responses = Responses.load(PROJECT_ROOT / "flows" / "responses.yml")
    assert responses.after_button("file_after_handoff", texts.FILE_BUTTON) == ""
