"""Toneless pinyin of each Chinese character, for features that survive homophone typos.

Residents type with pinyin input methods and dictate to voice-to-text, and both get the
sound right and the character wrong: 楼到灯 for 楼道灯, 燃汽 for 燃气, 暖器 for 暖气,
物叶 for 物业. Character n-grams see a different word; syllable n-grams (``lou_dao``)
see the same one. With a fifth of the characters of the held-out chat sets swapped for
homophones, adding them took accuracy from 0.89 to 0.94 (tests/nlu/data/heldout_voice.yml)
and from 0.92 to 0.99 (heldout_chat.yml), at no cost on clean messages or in
cross-validation (bench/nlu_quality.py --typos).

One reading per character (pypinyin's first, i.e. the most common), looked up in a
table instead of segmenting: polyphones are sometimes read wrong, consistently so in
training and parsing, and a lookup keeps parsing well under a millisecond.
"""

from __future__ import annotations

import importlib.util
import unicodedata
from collections.abc import Sequence
from functools import cache, lru_cache
from pathlib import Path


@cache
def _pinyin_dict() -> dict[int, str]:
    """pypinyin's table of readings per character (code point -> "lóu,lǘ").

    Read from its module file alone: importing anything from the ``pypinyin`` package
    first runs its ``__init__``, which loads the phrase dictionaries as well (55 MiB in
    every worker, for segmenting we never do); this table alone is 13 MiB.
    """
    spec = importlib.util.find_spec("pypinyin")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("pypinyin is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "pinyin_dict.py"
    module_spec = importlib.util.spec_from_file_location("_minsheng_pinyin_dict", path)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"cannot read {path}")
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    table: dict[int, str] = module.pinyin_dict
    return table


@lru_cache(maxsize=32768)
def syllable(char: str) -> str | None:
    """``"楼"`` -> ``"lou"``, ``"绿"`` -> ``"lv"``; ``None`` for anything not Chinese."""
    reading = _pinyin_dict().get(ord(char))
    if not reading:
        return None
    marked = unicodedata.normalize("NFKD", reading.split(",", 1)[0]).replace("u\u0308", "v")
    return "".join(c for c in marked if not unicodedata.combining(c))


def pinyin_grams(text: str, ngram_range: tuple[int, int]) -> list[str]:
    """Syllable n-grams of the Chinese runs of ``text`` (an n-gram never spans other text)."""
    low, high = ngram_range
    grams: list[str] = []
    run: list[str] = []
    for char in [*text, ""]:
        sound = syllable(char) if char else None
        if sound is not None:
            run.append(sound)
            continue
        grams.extend(_grams(run, low, high))
        run = []
    return grams


def _grams(run: Sequence[str], low: int, high: int) -> list[str]:
    return ["_".join(run[i : i + n]) for n in range(low, high + 1) for i in range(len(run) - n + 1)]
