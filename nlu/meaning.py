"""Is there anything to understand in a message? Keyboard mash and filler are not.

A linear classifier always ranks some intent first, and for text that means nothing
("jkjkjkjkjkjk", "的的的的的", "1234567890") that intent is whatever the features it
happens to share lean to: affirm at 0.78, goodbye at 0.90. At a "确认提交?" step that
would file a ticket nobody asked for, so such text is ``nlu_fallback`` before the
classifier is asked. What counts as meaningless is read off the message's shape and
the model's own vocabulary, not off a list of bad strings:

- nothing but punctuation and spaces ("？？？？", "。。。。");
- only digits, five or more, that no entity rule took for a phone or ticket number
  ("1234567890"; "88" and a room number like "302" stay);
- one short piece repeated three times or more ("顶顶顶", "的的的的的", "666"), or
  twice for Latin letters that are no word the model knows ("jkjk", ";lkj;lkj;lkj"),
  unless training messages repeat that same piece ("对对对", "哈哈哈哈", "嗯嗯" are in
  the data, so they stay);
- Latin letters only, none of whose words the model has seen ("asdfgh" is trained as
  out_of_scope and stays understood; "sdfkj", "hjkl" are not).

Chinese text that is not repetitive always goes to the classifier: a few characters
(是, 嗯, 好的, 电梯坏了) can be a whole answer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

# Repeats of a piece this long or shorter are filler ("哈哈哈", "jkjkjk", ";lkj;lkj").
MAX_UNIT = 4
MIN_REPEATS = 3
# A Latin-only piece repeated twice, "asas" or "jkjk", is mash as well; Chinese doubles
# ("谢谢", "好好", "嗯嗯") are ordinary words.
MIN_LATIN_REPEATS = 2
MIN_DIGITS = 5

_LATIN_WORD = re.compile(r"[a-z]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def core(text: str) -> str:
    """``text`` without punctuation, spaces and control characters, in lower case.

    Letters, digits and symbols (emoji: "👍" is an answer) are kept.
    """
    kept = (
        c
        for c in unicodedata.normalize("NFKC", text).lower()
        if unicodedata.category(c)[0] not in "PZC" and unicodedata.category(c) not in ("Sm", "Sk")
    )
    return "".join(kept)


def repeated_unit(text: str) -> tuple[str, int]:
    """The shortest piece ``text`` is made of and how many times; (text, 1) when none."""
    n = len(text)
    for size in range(1, n // 2 + 1):
        if n % size == 0 and text[:size] * (n // size) == text:
            return text[:size], n // size
    return text, 1


@dataclass(frozen=True, slots=True)
class MeaningCheck:
    """The repeated pieces training messages use (``对`` of "对对对"), fitted with the model."""

    repeated_units: frozenset[str] = frozenset()

    @classmethod
    def fit(cls, texts: Iterable[str]) -> MeaningCheck:
        units = set()
        for text in texts:
            unit, count = repeated_unit(core(text))
            if count >= 2 and unit:
                units.add(unit)
        return cls(frozenset(units))

    def meaningless(
        self,
        text: str,
        features: str,
        known_word: Callable[[str], bool],
        *,
        has_entities: bool = False,
    ) -> bool:
        """Whether ``text`` has nothing in it to classify.

        ``features`` is the classifier's input for it (entities masked, shorthand spelled
        out), ``known_word`` tells whether the model has seen a word, ``has_entities``
        whether the entity rules found something (a phone number is an answer, not mash).
        """
        if has_entities:
            return False
        body = core(text)
        if not body:
            return True
        if body.isdigit():
            return len(body) >= MIN_DIGITS or self._filler(body, known_word)
        if self._filler(body, known_word):
            return True
        plain = core(features)
        if _CJK.search(plain) or not plain.isascii():
            return False
        words = _LATIN_WORD.findall(plain)
        # "okok" is a known word twice over.
        return bool(words) and not any(
            known_word(w) or known_word(repeated_unit(w)[0]) for w in words
        )

    def _filler(self, body: str, known_word: Callable[[str], bool]) -> bool:
        unit, count = repeated_unit(body)
        if len(unit) > MAX_UNIT or unit in self.repeated_units:
            return False
        if unit.isascii() and unit.isalpha():
            # "okok" is OK said twice; "jkjk" is two keys. (For Chinese a known word is
            # no help: 的 is known, 的的的的的 is still nothing.)
            return count >= MIN_LATIN_REPEATS and not known_word(unit)
        return count >= MIN_REPEATS
