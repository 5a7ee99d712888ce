"""A ticket's life through the service: every change is an event row plus pushes, illegal
moves change nothing, deadlines escalate tier by tier, secretaries dispatch departments,
residents rate, and unrated tickets are reminded and closed."""

from __future__ import annotations

import json

import pytest

from bot.errors import BadInput, InvalidTransition
from bot.tickets import jobs
from bot.tickets.clock import deadline_text
from tests.tickets.conftest import World, local


async def resident_texts(world: World) -> list[str]:
    return [m.text for m in await world.outbox(audience="resident")]


async def test_happy_path_announces_every_change(world: World) -> None:
    s = world.service
    number = (await s.file(world.draft())).number
    await s.claim(number, "张网格")
    world.clock.advance(hours=1)
    await s.start(number, "张网格")
    world.clock.advance(hours=2)
    resolved = await s.resolve(number, "张网格", "已更换楼道灯")
    assert (resolved.status, resolved.resolved_tier) == ("resolved", "community")
    closed = await s.rate(number, 5, "很及时")
    assert (closed.status, closed.rating) == ("closed", 5)

    assert [(e.kind, e.from_status, e.to_status, e.actor) for e in closed.history] == [
        ("filed", None, "submitted", "居民"),
        ("status", "submitted", "accepted", "张网格"),
        ("status", "accepted", "in_progress", "张网格"),
        ("status", "in_progress", "resolved", "张网格"),
        ("rated", "resolved", "closed", "居民"),
    ]
    assert [e.at for e in closed.history][-2] == local(2026, 11, 18, 13, 0)
    pushes = await world.outbox(audience="resident")
    assert [m.recipient_id for m in pushes] == ["resident-1"] * 4
    texts = [m.text for m in pushes]
    assert f"（工单号 {number}）已受理" in texts[0] and "东风社区" in texts[0]
    assert deadline_text(closed.deadline) in texts[0]  # a date, weekday and time
    assert "正在办理中" in texts[1]
    assert "已办结：已更换楼道灯" in texts[2]
    assert json.loads(pushes[2].buttons or "[]") == [
        ["满意", "满意"],
        ["基本满意", "基本满意"],
        ["不满意", "不满意"],
    ]
    assert "归档" in texts[3]


async def test_illegal_moves_are_refused_and_change_nothing(world: World) -> None:
    s = world.service
    number = (await s.file(world.draft())).number
    await s.resolve(number, "张网格", "已修好")
    before = await world.outbox()
    with pytest.raises(InvalidTransition, match="from resolved to accepted"):
        await s.claim(number, "张网格")
    with pytest.raises(InvalidTransition, match="from resolved to in_progress"):
        await s.dispatch(number, "municipal", "李书记")
    with pytest.raises(InvalidTransition, match="unknown ticket status"):
        await s.transition(number, "done", "张网格")
    with pytest.raises(InvalidTransition, match="only resolved tickets are rated"):
        await s.rate((await s.file(world.draft(reporter_id="r2"))).number, 5)
    view = await s.get(number)
    assert view.status == "resolved" and len(view.history) == 2
    assert len(await world.outbox()) == len(before) + 2  # only the second filing's notices
    with pytest.raises(BadInput):
        await s.rate(number, 9)


async def test_rejection_tells_the_resident_why(world: World) -> None:
    s = world.service
    number = (await s.file(world.draft())).number
    with pytest.raises(InvalidTransition, match="needs a reason"):
        await s.reject(number, "李书记", " ")
    view = await s.reject(number, "李书记", "属于物业维修范围，已告知物业")
    assert view.status == "rejected" and view.status_note == "属于物业维修范围，已告知物业"
    assert "未予受理，原因：属于物业维修范围" in (await resident_texts(world))[-1]


async def test_unsatisfied_rating_reopens_with_a_new_deadline(world: World) -> None:
    s = world.service
    number = (await s.file(world.draft())).number
    await s.resolve(number, "张网格", "已修好")
    world.clock.now = local(2026, 11, 19, 16, 0)  # Thursday 16:00
    view = await s.rate(number, 1, "灯还是不亮")
    assert view.status == "reopened" and view.rating == 1
    assert view.deadline == local(2026, 11, 24, 16, 0)  # 21 working hours from now
    assert view.resolved_tier is None
    assert "已重新办理（灯还是不亮）" in (await resident_texts(world))[-1]
    staff = await world.outbox(audience="staff")
    assert {m.recipient_id for m in staff[-2:]} == {"gw-g1", "sec-c1"}
    assert "居民不满意：灯还是不亮" in staff[-1].text


