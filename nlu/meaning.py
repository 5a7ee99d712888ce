"""Does a message mean anything at all? Keyboard mash is no answer.

The classifier ranks every text, and text without meaning gets confident nonsense:
"jkjkjkjkjk" read as affirm 0.78, "1234567890" as goodbye 0.90, "顶顶顶" as a house-repair
report. At a "确认提交?" step that would file a ticket the resident never meant. Mash is
recognised from its shape, not from the model:

- one short unit repeated ("的的的的的", "顶顶顶", "jkjkjk", ";lkj;lkj;lkj"), unless the unit is
  a word people do repeat to answer ("嗯嗯嗯", "好好好", "对对对", "谢谢谢谢");
- a long run of digits that is no phone or ticket number the entity extractors found;
- Latin letters that are neither a common word ("ok", "yes", "wifi") nor pinyin typed without
  an input method ("haode", "dui").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from nlu.pinyin import syllable
from nlu.types import Entity

# Units people repeat to mean something ("嗯嗯嗯" is a yes, "不不不" a no).
_MEANINGFUL_UNITS = frozenset(
    {
        "嗯",
        "好",
        "对",
        "是",
        "行",
        "哦",
        "噢",
        "喔",
        "不",
        "没",
        "谢",
        "谢谢",
        "要",
        "快",
        "救命",
        "ok",
        "yes",
        "no",
        "y",
        "n",
        "en",
        "hao",
        "dui",
        "shi",
    }
)
# Latin words residents use; anything else in Latin letters must read as pinyin.
_LATIN_WORDS = frozenset(
    {
        "ok",
        "okay",
        "okk",
        "yes",
        "yeah",
        "yep",
        "yup",
        "y",
        "no",
        "nope",
        "n",
        "hi",
        "hello",
        "hey",
        "bye",
        "thanks",
        "thank",
        "thx",
        "you",
        "wifi",
        "app",
        "qq",
        "id",
        "sos",
        "help",
        "please",
        "pls",
        "sorry",
        "good",
        "fine",
        "sure",
        "of",
        "course",
    }
)
_MIN_REPEATS = 3
_MAX_UNIT = 4
_MIN_DIGITS = 5
_SKIP = re.compile(r"[\s\W_]+")
_LATIN = re.compile(r"[A-Za-z]+")


@lru_cache(maxsize=1)
def _syllables() -> frozenset[str]:
    from pypinyin.pinyin_dict import pinyin_dict

    found = {syllable(chr(code)) for code in pinyin_dict}
    return frozenset(s for s in found if s)


def _pinyin(word: str) -> bool:
    """``word`` splits into pinyin syllables ("haode" = hao + de)."""
    known = _syllables()
    reachable = [True] + [False] * len(word)
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - 6), end):
            if reachable[start] and word[start:end] in known:
                reachable[end] = True
                break
    return reachable[-1]


def _repeated_unit(text: str) -> str | None:
    """The unit ``text`` repeats at least three times ("jk" for "jkjkjkjk"), or None."""
    for size in range(1, _MAX_UNIT + 1):
        if len(text) < size * _MIN_REPEATS:
            break
        unit = text[:size]
        whole, rest = divmod(len(text), size)
        if unit * whole + unit[:rest] == text:
            return unit
    return None


def meaningless(text: str, entities: Sequence[Entity] = ()) -> bool:
    """``text`` is keyboard mash: it says nothing, whatever a classifier makes of it."""
    if any(e.entity in {"phone", "ticket_number"} for e in entities):
        return False
    flat = _SKIP.sub("", text).lower()
    if not flat:
        return False  # punctuation or emoji alone: a mood, handled where it is read
    unit = _repeated_unit(flat)
    if unit is not None:
        return unit not in _MEANINGFUL_UNITS
    if flat.isdigit():
        return len(flat) >= _MIN_DIGITS
    if flat.isascii():
        words = [w.lower() for w in _LATIN.findall(text)]
        if not words:
            return False
        return not all(w in _LATIN_WORDS or _pinyin(w) for w in words)
    return False
