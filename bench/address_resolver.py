"""Resolver accuracy and latency on a generated district of 25,000 buildings.

    uv run python bench/address_resolver.py [--buildings 25000] [--queries 3000]

The registry comes from the same generator as the demo (names drawn independently per
community, so some compound names repeat across communities, as in a real district). Each
query is a resident-style phrasing of one random building: bare address, Chinese numerals,
unit and room, a whole complaint sentence, a homophone typo, with or without the community
or street in front. Printed:

* top-1: resolved, and the first candidate is the building;
* top-3: the building is among the first three candidates (a question would offer it);
* asked: the resolver asked (need_community / need_building) instead of guessing;
* wrong: it resolved to another building (the costly error: a misrouted ticket);
* latency of ``resolve`` (median, p99, max) and of ``nearest``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.addresses import AddressBook
from bot.addresses.importer import parse_buildings
from bot.addresses.synthetic import bench_spec, generate

CN = "零一二三四五六七八九"
HOMOPHONES = {
    "园": "圆",
    "苑": "院",
    "锦": "金",
    "华": "花",
    "居": "局",
    "庭": "亭",
    "馨": "新",
    "雅": "亚",
    "兰": "蓝",
    "柳": "刘",
    "凤": "风",
    "丽": "力",
    "景": "井",
    "宝": "保",
    "嘉": "家",
    "怡": "宜",
    "书": "树",
    "盛": "胜",
    "荣": "容",
    "紫": "子",
    "银": "印",
    "西": "希",
    "湖": "胡",
    "清": "青",
    "长": "常",
    "安": "按",
    "兴": "星",
    "康": "糠",
    "福": "幅",
    "泰": "太",
    "德": "得",
    "和": "河",
    "松": "送",
    "竹": "主",
    "梅": "没",
    "桂": "贵",
    "杏": "幸",
    "桃": "陶",
    "玉": "遇",
    "鑫": "新",
    "翠": "脆",
    "碧": "必",
}
PROBLEMS = (
    "楼道灯坏了，晚上很黑",
    "楼下垃圾没人清理",
    "暖气不热",
    "电梯坏了",
    "下水道堵了",
    "楼顶漏水",
    "单元门门禁坏了",
    "自来水发黄",
)


def cn_number(n: int) -> str:
    if n < 10:
        return CN[n]
    if n < 20:
        return "十" + (CN[n - 10] if n > 10 else "")
    return CN[n // 10] + "十" + (CN[n % 10] if n % 10 else "")


def phrase(rng: random.Random, row: dict[str, str]) -> str:
    name, n = row["compound_name"], int(row["building_number"])
    if rng.random() < 0.1:
        i = rng.randrange(min(2, len(name)))
        if name[i] in HOMOPHONES:
            name = name[:i] + HOMOPHONES[name[i]] + name[i + 1 :]
    roll = rng.random()
    prefix = (
        row["community_name"]
        if roll < 0.35
        else row["street_name"] + row["community_name"]
        if roll < 0.45
        else ""
    )
    form = rng.choice(
        (
            "{X}{n}号楼",
            "{X}{n}栋",
            "{X}{n}#",
            "{X}{cn}号楼",
            "{X}第{cn}栋",
            "{X}{n}号楼{u}单元{room}",
            "{X}{n}-{u}-{room}",
            "{X}那个{n}栋",
        )
    )
    addr = prefix + form.format(
        X=name,
        n=n,
        cn=cn_number(n),
        u=rng.randint(1, 3),
        room=rng.randint(1, 6) * 100 + rng.randint(1, 2),
    )
    if rng.random() < 0.4:
        return rng.choice(("{a}{p}", "你好，我住{a}，{p}", "{p}，地址是{a}")).format(
            a=addr, p=rng.choice(PROBLEMS)
        )
    return addr


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--buildings", type=int, default=25_000)
    parser.add_argument("--queries", type=int, default=3_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    t0 = time.perf_counter()
    data = generate(bench_spec(args.buildings))
    rows = [(i + 2, row) for i, row in enumerate(data.buildings)]
    registry, bad = parse_buildings(rows)
    t1 = time.perf_counter()
    book = AddressBook.from_registry(registry)
    t2 = time.perf_counter()
    names = Counter((r["community_code"], r["compound_name"]) for r in data.buildings)
    distinct = Counter(name for _, name in names)
    print(
        f"registry: {len(book)} buildings, {len(registry.areas['compound'])} compounds "
        f"({sum(1 for c in distinct.values() if c > 1)} names shared by several), "
        f"{len(registry.areas['grid'])} grids, {len(registry.areas['community'])} "
        f"communities; bad rows {len(bad)}"
    )
    print(f"generate+validate {t1 - t0:.2f} s, build index {t2 - t1:.2f} s")

    rng = random.Random(args.seed)
    sample = [rng.choice(data.buildings) for _ in range(args.queries)]
    queries = [(phrase(rng, row), row["building_code"]) for row in sample]
    for text, _ in queries[:50]:  # warm caches (pinyin per character) before timing
        book.resolve(text)
    latencies: list[float] = []
    top1 = top3 = asked = wrong = 0
    wrong_examples: list[str] = []
    statuses: Counter[str] = Counter()
    for text, expected in queries:
        start = time.perf_counter_ns()
        result = book.resolve(text)
        latencies.append((time.perf_counter_ns() - start) / 1e6)
        statuses[result.status] += 1
        codes = [c.building_code for c in result.candidates]
        if result.status == "resolved" and codes[:1] == [expected]:
            top1 += 1
        if expected in codes[:3]:
            top3 += 1
        if result.status in {"need_community", "need_building"}:
            asked += 1
        if result.status == "resolved" and codes[:1] != [expected]:
            wrong += 1
            if len(wrong_examples) < 5:
                wrong_examples.append(f"{text} -> {codes[:1]} (expected {expected})")
    n = len(queries)
    print(
        f"queries: {n}  top-1 {top1 / n:.1%}  top-3 {top3 / n:.1%}  asked {asked / n:.1%}  "
        f"wrong {wrong / n:.1%}  statuses {dict(statuses)}"
    )
    for example in wrong_examples:
        print(f"  wrong: {example}")
    print(
        f"resolve latency ms: median {statistics.median(latencies):.3f}  "
        f"p99 {percentile(latencies, 0.99):.3f}  max {max(latencies):.3f}  "
        f"mean {statistics.fmean(latencies):.3f}"
    )
    pins = [
        (float(r["lat"]) + rng.uniform(-3e-4, 3e-4), float(r["lng"]) + rng.uniform(-3e-4, 3e-4))
        for r in sample[:1000]
    ]
    near: list[float] = []
    for lat, lng in pins:
        start = time.perf_counter_ns()
        book.nearest(lat, lng, 3)
        near.append((time.perf_counter_ns() - start) / 1e6)
    print(
        f"nearest(k=3) latency ms: median {statistics.median(near):.3f}  "
        f"p99 {percentile(near, 0.99):.3f}"
    )


if __name__ == "__main__":
    main()
