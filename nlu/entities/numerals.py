"""Chinese numerals as residents write them in house numbers: 二号楼, 十二栋, 三零一室."""

from __future__ import annotations

import unicodedata

DIGITS = {
    "零": 0,
    "〇": 0,
    "○": 0,
    "一": 1,
    "幺": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
UNITS = {"十": 10, "百": 100, "千": 1000}
NUMERAL_CHARS = "".join(DIGITS) + "".join(UNITS)


def to_arabic(text: str) -> str:
    """``"十二"`` -> ``"12"``, ``"三零一"`` -> ``"301"``, ``"２"`` -> ``"2"``; other text unchanged.

    Without 十/百/千 the characters are read digit by digit, which is how room numbers are
    spoken ("三零一"); with them the value is positional ("一百零一" -> 101).
    """
    text = unicodedata.normalize("NFKC", text).strip()
    if not text or text.isdigit():
        return text
    if any(ch not in NUMERAL_CHARS for ch in text):
        return text
    if not any(ch in UNITS for ch in text):
        return "".join(str(DIGITS[ch]) for ch in text)
    total, current = 0, 0
    for ch in text:
        if ch in DIGITS:
            current = DIGITS[ch]
        else:
            total += (current or 1) * UNITS[ch]
            current = 0
    return str(total + current)