async def test_deadlines_escalate_tier_by_tier_then_flag_overdue(world: World) -> None:
    s = world.service
    filed = await s.file(world.draft())  # community, due Mon 23rd 10:00
    assert await jobs.escalate_overdue(s, world.clock()) == 0

    world.clock.now = local(2026, 11, 23, 10, 1)
    assert await jobs.escalate_overdue(s, world.clock()) == 1
    street = await s.get(filed.number)
    assert (street.status, street.tier, street.responsible_unit) == (
        "escalated",
        "street",
        "东风街道",
    )
    assert street.deadline == local(2026, 11, 26, 10, 1)  # a fresh 21 working hours
    staff = await world.outbox(audience="staff")
    assert staff[-1].recipient_id == "street-s1" and staff[-1].text.startswith("【提级工单】")
    assert "已由社区提交东风街道办理" in staff[-1].text
    assert "已提级至东风街道办理" in (await resident_texts(world))[-1]

    world.clock.now = local(2026, 11, 26, 11, 0)
    assert await jobs.escalate_overdue(s, world.clock()) == 1
    district = await s.get(filed.number)
    assert (district.tier, district.responsible_unit) == ("district", "测试区")
    assert (await world.outbox(audience="staff"))[-1].recipient_id == "unit:370399"

    world.clock.now = local(2026, 12, 31, 11, 0)
    assert await jobs.escalate_overdue(s, world.clock()) == 1
    flagged = await s.get(filed.number)
    assert flagged.overdue and flagged.tier == "district" and flagged.status == "escalated"
    assert "已超过办理时限" in (await resident_texts(world))[-1]
    assert await jobs.escalate_overdue(s, world.clock()) == 0  # flagged once, not every minute

    with pytest.raises(InvalidTransition, match="top tier"):
        await s.escalate(filed.number, "区级", "再提级")
    done = await s.resolve(filed.number, "区市政", "已修复")
    assert done.resolved_tier == "district"
    kinds = [e.kind for e in done.history]
    assert kinds == ["filed", "escalate", "escalate", "overdue", "status"]
    assert [e.actor for e in done.history][1:4] == ["系统"] * 3


async def test_handler_escalates_by_hand(world: World) -> None:
    s = world.service
    number = (await s.file(world.draft())).number
    await s.claim(number, "张网格")
    view = await s.escalate(number, "李书记", "涉及多个小区，需要街道协调")
    assert (view.status, view.tier) == ("escalated", "street")
    assert view.history[-1].note == "涉及多个小区，需要街道协调"
    claimed = await s.claim(number, "赵主任")
    assert claimed.status == "accepted" and claimed.tier == "street"


async def test_secretary_dispatches_a_department(world: World) -> None:
    s = world.service
    number = (await s.file(world.draft())).number
    world.clock.now = local(2026, 11, 19, 9, 0)
    view = await s.dispatch(number, "municipal", "李书记", "请市政尽快处理")
    assert view.status == "in_progress" and view.responsible_unit == "区市政设施服务中心"
    assert view.deadline == local(2026, 11, 23, 17, 30)  # the clock restarts: 21 working hours
    notice = (await world.outbox(audience="staff"))[-1]
    assert (notice.channel, notice.recipient_id) == ("console", "dept:municipal")
    assert notice.text.startswith("【社区派单】")
    assert "社区已派发区市政设施服务中心直接办理" in (await resident_texts(world))[-1]
    assert view.history[-1].kind == "dispatch"
    with pytest.raises(BadInput):
        await s.dispatch(number, "nasa", "李书记")


async def test_transfer_to_another_department(world: World) -> None:
    s = world.service
    number = (await s.file(world.draft())).number
    view = await s.transfer(number, "property_office", "李书记", "楼道灯属物业维修")
    assert (view.status, view.department, view.responsible_unit) == (
        "transferred",
        "property_office",
        "区物业管理办公室",
    )
    assert "已转交区物业管理办公室办理（楼道灯属物业维修）" in (await resident_texts(world))[-1]
    with pytest.raises(InvalidTransition, match="needs a reason"):
        await s.transfer(number, "housing", "李书记", "")


async def test_followers_hear_every_change(world: World) -> None:
    s = world.service
    number = (await s.file(world.draft())).number
    followed = await s.follow(number, "wechat", "neighbour-openid")
    again = await s.follow(number, "wechat", "neighbour-openid")
    own = await s.follow(number, "web", "resident-1")
    assert followed.supporters == again.supporters == own.supporters == 1
    await s.claim(number, "张网格")
    pushes = await world.outbox(audience="resident")
    assert {(m.channel, m.recipient_id) for m in pushes} == {
        ("web", "resident-1"),
        ("wechat", "neighbour-openid"),
    }


async def test_satisfaction_reminder_then_auto_close(world: World) -> None:
    s = world.service
    number = (await s.file(world.draft())).number
    await s.resolve(number, "张网格", "已修好")
    world.clock.advance(hours=23)
    assert await jobs.satisfaction_reminders(s, world.clock()) == 0
    world.clock.advance(hours=2)
    assert await jobs.satisfaction_reminders(s, world.clock()) == 1
    reminder = (await world.outbox(audience="resident"))[-1]
    assert "请您对办理结果进行评价" in reminder.text and reminder.buttons
    assert await jobs.satisfaction_reminders(s, world.clock()) == 0  # one reminder only
    world.clock.advance(hours=48)
    assert await jobs.satisfaction_reminders(s, world.clock()) == 1
    view = await s.get(number)
    assert view.status == "closed" and view.history[-1].kind == "auto_close"
    assert "归档" in (await resident_texts(world))[-1]
