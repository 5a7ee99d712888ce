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

_PERSON = (
    r"(?:人|孩子|小孩|小朋友|儿童|娃|宝宝|老人|老太太|老大爷|老奶奶|老爷爷|大爷|大妈|婆婆"
    r"|爷爷|奶奶|妈|爸|家人|邻居|工人|住户)"
)
_LIFT = r"(?:电梯|轿厢|升降梯|直梯)"
_PATTERNS: dict[str, tuple[str, ...]] = {
    TRAPPED: (
        _LIFT + r"[^，]{0,8}(?:困|关|卡|锁)(?:住|了|着)?[^，]{0,4}" + _PERSON,
        _LIFT + r"[^，]{0,10}(?:被困|困住|困着|关住|关着|卡住|出不来|打不开门)",
        _PERSON + r"[^，]{0,8}(?:被困|困住|困在|困着|关在|卡在|出不来)[^，]{0,6}" + _LIFT,
        r"(?:被困|困住|困在|关在|卡在)[^，]{0,4}" + _LIFT,
        _LIFT
        + r"[^，]{0,12}(?:里面|里头|里边|里|内)(?:还|也)?有(?:个|一个|两个|几个|好几个)?"
        + _PERSON,
        r"(?:里面|里头|里边)(?:还|也)?有(?:个|一个|两个|几个|好几个)?"
        + _PERSON
        + r"[^，]{0,3}(?:出不来|被困|困着|关着)",
        r"有" + _PERSON + r"(?:被)?(?:困|关|卡)(?:在)?(?:里面|里头)?[^，]{0,2}出不来",
        r"(?:困了|困住了?|关了)(?:个|一个|两个|几个|好几个)?" + _PERSON,
        r"有" + _PERSON + r"(?:被)?(?:困住|被困|困在|关在|锁在)",
        _PERSON + r"[^，]{0,3}(?:被)?(?:困在|锁在|关在)(?:车里|屋里|家里|房间|里面|楼顶|阳台)",
        r"(?:被困|困住了|出不来了)[^，]{0,6}(?:救命|快来|快点)",
    ),
    FIRE: (
        r"(?:着火|起火|失火|火灾|燃起来|烧起来|烧着了|火着了|火苗|火光|明火|大火)",
        r"(?<!油)(?:冒烟|浓烟|冒黑烟|烟很大|好大的烟|全是烟|都是烟|烟雾)",
        r"(?:电动车|电瓶车|电瓶|充电器|插座|电线|变压器|配电箱)[^，]{0,6}(?:烧|冒火|自燃|爆炸|炸了)",
        r"(?:爆炸|炸开了|爆燃)",
    ),
    GAS: (
        r"(?:燃气|煤气|天然气|液化气|瓦斯|气罐)[^，]{0,8}(?:味|泄漏|泄露|漏了|漏气|在漏|很臭|好臭|呛)",
        r"(?:闻到|闻着|有股|一股|好大|很大|很浓)[^，]{0,4}(?:燃气|煤气|天然气|液化气)",
        r"(?:漏气|泄漏)[^，]{0,6}(?:燃气|煤气|天然气)",
    ),
    VIOLENCE: (
        r"(?:打架|打人|斗殴|群殴|殴打|打起来|动手了|动刀|持刀|拿刀|砍人|砍伤|捅人|捅伤|行凶|抢劫|家暴|打老婆|打孩子|拿着刀|拿棍子)",
    ),
    INJURY: (
        r"(?:见血|流血|出血|满身是血|一地血|受伤|受了伤|伤得|骨折|晕倒|昏倒|昏迷|不省人事|晕过去|没呼吸|没气了|没有呼吸|抽搐|心脏病|犯病|休克|触电|烫伤|摔伤|砸伤|咬伤|流了[^，]{0,3}血|好多血|很多血|一身血|满脸是血)",
        _PERSON
        + r"[^，]{0,4}(?:摔倒|跌倒|倒在|倒地|摔了)[^，]{0,6}(?:起不来|不动|没反应|流血|不醒)",
        _PERSON + r"[^，]{0,4}(?:倒在地上|倒地不起|摔倒了|跌倒了)",
    ),
    CHILD_ELDER: (
        r"(?:孩子|小孩|小朋友|儿童|宝宝|娃|婴儿)[^，]{0,6}(?:爬上|站在|坐在|挂在|悬在)[^，]{0,4}(?:窗|阳台|楼顶|栏杆|护栏|屋顶)",
        r"(?:孩子|小孩|小朋友|儿童|宝宝|娃|婴儿|老人|人)[^，]{0,4}(?:掉下|掉进|坠楼|跳楼|要跳|落水|溺水|掉水里|掉河里|掉井里)",
        r"(?:孩子|小孩|小朋友|儿童|宝宝|娃|婴儿|老人|老太太|老大爷|老奶奶|老爷爷)[^，]{0,4}(?:走丢|丢了|不见了|找不到了|被锁|被拐|被抱走|独自在家[^，]{0,6}(?:哭|出事))",
        r"(?:有人|孩子|小孩)[^，]{0,2}(?:要跳楼|想跳楼|在跳楼|轻生|自杀)",
        r"(?:救命|快救人|救救)",
    ),
    MANHOLE: (
        r"(?:井盖|窨井盖|下水井盖|雨水井盖|污水井盖|井篦子)[^，]{0,6}(?:没了|没有了|丢了|不见了|被偷|缺了|缺失|掀开|开着|打开|敞着|敞开|碎了|破了|塌了|陷了|移位|翻了|松动|歪了|坏了)",
        r"(?:没有井盖|没了井盖|少了个井盖|井盖缺失|丢了井盖)",
        r"(?:井口|下水井|窨井|污水井|雨水井|检查井)[^，]{0,4}(?:敞着|开着|没盖|没有盖|露着)",
        r"(?:掉进|掉到|跌进|摔进|掉下)[^，]{0,4}(?:井里|下水道|窨井|井口)",
    ),
    FALLING: (
        r"(?:高空坠物|高空抛物|从楼上扔|往楼下扔|往下扔|楼上扔|扔下来|砸下来|砸到人了|砸伤人|砸着人了|差点砸)",
        r"(?:广告牌|招牌|空调外机|外机|外墙|墙皮|瓷砖|玻璃|窗户|窗框|花盆|树枝|脚手架)[^，]{0,6}(?:掉下来|掉下|要掉|快掉|往下掉|坠落|脱落|砸|摇摇欲坠|晃|松动了?[^，]{0,4}掉)",
    ),
}
# Someone inside, said of a lift mentioned elsewhere in the message ("电梯停了，里面还有个孩子").
_INSIDE = "inside"
_PATTERNS[_INSIDE] = (
    r"(?:里面|里头|里边)(?:还|也)?(?:有|关着|困着)(?:个|一个|两个|几个|好几个)?" + _PERSON,
)
_COMPILED = {kind: tuple(re.compile(p) for p in pats) for kind, pats in _PATTERNS.items()}
_ORDER = (TRAPPED, FIRE, GAS, VIOLENCE, CHILD_ELDER, INJURY, MANHOLE, FALLING)

