"""High-frequency clusters: formation by category, place, time and text; red at the
threshold with the street told at once; resolution fanned out to every reporter."""

from __future__ import annotations

from pathlib import Path

from bot.config import load_settings
from bot.tickets import TicketPolicy, TicketService, jobs
from bot.tickets.clusters import similarity
from tests.tickets.conftest import B1, B2, B3, B4, World, make_world

LAMP = "report_lighting"


def test_similarity_reads_chinese_without_a_tokenizer() -> None:
    bar = TicketPolicy().cluster_similarity
    same = [
        ("1号楼楼道灯坏了", "楼道灯坏了好几天了"),
        ("路灯不亮，晚上很黑", "路口的路灯坏了不亮"),
        ("学校门口早上堵车严重", "实验小学上学时间门口太堵了"),
        ("华光路上有个大坑", "华光路路面塌陷了一个坑"),
    ]
    different = [
        ("楼道灯坏了", "楼上装修噪音太大"),
        ("楼道灯坏了，晚上很黑", "小区门口垃圾堆了三天没人清运"),
        ("楼道灯坏了，晚上很黑", "小区路灯不亮"),
    ]
    assert all(similarity(a, b) >= bar for a, b in same)
    assert all(similarity(a, b) < bar for a, b in different)
    assert similarity("楼道灯坏了", "楼道灯坏了") == 1.0


def test_default_threshold_is_five_and_configurable() -> None:
    assert TicketPolicy.from_settings(load_settings()).cluster_min_reporters == 5
    assert (
        TicketPolicy.from_settings(
            load_settings(ticket_cluster_min_reporters=7)
        ).cluster_min_reporters
        == 7
    )


async def report(
    world: World,
    who: str,
    building: str = B1,
    text: str = "楼道灯坏了，晚上很黑",
    category: str = LAMP,
) -> str:
    view = await world.service.file(
        world.draft(reporter_id=who, building_code=building, description=text, category=category)
    )
    return view.number


async def test_similar_reports_form_an_incident_that_turns_red(world: World) -> None:
    s = world.service  # threshold 3 in this world
    first = await report(world, "r1")
    assert (await s.get(first)).incident_id is None
    world.clock.advance(minutes=20)
    second = await report(world, "r2", B2, "2号楼这边楼道灯也坏了")  # same grid
    incident_id = (await s.get(second)).incident_id
    assert incident_id is not None and (await s.get(first)).incident_id == incident_id
    assert (await s.incident(incident_id)).urgency == "normal"
    assert not [m for m in await world.outbox(audience="staff") if "高频" in m.text]

    world.clock.advance(minutes=20)
    third = await report(world, "r3", B3, "楼道里的灯坏了很黑")  # next grid, ~150 m away
    incident = await s.incident(incident_id)
    assert incident.urgency == "red" and incident.reporters == 3
    assert incident.ticket_numbers == (first, second, third)
    for number in (first, second, third):
        assert (await s.get(number)).urgency == "red"
    street = [
        m for m in await world.outbox(audience="staff") if m.text.startswith("【红色高频事件】")
    ]
    assert [m.recipient_id for m in street] == ["street-s1"]
    assert "3 位居民" in street[0].text and first in street[0].text and third in street[0].text
    red_pushes = [m for m in await world.outbox(audience="resident") if "高频事件" in m.text]
    assert sorted(m.recipient_id for m in red_pushes) == ["r1", "r2", "r3"]

    # A fourth report joins the red incident and is red at once; the street is not re-told.
    fourth = await report(world, "r4", B2, "楼道灯坏了")
    assert (await s.get(fourth)).urgency == "red"
    assert (await s.incident(incident_id)).reporters == 4
    assert len([m for m in await world.outbox(audience="staff") if "高频" in m.text]) == 1


async def test_what_does_not_cluster(world: World) -> None:
    s = world.service
    base = await report(world, "r1")
    others = [
        await report(world, "r2", B4),  # 2 km away in another community
        await report(world, "r3", B1, "楼上装修噪音太大", category="report_noise"),
        await report(world, "r4", B1, "小区门口垃圾堆了三天没人清运"),  # different text
    ]
    world.clock.advance(hours=25)  # outside the 24 h window
    others.append(await report(world, "r5"))
    for number in (base, *others):
        assert (await s.get(number)).incident_id is None


async def test_followers_count_as_reporters(world: World) -> None:
    s = world.service
    first = await report(world, "r1")
    await report(world, "r2", B2)
    incident_id = (await s.get(first)).incident_id
    assert incident_id is not None
    await s.follow(first, "r1-channel", "r1")  # same id on another channel is another person
    assert (await s.incident(incident_id)).urgency == "red"


async def test_resolving_the_incident_resolves_and_tells_everyone(world: World) -> None:
    s = world.service
    numbers = [await report(world, f"r{i}", B1 if i % 2 else B2) for i in range(1, 5)]
    await s.follow(numbers[0], "wechat", "follower")
    await s.claim(numbers[1], "张网格")
    incident_id = (await s.get(numbers[0])).incident_id
    assert incident_id is not None
    before = len(await world.outbox(audience="resident"))
    incident = await s.resolve_incident(incident_id, "东风街道", "已统一更换楼道照明线路")
    assert incident.status == "resolved" and incident.resolved_at == world.clock()
    for number in numbers:
        view = await s.get(number)
        assert view.status == "resolved" and view.history[-1].kind == "incident"
    pushes = (await world.outbox(audience="resident"))[before:]
    assert sorted(m.recipient_id for m in pushes) == ["follower", "r1", "r2", "r3", "r4"]
    assert all("已统一更换楼道照明线路" in m.text for m in pushes)


