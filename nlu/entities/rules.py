"""Rule-based extractors for the entities every civic report needs.

phone (mobile and landline), ticket_number (``20261121-0042``), building / unit / room
(Arabic or Chinese numerals, 号楼/栋/幢/#/单元/室, ``2-1-301``), address (a place name with
what follows it: 锦园小区2号楼3单元, 人民路88号, 华光路与柳泉路路口) and time (昨晚, 三天了,
每天凌晨, 晚上十点以后). Values are normalised: digits only for phones, Arabic numerals for
house numbers, the span itself for addresses and times.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from nlu.entities.matcher import PhraseMatcher
from nlu.entities.numerals import NUMERAL_CHARS, to_arabic
from nlu.types import Entity

EXTRACTOR = "RuleEntityExtractor"
RULE_ENTITIES = ("phone", "ticket_number", "address", "building", "unit", "room", "time")

_CN = f"[{NUMERAL_CHARS}]"
NUM = rf"(?:[0-9０-９]{{1,4}}|{_CN}{{1,4}})"

# --------------------------------------------------------------------------- phone, ticket

_TICKET = re.compile(r"(?<![0-9])(20\d{6})\s*[-–—－]\s*(\d{4})(?![0-9])")
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[-\s]?)?(1[3-9]\d)[-\s]?(\d{4})[-\s]?(\d{4})(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])[(（]?(0\d{2,3})[)）]?[-\s]?(\d{7,8})(?![0-9])")
_LOCAL_LINE = re.compile(r"(?:电话|座机|固话|号码|打)[是为:：\s]{0,3}(\d{7,8})(?![0-9])")

# --------------------------------------------------------------------------- house numbers

_BUILDING_SUFFIX = r"(?:号楼|号院|栋楼?|幢楼?|座楼?|#楼?|＃楼?|号(?=\s*" + NUM + r"\s*单元))"
_BUILDING = re.compile(rf"({NUM}|[A-Za-z])\s*{_BUILDING_SUFFIX}")
_FLOOR_AS_BUILDING = re.compile(rf"({NUM})\s*楼(?=\s*{NUM}\s*单元)")
_UNIT = re.compile(rf"({NUM})\s*单元")
_ROOM = re.compile(rf"({NUM})\s*(?:室|号房|房间|户)")
_ROOM_AFTER = re.compile(
    rf"(?:(?<=单元)|(?<=号楼)|(?<=[栋幢座#]))\s*(?:的\s*)?(\d{{3,4}}|{_CN}{{3,4}})(?![0-9号楼栋单])"
)
_DASHED = re.compile(r"(?<![0-9-])(\d{1,3})-(\d{1,2})-(\d{3,4})(?![0-9-])")

# --------------------------------------------------------------------------- places

# Characters that never occur inside a place name: they bound a name on its left.
_STOP = (
    "的在是了住我你他她它们这那个有和与跟到从就都也还说要去来给被把对向往让叫呢吗吧啊呀"
    "，,。.!！?？:：；;、\\s"
)
_PLACE_SUFFIX = r"(?:小区|花园|家园|新村|公寓|大厦|苑(?!子)|公馆|宿舍|嘉园|名苑|华庭|山庄)"
_PLACE = re.compile(rf"[^{_STOP}0-9]{{2,6}}?{_PLACE_SUFFIX}")
_LEADING_NOISE = re.compile(
    r"^(?:我家|我们|咱们|俺们|俺家|楼下|楼上|门口|附近|对面|旁边|隔壁|这边|那边|这个|那个|一个|就是|就|家住|住|反映|举报|投诉|请问)+"
)
_ROAD = re.compile(
    rf"[^{_STOP}0-9马道公走过条小大]{{1,4}}(?:路|街|大道|大街|巷|胡同)"
    rf"(?:(?:\s*{NUM}\s*号(?!楼))|(?=与|和|跟|交叉|路口|十字|口))"
)
_CROSSING = re.compile(
    rf"\s*(?:与|和|跟)\s*[^{_STOP}0-9]{{1,4}}(?:路|街|大道)\s*(?:交叉口|十字路口|路口|口)?"
)
_CHAIN = re.compile(
    rf"\s*(?:的\s*)?(?:(?:{NUM}|[A-Za-z])\s*{_BUILDING_SUFFIX}|{NUM}\s*楼(?=\s*{NUM}\s*单元)|{NUM}\s*单元"
    rf"|{NUM}\s*(?:室|号房|房间|户)|\d{{1,3}}-\d{{1,2}}-\d{{3,4}}"
    rf"|(?:(?<=单元)|(?<=号楼)|(?<=[栋幢座#]))\s*(?:的\s*)?(?:\d{{3,4}}|{_CN}{{3,4}})(?![0-9号楼栋单]))"
)

# --------------------------------------------------------------------------- time

_DAYNAME = "[一二三四五六日天末]"
_TIME_ATOMS = [
    r"大前天|前天|昨天|今天|明天|后天|今早|昨早|今晚|昨晚|前晚|昨夜|今夜|昨儿个?|今儿个?|前几天|前两天|这几天|这两天|"
    r"这段时间|这阵子|最近|近期|刚才|刚刚|上午|中午|下午|早上|早晨|清晨|傍晚|晚上|晚间|夜里|夜间|"
    r"半夜|深夜|凌晨|白天|夜晚|晚饭后|午休时间?|周末|节假日|双休日|去年|今年|上个月|这个月|本月|"
    r"一?整(?:夜|晚|天|宿)|一晚上|一上午|一下午|早高峰|晚高峰|高峰期|上下学|放学(?:时候|时间)?|上班时间",
    rf"(?:上|这|本|下)?(?:个)?(?:周|星期|礼拜){_DAYNAME}?",
    rf"每(?:天|晚|日|夜|周{_DAYNAME}?|个?星期{_DAYNAME}?|个?礼拜{_DAYNAME}?|个?月|年|次|到)|天天|夜夜",
    rf"{NUM}\s*(?:点钟?|时)(?:半|{NUM}\s*分|一刻)?|\d{{1,2}}[:：]\d{{2}}",
    rf"(?:{NUM}|半|几|好几|十几|大半)\s*(?:个)?(?:多)?\s*(?:分钟|小时|钟头|天|日(?!期)|周|星期|礼拜|月|年(?!级))(?:多)?",
]
_TIME_ATOM = re.compile("|".join(f"(?:{a})" for a in _TIME_ATOMS))
_TIME_TAIL = re.compile(
    r"(?:了|以后|之后|以前|之前|以上|左右|前后|多了|之久|开始|到现在|起(?!来|床))+"
)
_TIME_HEAD = ("自从", "从", "自")
_TIME_GLUE = re.compile(r"的|到|至|-|~|—")


def _span(entity: str, start: int, end: int, value: str) -> Entity:
    return Entity(entity=entity, start=start, end=end, value=value, extractor=EXTRACTOR)


def _overlaps(start: int, end: int, taken: Iterable[tuple[int, int]]) -> bool:
    return any(start < t_end and t_start < end for t_start, t_end in taken)


class RuleExtractor:
    """Extracts the built-in entities; ``place_names`` come from the address registry."""

    name = EXTRACTOR

    def __init__(self, place_names: Iterable[str] = ()) -> None:
        self.places = PhraseMatcher(place_names)

    def extract(self, text: str) -> list[Entity]:
        found: list[Entity] = []
        numbers = self._numbers(text, found)
        self._house_numbers(text, found, numbers)
        self._addresses(text, found, numbers)
        self._times(text, found, numbers)
        return sorted(found, key=lambda e: (e.start, -e.end, e.entity))

    # Numbers first: a phone or ticket number must never also be read as a room.
    def _numbers(self, text: str, found: list[Entity]) -> list[tuple[int, int]]:
        taken: list[tuple[int, int]] = []
        for m in _TICKET.finditer(text):
            found.append(_span("ticket_number", m.start(), m.end(), f"{m.group(1)}-{m.group(2)}"))
            taken.append(m.span())
        for m in _MOBILE.finditer(text):
            if not _overlaps(*m.span(), taken):
                found.append(_span("phone", m.start(), m.end(), "".join(m.groups())))
                taken.append(m.span())
        for m in _LANDLINE.finditer(text):
            if not _overlaps(*m.span(), taken):
                found.append(_span("phone", m.start(), m.end(), "".join(m.groups())))
                taken.append(m.span())
        for m in _LOCAL_LINE.finditer(text):
            if not _overlaps(*m.span(1), taken):
                found.append(_span("phone", m.start(1), m.end(1), m.group(1)))
                taken.append(m.span(1))
        return taken

    def _house_numbers(self, text: str, found: list[Entity], taken: list[tuple[int, int]]) -> None:
        own: list[tuple[int, int]] = []

        def add(entity: str, start: int, end: int, raw: str) -> None:
            if not _overlaps(start, end, taken) and not _overlaps(start, end, own):
                found.append(_span(entity, start, end, to_arabic(raw).upper()))
                own.append((start, end))

        for m in _DASHED.finditer(text):
            if _overlaps(*m.span(), taken):
                continue
            add("building", m.start(1), m.end(1), m.group(1))
            add("unit", m.start(2), m.end(2), m.group(2))
            add("room", m.start(3), m.end(3), m.group(3))
        for pattern, entity in (
            (_BUILDING, "building"),
            (_FLOOR_AS_BUILDING, "building"),
            (_UNIT, "unit"),
            (_ROOM, "room"),
            (_ROOM_AFTER, "room"),
        ):
            for m in pattern.finditer(text):
                start = m.start(1) if pattern is _ROOM_AFTER else m.start()
                add(entity, start, m.end(), m.group(1))

    def _addresses(self, text: str, found: list[Entity], taken: list[tuple[int, int]]) -> None:
        names: list[tuple[int, int]] = [(s, e) for s, e, _ in self.places.finditer(text)]
        for m in _PLACE.finditer(text):
            start, end = self._trim_lead(text, *m.span())
            if end - start >= 3 and not _overlaps(start, end, names):
                names.append((start, end))
        for m in _ROAD.finditer(text):
            start, end = self._trim_lead(text, *m.span())
            if end - start >= 2 and not _overlaps(start, end, names):
                names.append((start, end))
        spans: list[tuple[int, int]] = []
        for start, end in sorted(names):
            if spans and start < spans[-1][1]:
                continue  # inside a crossing or chain already taken
            crossing = _CROSSING.match(text, end) if text[end - 1] in "路街道" else None
            spans.append((start, self._extend(text, crossing.end() if crossing else end)))
        # House numbers with no place name before them still say where ("3号楼2单元").
        for start, _ in sorted(
            (e.start, e.end) for e in found if e.entity in ("building", "unit", "room")
        ):
            if not _overlaps(start, start + 1, spans):
                spans.append((start, self._extend(text, start)))
        for start, end in sorted(spans):
            if end > start and not _overlaps(start, end, taken):
                found.append(_span("address", start, end, text[start:end]))

    @staticmethod
    def _trim_lead(text: str, start: int, end: int) -> tuple[int, int]:
        lead = _LEADING_NOISE.match(text, start, end)
        return (lead.end() if lead else start), end

    @staticmethod
    def _extend(text: str, end: int) -> int:
        """Swallow the house numbers that follow a place name (2号楼3单元501室)."""
        while True:
            chain = _CHAIN.match(text, end)
            if not chain or chain.end() == end:
                return end
            end = chain.end()

    def _times(self, text: str, found: list[Entity], taken: list[tuple[int, int]]) -> None:
        house = [(e.start, e.end) for e in found if e.entity in ("building", "unit", "room")]
        blocked = taken + house
        atoms = [m.span() for m in _TIME_ATOM.finditer(text) if not _overlaps(*m.span(), blocked)]
        merged: list[list[int]] = []
        for start, end in atoms:
            if merged:
                gap = text[merged[-1][1] : start]
                if gap == "" or (len(gap) <= 1 and _TIME_GLUE.fullmatch(gap)):
                    merged[-1][1] = end
                    continue
            merged.append([start, end])
        for start, end in merged:
            tail = _TIME_TAIL.match(text, end)
            if tail:
                end = tail.end()
            for head in _TIME_HEAD:  # "从昨天开始": the start belongs to the expression
                if text.startswith(head, start - len(head)) and start >= len(head):
                    start -= len(head)
                    break
            found.append(_span("time", start, end, text[start:end]))
