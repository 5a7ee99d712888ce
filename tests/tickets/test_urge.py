"""催办: a resident pressing for their open ticket is recorded on it, reminds its handlers
(not more than once in two hours), and is refused for strangers and finished tickets."""

from __future__ import annotations

import pytest

from bot.errors import InvalidTransition, TicketNotFound
from tests.tickets.conftest import World


async def staff_urge_notices(world: World) -> list[tuple[str, str]]:
    return [
        (m.recipient_id, m.text)
        for m in await world.outbox(audience="staff")
        if m.text.startswith("【居民催办】")
    ]


async def test_urging_records_counts_and_reminds_the_handlers(world: World) -> None:
    s = world.service
    number = (await s.file(world.draft())).number
    world.clock.advance(hours=30)
    urged = await s.urge(number, "web", "resident-1", "都三天了还没修  怎么还没人来")
    view = urged.ticket
    assert urged.staff_notified
    assert (view.status, view.urge_count, view.last_urged_at) == ("submitted", 1, world.clock.now)
    last = view.history[-1]
    assert (last.kind, last.actor, last.note) == ("urged", "居民", "都三天了还没修 怎么还没人来")
    notices = await staff_urge_notices(world)
    # The same people filing reached: the grid worker and the community secretary.
    assert sorted(r for r, _ in notices) == ["gw-g1", "sec-c1"]
    assert all(number in t and "都三天了还没修" in t and "第 1 次" in t for _, t in notices)
    # Nothing is pushed to the resident by the urging itself (the flow answers them).
    assert len(await world.outbox(audience="resident")) == 0


async def test_urging_again_soon_is_recorded_without_a_new_notice(world: World) -> None:
    s = world.service
    number = (await s.file(world.draft())).number
    assert (await s.urge(number, "web", "resident-1", "催一下")).staff_notified
    world.clock.advance(minutes=30)
    again = await s.urge(number, "web", "resident-1", "能不能快点")
    assert not again.staff_notified
    assert again.ticket.urge_count == 2
    assert [e.note for e in again.ticket.urgings] == ["能不能快点", "催一下"]
    assert len(await staff_urge_notices(world)) == 2  # two handlers, one round
    world.clock.advance(hours=2, minutes=1)
    third = await s.urge(number, "web", "resident-1", "还是没人来")
    assert third.staff_notified and third.ticket.urge_count == 3
    notices = await staff_urge_notices(world)
    assert len(notices) == 4 and "第 3 次" in notices[-1][1]


async def test_supporters_may_urge_strangers_may_not(world: World) -> None:
    s = world.service
    number = (await s.file(world.draft())).number
    with pytest.raises(TicketNotFound):
        await s.urge(number, "web", "stranger", "怎么还没人来")
    await s.follow(number, "web", "neighbour")
    assert (await s.urge(number, "web", "neighbour", "我也催一下")).ticket.urge_count == 1
    with pytest.raises(TicketNotFound):
        await s.urge("20990101-0001", "web", "resident-1", "催一下")


async def test_finished_tickets_are_not_urged(world: World) -> None:
    s = world.service
    number = (await s.file(world.draft())).number
    await s.resolve(number, "张网格", "已修好")
    before = await world.outbox()
    with pytest.raises(InvalidTransition):
        await s.urge(number, "web", "resident-1", "太慢了")
    assert len(await world.outbox()) == len(before)
    assert (await s.get(number)).urge_count == 0


async def test_an_escalated_ticket_reminds_its_current_tier(world: World) -> None:
    s = world.service
    number = (await s.file(world.draft())).number
    await s.escalate(number, "李书记", "需要街道协调")
    await s.urge(number, "web", "resident-1", "你们处理得太慢了 我要投诉")
    assert [r for r, _ in await staff_urge_notices(world)] == ["street-s1"]
