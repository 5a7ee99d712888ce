"""The one personal-data masking policy: logs, Open311, the review queue and chat answers.

Residents write their phone numbers, ID numbers, names and flat numbers into free text in
every form a keyboard allows ("138 1234 5678", "+86-138…", full-width "１３８…",
"(0533)2281234", "我叫王小明", "2单元301室"). Everything that leaves the people in charge of a
ticket goes through :func:`mask_text`, so there is exactly one place to get this right.

What it keeps: enough for the owner (or a trainer) to recognise that something was given —
a mobile's first three and last four digits, a landline's area code and last four digits —
and nothing that identifies a person to anyone else. Ticket numbers (``20261121-0042``) are
not personal and are left alone.
"""

from __future__ import annotations

import logging
import re

__all__ = [
    "PrivacyLogFilter",
    "mask_id_number",
    "mask_phone",
    "mask_text",
    "normalize_digits",
]

# Full-width digits and the punctuation that goes with numbers, read as their ASCII forms.
_FULL_WIDTH = str.maketrans(
    "０１２３４５６７８９＋－（）　．", "0123456789+-() ."
)
# Between the digits of one number people put spaces, hyphens, dots or middle dots.
_SEP = r"[\s\-.·]?"
_TICKET_NUMBER = re.compile(r"(?<!\d)20\d{6}\s*[-–—－]\s*\d{4}(?!\d)")
_ID_NUMBER = re.compile(rf"(?<![\dA-Za-z])\d(?:{_SEP}\d){{16}}{_SEP}[\dXx](?![\dA-Za-z])")
_MOBILE = re.compile(
    rf"(?<![\d+])(?:(?:\+|00)?86{_SEP}\s?)?1[3-9](?:{_SEP}\d){{9}}(?!\d)"
)
_LANDLINE = re.compile(
    rf"(?<![\d+])(?:(?:\+|00)?86{_SEP}\s?)?[(（]?0\d{{2,3}}[)）]?\s?[\-]?\s?\d(?:{_SEP}\d){{6,7}}"
    r"(?!\d)"
)
# Whatever else is a long run of digits (a phone written without an area code, a bank card,
# a number with odd separators) is personal until proven otherwise.
_LONG_DIGITS = re.compile(rf"(?<!\d)\d(?:{_SEP}\d){{6,}}(?!\d)")
_NAME_AFTER = re.compile(
    r"(我叫|叫我|我是|名字是|名字叫|姓名[是:：]?|联系人[是:：]?|本人)\s*"
    r"([\u4e00-\u9fff]{2,3})(?=[\s,，。;；:：!！?？、的]|$|电话|手机|联系|住|在)"
)
_COMPOUND_SURNAMES = "|".join(
    ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "宇文", "长孙")
)
_SURNAME = re.compile(rf"(我姓|免贵姓|本人姓)((?:{_COMPOUND_SURNAMES})|[\u4e00-\u9fff])")
# A surname before a title ("王女士", "找李师傅"); words that end in the same characters
# ("这位女士", "修理师傅", "物业师傅") are left alone.
_TITLE = re.compile(
    r"[\u4e00-\u9fff](?<![这那位个的理业修老工电保哪])(?=(?:先生|女士|小姐|阿姨|大爷|师傅))"
)
_NUMERAL = r"[0-9一二三四五六七八九十零〇两]"
_UNIT = re.compile(rf"{_NUMERAL}{{1,3}}\s*单元")
_ROOM = re.compile(rf"{_NUMERAL}{{1,5}}\s*(?:室|号房|房间|户)")
# "2单元301" or "3号楼502": a room number written without 室.
_BARE_ROOM = re.compile(r"(?<=单元)\s*\d{3,4}(?!\d)|(?<=号楼)\s*\d{3,4}(?![\d号楼单元])")

_WORDS_THAT_LOOK_LIKE_NAMES = frozenset({"居民", "业主", "租户", "住户", "网格员", "志愿者"})


def normalize_digits(text: str) -> str:
    """Full-width digits and number punctuation as ASCII, so one pattern sees every form."""
    return text.translate(_FULL_WIDTH)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def mask_phone(phone: str) -> str:
    """``138****5678``: enough for the owner to recognise, useless to anyone else."""
    digits = _digits(normalize_digits(phone))
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if digits.startswith("0086") and len(digits) == 15:
        digits = digits[4:]
    if len(digits) >= 11 and digits[0] == "1":
        return f"{digits[:3]}****{digits[-4:]}"
    if digits.startswith("0") and len(digits) >= 10:
        area = 3 if digits[1] in "12" else 4
        return f"{digits[:area]}-****{digits[-4:]}"
    if len(digits) >= 7:
        return f"****{digits[-4:]}"
    return "****"


def mask_id_number(number: str) -> str:
    """A national ID number keeps only its first and last character."""
    compact = re.sub(r"[^\dXx]", "", normalize_digits(number))
    return f"{compact[:1]}{'*' * (len(compact) - 2)}{compact[-1:]}"


def _mask_long_digits(match: re.Match[str]) -> str:
    return "*" * len(_digits(match.group(0)))


def _mask_name(match: re.Match[str]) -> str:
    if match.group(2) in _WORDS_THAT_LOOK_LIKE_NAMES:
        return match.group(0)
    return match.group(1) + "*" * len(match.group(2))


def mask_text(text: str) -> str:
    """Free text with phones, ID numbers, names and unit/room numbers masked."""
    text = normalize_digits(text)
    # Ticket numbers are kept: set them aside so the digit rules cannot touch them.
    kept: list[str] = []

    def _keep(match: re.Match[str]) -> str:
        kept.append(match.group(0))
        return f"\x00{len(kept) - 1}\x00"

    text = _TICKET_NUMBER.sub(_keep, text)
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group(0)), text)
    text = _MOBILE.sub(lambda m: mask_phone(m.group(0)), text)
    text = _LANDLINE.sub(lambda m: mask_phone(m.group(0)), text)
    text = _LONG_DIGITS.sub(_mask_long_digits, text)
    text = _NAME_AFTER.sub(_mask_name, text)
    text = _SURNAME.sub(lambda m: m.group(1) + "*" * len(m.group(2)), text)
    text = _TITLE.sub("*", text)
    text = _UNIT.sub("*单元", text)
    text = _ROOM.sub(lambda m: "***" + re.sub(rf"^{_NUMERAL}+\s*", "", m.group(0)), text)
    text = _BARE_ROOM.sub("***", text)
    return re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m.group(1))], text)


class PrivacyLogFilter(logging.Filter):
    """Masks personal data in every log record's final message (arguments included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logged as it is, never dropped
            return True
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