# The past, a status question, prevention or training: no one is in danger now.
_NOT_NOW = re.compile(
    r"(?:上次|上回|之前|以前|前几天|前段时间|去年|上个月|上周|那次|曾经|处理了吗|处理了没|处理得怎么样|"
    r"怎么样了|进度|结果如何|有结果|办好了吗|修好了吗|怎么预防|如何预防|预防|注意事项|安全知识|"
    r"演练|培训|宣传|讲座|科普|灭火器.{0,4}(?:在哪|过期|换)|多少钱|费用|缴费|交费|充值|开户|安装|改管|"
    r"报装|天然气费|燃气费|煤气费|电影|电视剧|游戏|小说|新闻|梦见|做梦|如果|万一|假如|要是)"
)
# A cue negated in its clause ("还好没人被困", "没有着火").
_NEGATION = re.compile(r"(?:没有|没|无|不是|并没|并未|未|别|不会|不用)[^，。,.!！?？；;]{0,3}$")
# A cue asked about, not reported ("电梯困人了吗？没有").
_QUESTION = re.compile(r"(?:吗|么|没有?)$")
# The NLU intents that never announce a danger now (a status question, a rating, thanks).
_CALM_INTENTS = frozenset({"query_status", "rate_satisfied", "rate_basic", "thank", "goodbye"})

# Homophone typos of the key words, mended before matching (pinyin input and voice-to-text
# get the sound right and the character wrong).
_KEY_WORDS = (
    "电梯",
    "燃气",
    "煤气",
    "天然气",
    "着火",
    "起火",
    "失火",
    "冒烟",
    "井盖",
    "被困",
    "困住",
    "打架",
    "流血",
    "见血",
    "晕倒",
    "昏倒",
    "受伤",
    "救命",
    "窨井",
)
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
