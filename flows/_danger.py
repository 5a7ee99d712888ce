"""Is someone in danger right now? The life-safety check that runs before every flow.

A message that says a person is trapped, hurt, attacked, in a fire or near a gas leak, a
child or an old person in danger, an open manhole or something falling from a height gets
the emergency numbers first, before any question (see flows/_emergency.py). The NLU was
trained to tell demand categories apart, not danger from nuisance ("电梯坏了" and "电梯里困
人了" are one category to it), so danger is read from cues: a lexicon of patterns per kind,
matched on the text after homophone typos of the key words are mended (电悌 -> 电梯,
然气 -> 燃气) by their pinyin.

What must not trigger matters as much: a report about the past or a status question
("上次着火的事处理了吗"), a cue negated in its clause ("还好没人被困"), smoke from a
kitchen ("油烟很大"), and questions about prevention ("怎么预防火灾").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from nlu.pinyin import syllable

# The kinds, most urgent first: the first that matches names the danger; the numbers of
# every kind that matches are given (a fight with blood is 110 and 120).
TRAPPED = "trapped"
FIRE = "fire"
GAS = "gas"
VIOLENCE = "violence"
INJURY = "injury"
CHILD_ELDER = "child_elder"
MANHOLE = "manhole"
FALLING = "falling"

#: Who to call, per kind (110 police, 119 fire and rescue, 120 ambulance).
NUMBERS: dict[str, tuple[str, ...]] = {
    TRAPPED: ("119",),
    FIRE: ("119",),
    GAS: ("119",),
    VIOLENCE: ("110",),
    INJURY: ("120",),
    CHILD_ELDER: ("110",),
    MANHOLE: ("110",),
    FALLING: ("110",),
}

#: The ticket category of each kind (the category quiz is never asked in danger).
CATEGORIES: dict[str, str] = {
    TRAPPED: "report_safety_hazard",
    FIRE: "report_safety_hazard",
    GAS: "report_power_gas",
    VIOLENCE: "report_safety_hazard",
    INJURY: "report_safety_hazard",
    CHILD_ELDER: "report_safety_hazard",
    MANHOLE: "report_road_damage",
    FALLING: "report_safety_hazard",
}

#: The lexicon, kept with the training data: trainers extend it without touching code.
LEXICON_FILE = Path(__file__).resolve().parent.parent / "training_data" / "danger.yml"
_INSIDE = "inside"  # someone inside, said of a lift named elsewhere in the message


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


_LEXICON = _load(LEXICON_FILE)
_LIFT: str = _LEXICON["lift"]


def _expand(pattern: str) -> str:
    return pattern.replace("{person}", _LEXICON["person"]).replace("{lift}", _LIFT)


_COMPILED = {
    kind: tuple(re.compile(_expand(p)) for p in patterns)
    for kind, patterns in _LEXICON["patterns"].items()
}
_ORDER = (TRAPPED, FIRE, GAS, VIOLENCE, CHILD_ELDER, INJURY, MANHOLE, FALLING)
# The past, a status question, prevention or training: no one is in danger now.
_NOT_NOW = re.compile(_LEXICON["not_now"])
# A cue negated in its clause ("还好没人被困").
_NEGATION = re.compile(_LEXICON["negation"])
# A cue asked about, not reported ("电梯困人了吗？没有").
_QUESTION = re.compile(_LEXICON["question"])
# The NLU intents that never announce a danger now (a status question, a rating, thanks).
_CALM_INTENTS = frozenset({"query_status", "rate_satisfied", "rate_basic", "thank", "goodbye"})
# Homophone typos of the key words are mended before a second look (pinyin input and
# voice-to-text get the sound right and the character wrong).
_KEY_WORDS: tuple[str, ...] = tuple(_LEXICON["key_words"])
_PUNCT = re.compile(r"[\s,，。.!！?？；;：:、~～…]+")


def _key_index() -> dict[tuple[str, ...], str]:
    index: dict[tuple[str, ...], str] = {}
    for word in _KEY_WORDS:
        sounds = tuple(syllable(ch) or ch for ch in word)
        index.setdefault(sounds, word)
    return index


_KEYS = _key_index()
_KEY_LENGTHS = sorted({len(k) for k in _KEYS}, reverse=True)


def mend(text: str) -> str:
    """``text`` with homophones of the key words replaced by them (电悌 -> 电梯)."""
    sounds = [syllable(ch) or ch for ch in text]
    out: list[str] = []
    i = 0
    while i < len(text):
        for n in _KEY_LENGTHS:
            word = _KEYS.get(tuple(sounds[i : i + n])) if i + n <= len(text) else None
            if word is not None:
                out.append(word)
                i += n
                break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Danger:
    """A danger read from a message: its kind, who to call and the ticket category."""

    kind: str
    numbers: tuple[str, ...]
    category: str
    lift: bool  # a lift is involved: its company's rescue line helps too


def _hits(text: str, kind: str) -> bool:
    for pattern in _COMPILED[kind]:
        for found in pattern.finditer(text):
            before = text[: found.start()].rsplit("，", 1)[-1]
            after = text[found.end() :].split("，", 1)[0]
            if _NEGATION.search(before) or _QUESTION.search(after):
                continue
            return True
    return False


def _kinds(text: str) -> tuple[list[str], bool]:
    """The kinds of danger ``text`` names, most urgent first, and whether a lift is in it."""
    flat = _PUNCT.sub("，", text)
    lift = re.search(_LIFT, text) is not None
    kinds = [
        kind
        for kind in _ORDER
        if _hits(flat, kind) or (kind == TRAPPED and lift and _hits(flat, _INSIDE))
    ]
    return kinds, lift


def detect(text: str, intent: str | None = None) -> Danger | None:
    """The danger ``text`` announces now, or None.

    ``intent`` is the NLU's reading: a status question or a thank-you is never an emergency,
    whatever words it repeats.
    """
    if not text or intent in _CALM_INTENTS:
        return None
    if _NOT_NOW.search(text):
        return None
    # The words as typed first; the mended ones only when those say nothing (mending may
    # also turn a right word into a key word: 楼起 sounds like 漏气).
    kinds, lift = _kinds(text)
    if not kinds:
        mended = mend(text)
        if _NOT_NOW.search(mended):
            return None
        kinds, lift = _kinds(mended)
    if not kinds:
        return None
    numbers: list[str] = []
    for kind in kinds:
        for number in NUMBERS[kind]:
            if number not in numbers:
                numbers.append(number)
    first = kinds[0]
    return Danger(
        kind=first,
        numbers=tuple(numbers),
        category=CATEGORIES[first],
        lift=lift and first == TRAPPED,
    )
