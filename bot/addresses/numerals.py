"""Chinese and Arabic numerals as residents write them in addresses.

Two readings exist and both are common: positional (``十二`` = 12, ``一百零一`` = 101) for
building and unit numbers, and digit by digit (``五零一`` = 501) for room numbers. A numeral
with 十 or 百 is positional; one without is read digit by digit, which is also right for
single digits.
"""

from __future__ import annotations

import re
import unicodedata

CN_DIGITS: dict[str, int] = {
    "零": 0, "〇": 0, "○": 0, "洞": 0,
    "一": 1, "幺": 1, "壹": 1,
    "二": 2, "两": 2, "贰": 2,
    "三": 3, "叁": 3,
    "四": 4, "肆": 4,
    "五": 5, "伍": 5,
    "六": 6, "陆": 6,
    "七": 7, "柒": 7, "拐": 7,
    "八": 8, "捌": 8,
    "九": 9, "玖": 9, "勾": 9,
}
CN_UNITS: dict[str, int] = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}

# Only the everyday characters: 幺/洞/拐/勾 are radio-speak and would make ordinary words
# ("拐角") look like numbers in free text.
CN_NUMERAL_CLASS = "零〇○一二两三四五六七八九十百"

_NUMBER_SUFFIX_RE = re.compile(r"(号楼|号|栋|幢|座|#|楼)$")


def cn_to_int(text: str) -> int | None:
    """``"12"``, ``"十二"``, ``"二十三"``, ``"一百零一"``, ``"五零一"`` -> int; else None."""
    text = text.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        return int(text)
    if any(ch in CN_UNITS for ch in text):
        return _positional(text)
    digits = []
    for ch in text:
        if ch in CN_DIGITS:
            digits.append(str(CN_DIGITS[ch]))
        elif ch.isascii() and ch.isdigit():
            digits.append(ch)
        else:
            return None
    return int("".join(digits))


def _positional(text: str) -> int | None:
    total = 0
    pending: int | None = None
    for ch in text:
        if ch in CN_DIGITS:
            pending = CN_DIGITS[ch]
        elif ch in CN_UNITS:
            # "十二": a unit with no digit before it means one of that unit.
            total += (1 if pending is None else pending) * CN_UNITS[ch]
            pending = None
        else:
            return None
    if pending is not None:
        total += pending
    return total


def normalize_number(text: str) -> str | None:
    """Canonical form of a building/unit number: ``"02"`` -> ``"2"``, ``"二"`` -> ``"2"``,
    ``"a"`` -> ``"A"``, ``"3号楼"`` -> ``"3"``; None when it is not a number at all."""
    text = unicodedata.normalize("NFKC", text).strip()
    text = _NUMBER_SUFFIX_RE.sub("", text).strip()
    if not text:
        return None
    if text.isascii() and text.isalnum():
        if text.isdigit():
            return str(int(text))
        if len(text) <= 8:
            return text.upper()
        return None
    value = cn_to_int(text)
    return None if value is None else str(value)


def number_sort_key(number: str) -> tuple[int, int, str]:
    """Natural order: 1, 2, 10, A, B."""
    if number.isdigit():
        return (0, int(number), "")
    return (1, 0, number)
