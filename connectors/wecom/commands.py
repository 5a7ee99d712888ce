"""Short staff commands typed in WeCom: ``接单 20261121-0042``, ``回复 20261121-0042 已联系物业``.

Parsing is pure (text in, :class:`Command` or :class:`Refusal` out) so every wording can be
tested without a server. Full-width digits, spaces, hyphens and question marks are folded
first (a phone keyboard in Chinese mode types them); the staff member's own words after the
number are kept as typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from connectors.wecom import texts

#: Verb -> action. Several wordings per action: staff type what they say.
VERBS: Final[dict[str, str]] = {
    "接单": "claim", "受理": "claim", "认领": "claim",
    "处理": "start", "开始处理": "start", "开始": "start",
    "回复": "reply", "答复": "reply",
    "追问": "ask", "询问": "ask", "补充": "ask",
    "办结": "resolve", "完成": "resolve", "已办结": "resolve",
    "退回": "reject", "驳回": "reject",
    "提级": "escalate", "上报": "escalate",
    "查看": "show", "详情": "show", "查询": "show",
    "转人工": "handoffs", "人工": "handoffs",
    "接待": "answer",
    "结束": "close", "结束接待": "close",
    "帮助": "help", "指令": "help", "help": "help", "?": "help",
}

#: Actions on a ticket and whether they need words after the number.
TICKET_ACTIONS: Final[dict[str, bool]] = {
    "claim": False, "start": False, "show": False, "resolve": False,
    "reply": True, "ask": True, "reject": True, "escalate": True,
}
HANDOFF_ACTIONS: Final[dict[str, bool]] = {"answer": True, "close": False}

#: Full-width forms a Chinese keyboard types -> ASCII (one character each: offsets hold).
_FOLD = str.maketrans(
    {**{chr(0xFF10 + i): str(i) for i in range(10)}, "\u3000": " ", "\uff0d": "-",
     "\u2014": "-", "\u2013": "-", "\uff1f": "?"}
)
_NUMBER = re.compile(r"^(\d{8}-\d{4,6})(?=\s|$|[,，:：])")
_HANDOFF_ID = re.compile(r"^(\d{1,12})(?=\s|$|[,，:：])")
# Longest verbs first, so "开始处理" wins over "开始" and "结束接待" over "结束".
_VERB = re.compile(
    "^(" + "|".join(re.escape(v) for v in sorted(VERBS, key=len, reverse=True)) + ")",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Command:
    action: str
    #: The ticket number (ticket actions) or the handoff id as text (handoff actions).
    target: str = ""
    text: str = ""


@dataclass(frozen=True, slots=True)
class Refusal:
    """Not a command we can run; ``message`` says how to write it."""

    message: str


_SEPARATORS = " \t\n,，:："


def _skip(text: str, at: int) -> int:
    """The offset of the first character at or after ``at`` that is not a separator."""
    while at < len(text) and text[at] in _SEPARATORS:
        at += 1
    return at


def parse(raw: str) -> Command | Refusal:
    """The command in ``raw``, or a refusal with a Chinese help line."""
    original = raw.strip()
    # One character for one: offsets into the folded text are offsets into the original,
    # whose words are kept as typed.
    text = original.translate(_FOLD)
    match = _VERB.match(text)
    if match is None:
        return Refusal(texts.UNKNOWN_COMMAND)
    verb = match.group(1)
    action = VERBS[verb.lower()]
    if action in ("help", "handoffs"):
        return Command(action)
    at = _skip(text, match.end())
    pattern = _NUMBER if action in TICKET_ACTIONS else _HANDOFF_ID
    found = pattern.match(text[at:])
    if found is None:
        if action in TICKET_ACTIONS:
            return Refusal(texts.MISSING_NUMBER.format(verb=verb))
        return Refusal(texts.MISSING_HANDOFF.format(verb=verb))
    target = found.group(1)
    words = original[_skip(text, at + found.end()):].strip()
    needs_words = TICKET_ACTIONS.get(action, HANDOFF_ACTIONS.get(action, False))
    if needs_words and not words:
        if action in TICKET_ACTIONS:
            what, example = texts.WHAT[action]
        else:
            what, example = texts.WHAT["answer"]
        example_target = "20261121-0042" if action in TICKET_ACTIONS else target
        return Refusal(
            texts.MISSING_TEXT.format(what=what, verb=verb, target=example_target, example=example)
        )
    return Command(action, target, words)
