"""Text normalisation and phonetic keys for matching place names.

Most typos in Chinese text typed with a pinyin IME are homophones (锦圆 for 锦园, 金园 for
锦园), which character-level edit distance scores as badly as any other character. So
every name also gets a *phonetic key*: one private-use character per syllable, after
folding the distinctions many northern and southern speakers blur (zh/z, ch/c, sh/s,
-ng/-n). Comparing keys with an edit-distance ratio then treats homophones as equal while
still catching missing or swapped characters.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from nlu.pinyin import syllable as _syllable

_SPACE_RE = re.compile(r"\s+")
_FOLDS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("ng", "n"))
_syllable_ids: dict[str, str] = {}


def normalize(text: str) -> str:
    """NFKC (full-width digits, ＃ and letters to ASCII), lower case, no whitespace."""
    text = unicodedata.normalize("NFKC", text)
    return _SPACE_RE.sub("", text).lower()


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


@lru_cache(maxsize=65536)
def _char_key(ch: str, fold: bool) -> str:
    if not _is_han(ch):
        return ch
    syllable = _syllable(ch) or ch
    if fold:
        for long, short in _FOLDS:
            syllable = syllable.replace(long, short)
    key = _syllable_ids.get(syllable)
    if key is None:
        key = chr(0xE000 + len(_syllable_ids))
        _syllable_ids[syllable] = key
    return key


def phonetic_key(text: str, *, fold: bool = True) -> str:
    """One character per syllable; homophones share keys (and, with ``fold``, syllables
    differing only by zh/z, ch/c, sh/s or -ng/-n)."""
    return "".join(_char_key(ch, fold) for ch in text)
