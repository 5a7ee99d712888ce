"""Fuzzy matching of compound names: typos, homophones, missing characters.

Only used when no compound name appears verbatim (or only inside a longer word). Spans of
the message that end right before a building number or at a word such as 小区 are compared
with every compound name and alias three ways with rapidfuzz: by characters, by exact
pinyin (homophones: 锦圆 for 锦园) and by folded pinyin (accents: jin for jing), each
weighted so that a closer kind of match wins a tie.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rapidfuzz import fuzz, process

from bot.addresses.parts import Parts
from bot.addresses.text import phonetic_key

GENERIC_SUFFIXES = (
    "家属院", "小区", "花园", "家园", "新村", "公寓", "宿舍", "名苑", "华庭", "雅居", "名居",
    "佳园",
)
SUFFIX_RE = re.compile("|".join(GENERIC_SUFFIXES))
_SPAN_STOP = re.compile(r"[\x00,.!?;:，。！？；：、()（）\"'“”‘’\[\]【】]")
_FILLER_TAIL_RE = re.compile(r"(那个|这个|那|这|的|里)+$")
_MAX_FUZZY_SPAN = 10
_FUZZY_CUTOFF = 80.0
_PHONETIC_WEIGHT = 0.96  # a true homophone: 锦圆 for 锦园
_FOLDED_WEIGHT = 0.9  # an accent's near-homophone: 锦 jin for 景 jing
CUT_WORD = 0.85  # a match that starts inside a longer word
# Characters that may stand right before a place name without it being a word's tail.
LEAD_OK = frozenset("住在是的了我家到去从于和与及个那这给址为")


def core_name(name: str) -> str:
    """``锦园小区`` -> ``锦园``: the name without a generic suffix, if 2+ characters remain."""
    for suffix in GENERIC_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def cuts_word(text: str, start: int) -> bool:
    """Whether a match at ``start`` begins inside a longer, unrecognised word."""
    if start == 0:
        return False
    before = text[start - 1]
    return _is_han(before) and before not in LEAD_OK


class FuzzyNames:
    """Compound names and aliases prepared for fuzzy lookup."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        by_choice: dict[str, list[str]] = {}
        for term, code in pairs:
            by_choice.setdefault(term, []).append(code)
        self._choices = list(by_choice)
        self._codes = [by_choice[c] for c in self._choices]
        self._keys = [phonetic_key(c, fold=False) for c in self._choices]
        self._folded = [phonetic_key(c) for c in self._choices]

    def match(self, masked: str, parts: Parts) -> dict[str, tuple[float, tuple[int, int]]]:
        ends: set[int] = set()
        if parts.building_start is not None:
            head = masked[: parts.building_start]
            tail = _FILLER_TAIL_RE.search(head)
            ends.add(tail.start() if tail else parts.building_start)
        for match in SUFFIX_RE.finditer(masked):
            ends.add(match.end())
        best: dict[str, tuple[float, tuple[int, int]]] = {}
        if not self._choices:
            return best
        for end in sorted(ends):
            floor = end
            while floor > 0 and end - floor < _MAX_FUZZY_SPAN and not _SPAN_STOP.match(
                    masked[floor - 1]):
                floor -= 1
            for start in range(floor, end - 1):
                span = masked[start:end]
                if len(core_name(span)) < 2 or SUFFIX_RE.fullmatch(span):
                    continue
                weight = CUT_WORD if cuts_word(masked, start) else 1.0
                self._score_span(span, (start, end), best, weight)
        return best

    def _score_span(self, span: str, where: tuple[int, int],
                    best: dict[str, tuple[float, tuple[int, int]]], weight: float) -> None:
        hits: dict[int, float] = {}
        for _, score, index in process.extract(span, self._choices, scorer=fuzz.ratio,
                                               score_cutoff=_FUZZY_CUTOFF, limit=8):
            hits[index] = max(hits.get(index, 0.0), score)
        for key, keys, weight in (
            (phonetic_key(span, fold=False), self._keys, _PHONETIC_WEIGHT),
            (phonetic_key(span), self._folded, _FOLDED_WEIGHT),
        ):
            for _, score, index in process.extract(key, keys, scorer=fuzz.ratio,
                                                   score_cutoff=_FUZZY_CUTOFF / weight, limit=8):
                hits[index] = max(hits.get(index, 0.0), score * weight)
        for index, score in hits.items():
            value = min(score / 100.0, 0.97) * weight
            for code in self._codes[index]:
                if value > best.get(code, (0.0, where))[0]:
                    best[code] = (value, where)

