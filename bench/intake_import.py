"""12345 order import speed: a synthetic export of N orders, imported on SQLite and PostgreSQL.

    uv run python bench/intake_import.py [--orders 100000] [--jobs 4] [--no-sqlite] [--no-postgres]
        [--server postgresql://postgres@127.0.0.1:5432]

The export is generated here, at bench time, as a GB18030 CSV in a hotline vendor's shape
(title row, Chinese headers): addresses built from the demo registry's buildings, roads
and compounds (a standard address, a compound and building, a road, a compound's gate, and
a few places nobody knows), texts from per-category templates with varied details, the
source's category on most orders ("城市管理-路灯与楼道灯", a catalog name, a near name) and
none on the rest (predicted by the NLU). Each database gets a scratch copy (a SQLite file
in a temporary directory; a PostgreSQL database created and dropped) with the demo
registry loaded, then ``minsheng intake import``'s own code runs twice: the first import
(orders/s filed), and the re-import (every order a duplicate).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import random
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg

from bot.config import PROJECT_ROOT, load_settings
from bot.intake.cli import import_file
from bot.intake.sources import SourceRegistry
from bot.nlu_setup import ensure_model

BUILDINGS = PROJECT_ROOT / "training_data" / "addresses" / "buildings.csv"

# (category text the hotline uses, texts a caller says about it)
TOPICS: list[tuple[str, list[str]]] = [
    ("城市管理-路灯与楼道灯", ["{place}楼道灯坏了{days}，晚上上下楼很黑",
                            "{place}门口路灯不亮{days}了"]),
    ("环境保护-噪音扰民", ["{place}楼下每天晚上{hour}点以后还有广场舞，音响声音很大",
                        "{place}附近工地夜间施工，电钻声吵得睡不着"]),
    ("垃圾清运", ["{place}的垃圾桶满了{days}没人清运，味道很大", "{place}楼道里堆满了杂物和垃圾"]),
    ("供水与排水", ["{place}停水{days}了，没有接到通知", "{place}下水道堵了，污水冒到路面上"]),
    ("供暖问题", ["{place}暖气不热，室温只有{temp}度", "{place}家里暖气片漏水"]),
    ("道路与井盖损坏", ["{place}有个井盖松动，车一压就响", "{place}路面塌了一个坑，很危险"]),
    ("违停与占道", ["{place}消防通道被车堵住了", "{place}门口有车长期占道停放"]),
    ("物业服务", ["{place}物业不给修电梯，已经坏了{days}", "{place}物业乱收停车费"]),
    ("流浪动物", ["{place}有好几只流浪狗，晚上追人", "{place}邻居养的狗整夜叫"]),
    ("油烟污染", ["{place}楼下饭店油烟直排，熏得不能开窗", "{place}烧烤摊油烟很大"]),
    ("绿化与树木修剪", ["{place}的树枝挡住了窗户，请修剪", "{place}绿化带里的树倒了"]),
    ("拖欠工资", ["在{place}附近工地干活，老板拖欠工资{days}"]),
]
DAYS = ["两天", "三天", "一个星期", "半个月", "好几天"]
NAMES = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"]
TITLES = ["先生", "女士", "阿姨", "师傅"]
GATES = ["东门", "西门", "南门", "北门", "门口"]
UNKNOWN = ["火星基地三号舱", "不知道什么地方", "老城区那边", "村东头"]


@dataclass(frozen=True, slots=True)
class Building:
    street: str
    community: str
    compound: str
    name: str
    road: str


def buildings() -> list[Building]:
    out = []
    with BUILDINGS.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            plate = row["door_plate"]
            road = plate.rstrip("0123456789号")
            out.append(
                Building(
                    row["street_name"],
                    row["community_name"],
                    row["compound_name"],
                    row["building_name"],
                    road,
                )
            )
    return out


def address_of(rng: random.Random, b: Building) -> tuple[str, str]:
    """(address column, how the caller names the place in the text)."""
    roll = rng.random()
    if roll < 0.55:
        unit = f"{rng.randint(1, 3)}单元" if rng.random() < 0.3 else ""
        return f"张店区{b.street}{b.community}{b.compound}{b.name}{unit}", f"{b.compound}{b.name}"
    if roll < 0.70:
        return f"{b.community}{b.compound}{b.name}", f"{b.compound}{b.name}"
    if roll < 0.82:
        return f"{b.road}", b.road
    if roll < 0.97:
        return f"{b.community}{b.compound}{rng.choice(GATES)}", b.compound
    place = rng.choice(UNKNOWN)
    return place, place


def write_export(path: Path, count: int, seed: int = 12345) -> None:
    rng = random.Random(seed)
    pool = buildings()
    start = datetime(2026, 11, 1, 8, 0)
    with path.open("w", encoding="gb18030", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["张店区12345政务服务便民热线工单明细（合成数据，仅供测试）"])
        writer.writerow(["序号", "工单编号", "受理时间", "来电人", "联系电话", "诉求类型",
                         "诉求内容", "事发地址"])  # fmt: skip
        for i in range(count):
            b = rng.choice(pool)
            address, place = address_of(rng, b)
            category, templates = rng.choice(TOPICS)
            text = rng.choice(templates).format(
                place=place, days=rng.choice(DAYS), hour=rng.randint(8, 11),
                temp=rng.randint(12, 16),
            )  # fmt: skip
            shown = category if rng.random() < 0.8 else ""
            when = start + timedelta(seconds=rng.randint(0, 29 * 86400))
            phone = f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}"
            writer.writerow(
                [i + 1, f"ZD{when:%y%m%d}{i:06d}", f"{when:%Y-%m-%d %H:%M:%S}",
                 rng.choice(NAMES) + rng.choice(TITLES), phone, shown, text, address]
            )  # fmt: skip


async def measure(
    label: str, url: str, export: Path, workdir: Path, count: int, digest: str, jobs: int
) -> None:
    settings = load_settings(
        database_url=url,
        var_dir=workdir / "var",
        model_dir=workdir / "models",
        nlu_trusted_digests=[digest],
    )
    from bot.db import create_engine_for, make_session_factory
    from bot.db.migrate import upgrade

    await upgrade(url)
    engine = create_engine_for(url)
    try:
        await SourceRegistry(make_session_factory(engine)).add("12345", "12345热线")
    finally:
        await engine.dispose()
    lines: list[str] = []
    for run in ("first import", "re-import"):
        lines.clear()
        started = time.perf_counter()
        await import_file(settings, export, "12345", jobs=jobs, out=lines.append)
        elapsed = time.perf_counter() - started
        print(
            f"{label} {run} (jobs {jobs}): {count:,} orders in {elapsed:.1f} s = "
            f"{count / elapsed:,.0f} orders/s — {lines[-1]}",
            flush=True,
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--jobs", type=int, default=4, help="orders in flight (import --jobs)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        export = workdir / "12345.csv"
        started = time.perf_counter()
        write_export(export, args.orders)
        size = export.stat().st_size / 1e6
        print(
            f"generated {args.orders:,} orders ({size:.1f} MB GB18030 CSV) in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
        # The NLU model trained once, before any clock runs (and pinned as trusted).
        model = ensure_model(load_settings(model_dir=workdir / "models"))
        digest = model.artifact_digest or ""
        if not args.no_sqlite:
            url = f"sqlite:///{workdir / 'bench.db'}"
            await measure("SQLite", url, export, workdir, args.orders, digest, args.jobs)
        if not args.no_postgres:
            name = f"minsheng_bench_{uuid.uuid4().hex[:8]}"
            admin = await asyncpg.connect(f"{args.server}/postgres")
            await admin.execute(f'CREATE DATABASE "{name}"')
            try:
                url = f"{args.server}/{name}"
                await measure("PostgreSQL", url, export, workdir, args.orders, digest, args.jobs)
            finally:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
