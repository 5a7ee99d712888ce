"""Regenerate ``resolver_cases.yaml`` (kept for transparency; the YAML is the test set).

    uv run python tests/addresses/make_cases.py

Phrasings are written here by hand as templates and filled from the demo registry with a
fixed seed. Typos come from a hand-made table of homophones residents' IMEs produce, not
from the resolver's own phonetic code, so the test does not grade the resolver by itself.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
DEMO = HERE.parents[1] / "training_data" / "addresses" / "buildings.csv"

CN = "零一二三四五六七八九"
HOMOPHONES = {
    "园": "圆", "苑": "院", "锦": "金", "华": "花", "居": "局", "庭": "亭", "馨": "新",
    "雅": "亚", "兰": "蓝", "柳": "刘", "凤": "风", "丽": "力", "景": "井", "宝": "保",
    "嘉": "家", "怡": "宜", "书": "树", "香": "乡", "盛": "胜", "文": "闻", "荣": "容",
    "紫": "子", "百": "白", "银": "印", "西": "希", "湖": "胡", "邮": "油", "棉": "绵",
    "清": "青", "长": "常", "安": "按", "兴": "星", "富": "付", "康": "糠", "星": "醒",
    "谐": "鞋", "名": "明", "座": "坐", "纺": "仿", "机": "鸡", "卫": "为", "泥": "尼",
    "学": "雪", "色": "瑟", "合": "和", "都": "督",
}
# Characters read alike (with every HOMOPHONES pair): a typo into one of these may mean
# either of two compounds (怡园/怡苑), so such a case expects the question, not a guess.
SOUND_CLASSES = ("园苑圆院元", "兴星醒", "家佳嘉")


def sound(text: str) -> str:
    classes = [set(group) for group in SOUND_CLASSES]
    classes += [{a, b} for a, b in HOMOPHONES.items()]
    merged = True
    while merged:
        merged = False
        for i in range(len(classes)):
            for j in range(i + 1, len(classes)):
                if classes[i] & classes[j]:
                    classes[i] |= classes.pop(j)
                    merged = True
                    break
            if merged:
                break
    for group in classes:
        first = min(group)
        for ch in group:
            text = text.replace(ch, first)
    return text


PROBLEMS = (
    "楼道灯坏了，晚上很黑", "楼下垃圾好几天没人清理", "暖气不热", "电梯又坏了，老人上不去",
    "下水道堵了，污水漫出来", "门口的路灯不亮", "楼顶漏水", "有人在楼道里堆放杂物",
    "单元门的门禁坏了", "楼下有人乱停车挡住消防通道", "自来水发黄", "晚上广场舞太吵",
)
SENTENCES = (
    "{addr}{p}", "{addr}，{p}", "你好，我住{addr}，{p}", "我是{addr}的居民，{p}",
    "{p}，地址是{addr}", "反映一下{addr}{p}", "麻烦尽快处理：{addr} {p}",
    "{addr}这边{p}，请派人看看",
)


def cn_number(n: int) -> str:
    if n < 10:
        return CN[n]
    if n < 20:
        return "十" + (CN[n - 10] if n > 10 else "")
    return CN[n // 10] + "十" + (CN[n % 10] if n % 10 else "")


def cn_digits(n: int) -> str:
    return "".join(CN[int(d)] for d in str(n))


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


def main() -> None:
    rng = random.Random(4)
    rows = list(csv.DictReader(DEMO.open(encoding="utf-8")))
    compounds: dict[str, dict] = {}
    for row in rows:
        entry = compounds.setdefault(row["compound_code"], {
            "name": row["compound_name"], "aliases": [a for a in
                                                      row["compound_aliases"].split("|") if a],
            "community": row["community_name"], "street": row["street_name"],
            "plate": row["door_plate"], "buildings": {}, "named": {},
        })
        entry["buildings"][int(row["building_number"])] = (row["building_code"],
                                                           int(row["units"]))
        for alias in filter(None, row["building_aliases"].split("|")):
            entry["named"][alias] = row["building_code"]
    names = [c["name"] for c in compounds.values()]
    unique = [code for code, c in compounds.items() if names.count(c["name"]) == 1]
    twins = [code for code, c in compounds.items() if names.count(c["name"]) > 1]
    cases: list[dict] = []

    def pick(pool: list[str]) -> tuple[dict, int, str, int]:
        code = rng.choice(pool)
        c = compounds[code]
        n = rng.choice(sorted(c["buildings"]))
        building, units = c["buildings"][n]
        return c, n, building, units

    def add(text: str, building: str | None, note: str, **extra: object) -> None:
        case: dict[str, object] = {"text": text, "note": note}
        if building:
            case["building"] = building
        case.update({k: v for k, v in extra.items() if v is not None})
        cases.append(case)

    forms = (
        ("{X}{n}号楼", "bare"), ("{X}{n}栋", "bare"), ("{X}{n}幢", "bare"),
        ("{X}{n}#", "bare"), ("{X}{n}号楼", "bare"), ("{X}{cn}号楼", "chinese"),
        ("{X}第{cn}栋", "chinese"), ("{X}{cn}栋", "chinese"), ("{X}那个{n}栋", "filler"),
        ("{X}的{n}号楼", "filler"), ("{X}{fw}号楼", "fullwidth"), ("{X} {n} 号楼", "spaces"),
        ("{C}{X}{n}号楼", "community"), ("{S}{X}{n}栋", "street"),
        ("{S}{C}{X}{n}号楼", "street+community"), ("{plate}{X}{n}号楼", "door plate"),
    )
    for template, note in forms:
        for _ in range(7):
            c, n, building, _ = pick(unique)
            text = template.format(X=c["name"], n=n, cn=cn_number(n), fw=fullwidth(str(n)),
                                   C=c["community"], S=c["street"], plate=c["plate"])
            add(text, building, note)
    for _ in range(16):
        c, n, building, _ = pick([k for k in unique if compounds[k]["aliases"]])
        add(f"{rng.choice(c['aliases'])}{n}号楼", building, "alias")
    for _ in range(20):
        c, n, building, units = pick(unique)
        u, room = rng.randint(1, units), rng.randint(1, 6) * 100 + rng.randint(1, 2)
        style = rng.randrange(5)
        text = [f"{c['name']}{n}号楼{u}单元{room}",
                f"{c['name']}{n}-{u}-{room}",
                f"{c['name']}{cn_number(n)}号楼{cn_number(u)}单元{cn_digits(room)}",
                f"{c['name']}{n}栋{u}单元{room}室",
                f"{c['street']}{c['name']}{cn_number(n)}号楼{cn_number(u)}单元{room}"][style]
        add(text, building, "unit+room", unit=str(u), room=str(room))
    for _ in range(40):
        c, n, building, _ = pick(unique)
        addr = rng.choice(("{X}{n}号楼", "{X}{n}栋", "{X}{n}#", "{C}{X}{cn}号楼",
                           "{X}{n}号楼{u}单元")).format(
            X=c["name"], n=n, cn=cn_number(n), C=c["community"], u=1)
        text = rng.choice(SENTENCES).format(addr=addr, p=rng.choice(PROBLEMS))
        add(text, building, "sentence")
    typos = 0
    while typos < 30:
        c, n, building, _ = pick(unique)
        name = c["name"]
        positions = [i for i, ch in enumerate(name[:2]) if ch in HOMOPHONES]
        if not positions:
            continue
        i = rng.choice(positions)
        typo = name[:i] + HOMOPHONES[name[i]] + name[i + 1:]
        if typo in names:
            continue
        template = rng.choice(("{X}{n}号楼", "{X}{n}栋{p}", "{C}{X}{n}号楼"))
        alike = [other for other in set(names) if sound(other) == sound(typo)]
        ambiguous = len(alike) > 1 and "{C}" not in template
        add(template.format(X=typo, n=n, p=rng.choice(PROBLEMS), C=c["community"]), building,
            "typo (sounds like two compounds)" if ambiguous else "typo",
            status="need_community" if ambiguous else None)
        typos += 1
    for _ in range(8):
        c, n, building, _ = pick(unique)
        if c["name"].endswith("小区"):
            add(c["name"][:-2] + "小曲" + f"{n}号楼", building, "typo")
        else:
            add(c["name"][:1] + c["name"][2:] + f"{n}号楼", building, "typo (missing char)")
    for code in (k for k in unique if compounds[k]["named"]):
        c = compounds[code]
        for alias, building in c["named"].items():
            add(f"{c['name']}{alias}门口积水", building, "named building")
    for code in twins:
        c = compounds[code]
        for n in sorted(c["buildings"])[:4]:
            building = c["buildings"][n][0]
            add(f"{c['community']}锦园{n}号楼{rng.choice(PROBLEMS)}", building, "twin+community")
            add(f"{c['street']}锦园小区{cn_number(n)}栋", building, "twin+street")
            add(f"锦园小区{n}号楼", building, "twin, ask community", status="need_community")
            add(f"锦园{n}#{rng.choice(PROBLEMS)}", building, "twin hinted",
                hint=c["community"])
    for code in rng.sample(unique, 6):
        c = compounds[code]
        add(f"{c['name']}{rng.choice(PROBLEMS)}", None, "compound only",
            status="need_building", compound=code)
    add("锦园小区门口的路灯坏了", None, "twin compound only", status="need_community")
    add("城南社区锦园小区", None, "compound with community", status="need_building",
        compound="370303001001X01")
    add("城南社区的路灯坏了", None, "community only", status="need_building")
    for text in ("我家楼下有垃圾没人清理", "3月2号晚上停水了", "整栋楼都停电了",
                 "住在3楼，楼上天天漏水", "你好", "这一栋楼的人都没有水"):
        add(text, None, "no address", status="unknown")

    header = ("# Resolver test set: generated once by make_cases.py from the demo registry,\n"
              "# then kept as data. building: expected code; status defaults to resolved.\n")
    (HERE / "resolver_cases.yaml").write_text(
        header + yaml.safe_dump(cases, allow_unicode=True, sort_keys=False, width=120),
        encoding="utf-8")
    print(f"{len(cases)} cases")


if __name__ == "__main__":
    main()
