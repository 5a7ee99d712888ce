"""Staff talk to the resident about a ticket: a reply, a request for more information and
the resident's answer attached to the ticket — each an event, each announced."""

from __future__ import annotations

import pytest

from bot.errors import BadInput, InvalidTransition
from tests.tickets.conftest import World


async def test_reply_is_an_event_and_a_push_on_the_residents_channel(world: World) -> None:
    s = world.service
    number = (await s.file(world.draft())).number
    view = await s.reply(number, "韩书记", "明天上午电工上门更换")
    assert view.status == "submitted"  # a reply does not move the ticket
    assert [(e.kind, e.actor, e.note) for e in view.history][-1] == (
        "reply", "韩书记", "明天上午电工上门更换"
    )
    pushes = await world.outbox(audience="resident")
    assert pushes[-1].channel == "web" and pushes[-1].recipient_id == "resident-1"
    assert "明天上午电工上门更换" in pushes[-1].text and number in pushes[-1].text
    with pytest.raises(BadInput):
        await s.reply(number, "韩书记", "   ")
    with pytest.raises(BadInput):
        await s.reply(number, "韩书记", "长" * 501)


async def test_request_info_then_the_residents_answer_is_attached(world: World) -> None:
    s = world.service
    number = (await s.file(world.draft())).number
    assert await s.awaiting_info("web", "resident-1") is None
    await s.request_info(number, "韩书记", "请问是几单元的楼道？")
    assert "请问是几单元的楼道？" in (await world.outbox(audience="resident"))[-1].text
    assert await s.awaiting_info("web", "resident-1") == number
    assert await s.awaiting_info("web", "somebody-else") is None

    photo = "/uploads/" + "a" * 32 + ".jpg"
    view = await s.attach_resident_message(number, "2单元", [("image", photo)])
    assert [(e.kind, e.actor) for e in view.history][-1] == ("info_received", "居民")
    assert ("image", photo) in view.evidence
    assert await s.awaiting_info("web", "resident-1") is None
    staff = await world.outbox(audience="staff")
    assert "2单元" in staff[-1].text

    await s.reject(number, "韩书记", "重复反映")
    with pytest.raises(InvalidTransition):
        await s.request_info(number, "韩书记", "还在吗？")


async def test_resolve_with_a_photo_attaches_it(world: World) -> None:
    s = world.service
    number = (await s.file(world.draft())).number
    url = "/uploads/" + "b" * 32 + ".png"
    view = await s.resolve(number, "韩书记", "已更换", evidence=[("image", url)])
    assert view.status == "resolved" and ("image", url) in view.evidence
    assert "已更换" in (await world.outbox(audience="resident"))[-1].text