async def test_cluster_check_catches_reports_that_missed_each_other(
    database_url: str, tmp_path: Path
) -> None:
    # Filing with an impossible similarity bar stands in for two workers that filed at
    # the same instant and did not see each other; the scheduled check, run by a service
    # with the normal policy on the same database, joins them.
    world = await make_world(database_url, tmp_path, TicketPolicy(cluster_similarity=2.0))
    try:
        a = await report(world, "r1")
        b = await report(world, "r2", B2)
        assert (await world.service.get(a)).incident_id is None
        checker = TicketService(
            world.sessions, world.catalog, world.book, clock=world.clock, policy=TicketPolicy()
        )
        assert await jobs.cluster_check(checker, world.clock()) == 1
        ids = {(await checker.get(n)).incident_id for n in (a, b)}
        assert len(ids) == 1 and None not in ids
        assert await jobs.cluster_check(checker, world.clock()) == 0
    finally:
        await world.engine.dispose()


async def anonymous_report(world: World, who: str, client: str, building: str = B1) -> str:
    """A report as the web channel files it: an unverified sender from a hashed client."""
    view = await world.service.file(
        world.draft(
            reporter_id=who,
            building_code=building,
            description="楼道灯坏了，晚上很黑",
            reporter_client=client,
            reporter_verified=False,
        )
    )
    return view.number


async def test_invented_senders_from_one_client_never_turn_red(world: World) -> None:
    s = world.service  # threshold 3 in this world
    numbers = [await anonymous_report(world, f"fake-{i}", "ip:aaaa") for i in range(5)]
    incident_id = (await s.get(numbers[0])).incident_id
    assert incident_id is not None
    incident = await s.incident(incident_id)
    assert incident.urgency == "normal" and incident.reporters == 5
    assert not [m for m in await world.outbox(audience="staff") if "高频" in m.text]
    # Following from the same client adds nothing either.
    await s.follow(numbers[0], "web", "fake-9", client_key="ip:aaaa", verified=False)
    assert (await s.incident(incident_id)).urgency == "normal"


async def test_people_behind_one_client_count_once(world: World) -> None:
    s = world.service
    # Three verified residents behind one client (one shared phone): one resident.
    numbers = [
        (await s.file(world.draft(reporter_id=f"v{i}", reporter_client="dev:1"))).number
        for i in range(3)
    ]
    incident_id = (await s.get(numbers[0])).incident_id
    assert incident_id is not None
    await s.file(world.draft(reporter_id="v8", reporter_client="dev:2", building_code=B2))
    assert (await s.incident(incident_id)).urgency == "normal"  # two clients: 2 < 3
    await s.file(world.draft(reporter_id="v9", reporter_client="dev:3", building_code=B2))
    assert (await s.incident(incident_id)).urgency == "red"


async def test_anonymous_senders_weigh_less_than_verified_ones(world: World) -> None:
    s = world.service
    # Three anonymous residents from three clients weigh 1.5 < 3: not red yet.
    numbers = [await anonymous_report(world, f"a{i}", f"ip:{i}") for i in range(3)]
    incident_id = (await s.get(numbers[0])).incident_id
    assert incident_id is not None
    assert (await s.incident(incident_id)).urgency == "normal"
    # Three more from other clients: 3.0, red.
    for i in range(3, 6):
        await anonymous_report(world, f"a{i}", f"ip:{i}", B2)
    assert (await s.incident(incident_id)).urgency == "red"


def test_plausible_weight_caps_clients_and_channels() -> None:
    from bot.tickets.clusters import Resident, plausible_weight

    policy = TicketPolicy(cluster_unverified_channel_cap=1.0)
    web = [Resident("web", f"u{i}", f"ip:{i}", False) for i in range(6)]
    assert plausible_weight(web, TicketPolicy()) == 3.0
    assert plausible_weight(web, policy) == 1.0  # at most 1 from anonymous web senders
    one_client = [Resident("web", f"u{i}", "ip:x", False) for i in range(6)]
    assert plausible_weight(one_client, TicketPolicy()) == 1.0
    mixed = [Resident("wechat", "o1", "ip:x", True), Resident("web", "u1", "ip:x", False)]
    assert plausible_weight(mixed, TicketPolicy()) == 1.0
    assert plausible_weight([Resident("wechat", "o1", None, True)], policy) == 1.0


async def test_orders_older_than_the_window_are_history_not_an_incident(world: World) -> None:
    # A hotline's export of last month, imported today: similar orders in one place, but
    # reported long before the cluster window; they must not found an incident.
    from datetime import timedelta

    old = world.clock.now - timedelta(days=20)
    numbers = [
        (
            await world.service.file(
                world.draft(reporter_id=f"caller-{i}", source_message_id=f"o{i}", reported_at=old)
            )
        ).number
        for i in range(4)
    ]
    assert [(await world.service.get(n)).incident_id for n in numbers] == [None] * 4
    # The same orders received just now are clustered as ever.
    recent = world.clock.now - timedelta(hours=1)
    fresh = [
        (
            await world.service.file(
                world.draft(
                    reporter_id=f"caller-{i}", source_message_id=f"n{i}", reported_at=recent
                )
            )
        ).number
        for i in range(2)
    ]
    assert (await world.service.get(fresh[1])).incident_id is not None
