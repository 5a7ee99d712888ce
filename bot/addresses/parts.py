"""Building, unit and room numbers inside free text.

Runs on the normalised text with recognised place names masked out (so digits inside a
door plate such as 华光路88号 are never read as a building). Residents write the same thing
many ways::

    2号楼 2栋 2幢 2# 2座 第二栋 二号楼 A座      building
    3单元 三单元                               unit
    501 501室 五零一                           room (after a unit or building)
    2-3-501  2-501                           building-unit-room, building-room

A bare ``N号`` or ``N楼`` is read as a building only right after a compound name
(``锦园2号``), because elsewhere it is a date (``3月2号``) or a floor (``住在3楼``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.addresses.numerals import CN_NUMERAL_CLASS, cn_to_int, normalize_number

_NUM = rf"(?<![0-9])[0-9]{{1,4}}(?![0-9])|[{CN_NUMERAL_CLASS}]{{1,4}}|(?<![a-z])[a-z](?![a-z])"
_CN_DIGITS = "零〇○一二两三四五六七八九"
_ROOM = rf"(?<![0-9])[0-9]{{3,4}}(?![0-9])|[{_CN_DIGITS}]{{3,4}}"

_DASH3_RE = re.compile(r"(?<![0-9])([0-9]{1,3})-([0-9]{1,2})-([0-9]{3,4})(?![0-9])")
_DASH2_RE = re.compile(r"(?<![0-9-])([0-9]{1,3})-([0-9]{3,4})(?![0-9-])")
_STRONG_RE = re.compile(rf"(?<![这那整每哪])第?({_NUM})(号楼|号院|栋楼|栋|幢|座|#)")
_HAO_RE = re.compile(rf"(?<![月日])第?({_NUM})号(?![室房户线路街道巷码])")
_LOU_RE = re.compile(rf"({_NUM})楼(?![道梯下上顶前后房])")
_UNIT_RE = re.compile(rf"({_NUM})单元")
_ROOM_MARKED_RE = re.compile(rf"({_ROOM})(?:室|房间|户)|([0-9]{{1,4}})室")
_ROOM_AFTER_RE = re.compile(rf"\s*[-的]?({_ROOM})(?:室|号|房)?")

# Filler a resident puts between a compound and its number: 锦园那个2栋, 锦园小区的3号楼.
_FILLER_RE = re.compile(r"(那个|这个|那|这|的|里的|里|小区)*")


@dataclass(frozen=True, slots=True)
class Parts:
    building: str | None = None
    unit: str | None = None
    room: str | None = None
    spans: tuple[tuple[int, int], ...] = ()
    building_start: int | None = None


def _room(text: str) -> str | None:
    value = cn_to_int(text)
    return None if value is None else str(value)


def _near(anchors: list[int], start: int, text: str) -> bool:
    """True when ``start`` follows one of ``anchors`` (ends of compound names) with
    nothing but filler words between."""
    return any(end <= start and _FILLER_RE.fullmatch(text, end, start) for end in anchors)


def extract_parts(text: str, anchors: list[int]) -> Parts:
    """Numbers in ``text`` (masked, normalised); ``anchors`` are ends of compound names."""
    building: str | None = None
    unit: str | None = None
    room: str | None = None
    spans: list[tuple[int, int]] = []
    building_start: int | None = None
    building_end: int | None = None

    match = _DASH3_RE.search(text)
    if match:
        building, unit, room = (normalize_number(match.group(1)),
                                normalize_number(match.group(2)), _room(match.group(3)))
        spans.append(match.span())
        building_start, building_end = match.start(), match.end()
    if building is None:
        match = _STRONG_RE.search(text)
        if match is None:
            match = next((m for m in _HAO_RE.finditer(text)
                          if _near(anchors, m.start(), text)
                          or re.match(r"[0-9]|单元|-", text[m.end():m.end() + 2])), None)
        if match is None:
            match = next((m for m in _LOU_RE.finditer(text)
                          if _near(anchors, m.start(), text)), None)
        if match is not None:
            building = normalize_number(match.group(1))
            spans.append(match.span())
            building_start, building_end = match.start(), match.end()
    if building is None:
        match = next((m for m in _DASH2_RE.finditer(text) if _near(anchors, m.start(), text)),
                     None)
        if match is not None:
            building, room = normalize_number(match.group(1)), _room(match.group(2))
            spans.append(match.span())
            building_start, building_end = match.start(), match.end()
    if unit is None:
        match = _UNIT_RE.search(text)
        if match is not None:
            unit = normalize_number(match.group(1))
            spans.append(match.span())
            after = _ROOM_AFTER_RE.match(text, match.end())
            if room is None and after is not None:
                room = _room(after.group(1))
                spans.append(after.span())
    if room is None:
        match = _ROOM_MARKED_RE.search(text)
        if match is not None:
            room = _room(match.group(1) or match.group(2))
            spans.append(match.span())
        elif building_end is not None:
            after = _ROOM_AFTER_RE.match(text, building_end)
            if after is not None:
                room = _room(after.group(1))
                spans.append(after.span())
    return Parts(building, unit, room, tuple(spans), building_start)
