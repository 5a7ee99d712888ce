"""``InboundMessage.said``: the one reading of what a resident said (engine and flows)."""

from __future__ import annotations

import pytest

from bot.messages import Attachment, InboundMessage, MediaKind


def voice(heard: str | None) -> Attachment:
    return Attachment(MediaKind.VOICE, "/u/a.amr", recognized_text=heard)


@pytest.mark.parametrize(
    ("text", "attachments", "said"),
    [
        ("  楼道灯坏了 ", (), "楼道灯坏了"),
        ("", (voice(" 楼道灯坏了 "),), "楼道灯坏了"),
        ("灯坏了", (voice("别的话"),), "灯坏了"),  # typed words win over the transcript
        (" ", (voice("  "), voice("第二条")), "第二条"),
        ("", (voice(None),), ""),
        ("", (Attachment(MediaKind.IMAGE, "/u/p.jpg", recognized_text="图"),), ""),
        ("", (), ""),
    ],
)
def test_said(text: str, attachments: tuple[Attachment, ...], said: str) -> None:
    message = InboundMessage(channel="web", sender_id="r1", text=text, attachments=attachments)
    assert message.said == said
