"""Tickets filed per second and outbox deliveries per second on PostgreSQL.

    uv run python bench/ticket_throughput.py [--tickets 2000] [--concurrency 4]
        [--server postgresql://postgres@127.0.0.1:5432]

A scratch database is created, migrated and loaded with the demo address registry, then
dropped. Filing goes through ``TicketService.file`` exactly as a flow calls it: number
allocation, routing through the AddressBook (building → grid → community → street and the
people in charge), the ticket row, its evidence, the event row, the staff outbox rows and
the incident check (category, place, window, text similarity). Then the queued outbox is
delivered by one dispatcher, and a second batch by two dispatchers on separate connection
pools (as two worker processes would), into collecting outputs. Printed: tickets/s,
rows written per ticket, deliveries/s for one and two dispatchers.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg
from sqlalchemy import func
from sqlmodel import select

from bot.addresses import AddressBook, import_csv
from bot.addresses.importer import iter_demo_files
from bot.addresses.models import AddrBuilding
from bot.config import PROJECT_ROOT
from bot.db import create_engine_for, make_session_factory, upgrade
from bot.ports import CollectingOutput, OutputRegistry
from bot.tickets import Catalog, Dispatcher, TicketDraft, TicketService
from bot.tickets.models import OutboxMessage, Ticket, TicketEvent

PROBLEMS = {
    "report_noise": ["楼上装修太吵了", "晚上广场舞音响太大声", "工地夜间施工噪音扰民"],
    "report_cooking_fumes": ["楼下烧烤店油烟太大", "饭店排烟管对着窗户", "夜市烧烤烟熏火燎"],
    "report_garbage": ["楼下垃圾堆了三天没人清运", "垃圾桶满了没人收", "绿化带里全是垃圾"],
    "report_illegal_parking": ["消防通道被车堵了", "有车堵在单元门口", "小区门口乱停车"],
    "report_traffic": ["学校门口早上堵得走不动", "红绿灯坏了一直闪黄灯", "斑马线看不清了"],
    "report_road_damage": ["路上有个大坑", "井盖松动了", "人行道砖都翘起来了"],
    "report_lighting": ["楼道灯坏了，晚上很黑", "路灯不亮好几天了", "单元楼道的声控灯不亮"],
    "report_water": ["家里停水了", "自来水发黄有异味", "楼下水管爆了一直在漏"],
    "report_power_gas": ["楼道里有燃气味", "整栋楼停电了", "电线耷拉下来很危险"],
    "report_heating": ["暖气一点都不热", "暖气片漏水了", "家里才十五度"],
    "report_property": ["电梯又坏了", "门禁卡刷不开", "物业乱收停车费"],
    "report_neighbor_dispute": ["楼上漏水到我家不管", "邻居在楼道堆杂物", "对门养狗天天叫"],
    "report_wage_arrears": ["工地老板拖欠工资三个月", "公司不给发工资", "辞职后不结工资"],
    "report_house_repair": ["屋顶漏雨", "外墙瓷砖掉下来了", "单元门坏了关不上"],
    "report_safety_hazard": ["楼道里有人给电动车充电", "有人私拉电线充电", "树枝快断了很危险"],
    "report_illegal_construction": ["一楼住户私自扩建院子", "楼顶有人搭彩钢房", "绿地被占了盖房子"],
    "report_consumer_rights": ["超市缺斤少两", "理发店办卡后跑路", "网购退款不给退"],
    "report_certificate": ["独生子女证怎么办", "居住证去哪里办理", "老年证需要什么材料"],
    "report_health": ["疫苗在哪里打", "家庭医生怎么签约", "社区卫生站几点开门"],
    "report_education": ["孩子上小学划片在哪", "幼儿园报名需要什么", "转学手续怎么办"],
    "report_greening": ["树太高挡住阳光了", "草坪被踩坏了没人管", "行道树该修剪了"],
    "report_animals": ["小区里流浪狗很多", "楼下流浪猫晚上叫", "有人遛狗不牵绳"],
}


async def file_tickets(
    service: TicketService, buildings: list[str], count: int, concurrency: int
) -> float:
    rng = random.Random(7)
    drafts = []
    for i in range(count):
        category = rng.choice(list(PROBLEMS))
        drafts.append(
            TicketDraft(
                category=category,
                description=rng.choice(PROBLEMS[category]),
                reporter_channel="web",
                reporter_id=f"bench-{i}",
                building_code=rng.choice(buildings),
                unit=str(rng.randint(1, 3)),
                room=str(rng.randint(101, 602)),
                evidence=[("image", f"uploads/{i}.jpg")] if i % 3 == 0 else [],
                source_message_id=f"bench-msg-{i}",
            )
        )
    queue: asyncio.Queue[TicketDraft] = asyncio.Queue()
    for draft in drafts:
        queue.put_nowait(draft)

    async def worker() -> None:
        while not queue.empty():
            await service.file(queue.get_nowait())

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


async def make_resident_pushes(service: TicketService, numbers: list[str]) -> None:
    for number in numbers:
        await service.claim(number, "bench")


async def deliver(url: str, workers: int) -> tuple[int, float]:
    sinks = [CollectingOutput(n) for n in ("web", "wecom", "console")]
    engines = [create_engine_for(url) for _ in range(workers)]
    try:
        dispatchers = [
            Dispatcher(
                make_session_factory(e), OutputRegistry({s.name: s for s in sinks}), batch_size=100
            )
            for e in engines
        ]
        started = time.perf_counter()
        reports = await asyncio.gather(*(d.drain() for d in dispatchers))
        elapsed = time.perf_counter() - started
    finally:
        for engine in engines:
            await engine.dispose()
    sent = sum(r.sent for r in reports)
    assert sent == sum(len(s.messages) for s in sinks)
    return sent, elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    args = parser.parse_args()

    name = f"minsheng_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(f"{args.server}/postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{args.server}/{name}"
    engine = create_engine_for(url, pool_size=args.concurrency)
    try:
        await upgrade(url)
        sessions = make_session_factory(engine)
        for path in iter_demo_files(PROJECT_ROOT / "training_data" / "addresses"):
            await import_csv(sessions, path)
        book = await AddressBook.load(sessions)
        async with sessions() as session:
            buildings = list(await session.exec(select(AddrBuilding.code)))
        service = TicketService(
            sessions, Catalog.load(PROJECT_ROOT / "training_data" / "catalog.yml"), book
        )

        elapsed = await file_tickets(service, buildings, args.tickets, args.concurrency)
        async with sessions() as session:
            tickets = (await session.exec(select(func.count()).select_from(Ticket))).one()
            events = (await session.exec(select(func.count()).select_from(TicketEvent))).one()
            outbox = (await session.exec(select(func.count()).select_from(OutboxMessage))).one()
            numbers = list(await session.exec(select(Ticket.number).order_by(Ticket.id)))
        assert tickets == args.tickets
        print(f"PostgreSQL, {len(buildings)} buildings, {args.concurrency} concurrent filers")
        print(
            f"filing:     {tickets} tickets in {elapsed:.2f} s = "
            f"{tickets / elapsed:,.0f} tickets/s "
            f"({events / tickets:.2f} events, {outbox / tickets:.2f} outbox rows per ticket)"
        )

        one_sent, one_elapsed = await deliver(url, 1)
        print(
            f"delivery:   1 dispatcher  {one_sent} messages in {one_elapsed:.2f} s = "
            f"{one_sent / one_elapsed:,.0f} messages/s"
        )
        await make_resident_pushes(service, numbers)  # one "accepted" push per ticket + staff
        two_sent, two_elapsed = await deliver(url, 2)
        print(
            f"delivery:   2 dispatchers {two_sent} messages in {two_elapsed:.2f} s = "
            f"{two_sent / two_elapsed:,.0f} messages/s"
        )
    finally:
        await engine.dispose()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
