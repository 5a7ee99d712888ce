"""Status changes of an order reach the source's callback through the outbox: a real
loopback server that fails at first, the dispatcher's retries, one signed POST per change."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.intake.callbacks import SIGNATURE_HEADER, IntakeCallbacks, verify
from bot.intake.orders import order_from_fields
from bot.ports import OutputRegistry
from bot.tickets import Dispatcher
from tests.intake.conftest import build


class CallbackServer:
    """The source's side: answers 500 to the first ``failures`` requests, then 200."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.requests: list[tuple[bytes, str]] = []
        self.accepted: list[dict[str, Any]] = []

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests.append((body, request.headers.get(SIGNATURE_HEADER, "")))
        if len(self.requests) <= self.failures:
            return web.Response(status=500, text="busy")
        self.accepted.append(json.loads(body))
        return web.json_response({"ok": True})


async def test_every_status_change_is_called_back_once_signed_after_retries(
    database_url: str, tmp_path: Path, aiohttp_server: Any
) -> None:
    source_side = CallbackServer(failures=2)
    app = web.Application()
    app.router.add_post("/cb", source_side.handle)
    server: TestServer = await aiohttp_server(app)
    w = await build(database_url, tmp_path, callback=str(server.make_url("/cb")))
    world = w.world
    callbacks = IntakeCallbacks(world.sessions, timeout=5)
    outputs = OutputRegistry(
        {o.name: o for o in (world.resident_out, world.staff_out, world.console_out)}
    )
    outputs.register(callbacks)
    dispatcher = Dispatcher(
        world.sessions, outputs, clock=world.clock, base_backoff=timedelta(0), jitter=0
    )
    try:
        fields = {
            "source_number": "GD-1",
            "text": "幸福小区1号楼楼道灯坏了",
            "address": "幸福小区1号楼",
            "category": "路灯与楼道灯",
            "caller_phone": "13812345678",
        }
        number = (await w.intake.take(w.source, order_from_fields(fields))).ticket.number
        service = world.service
        steps = [
            lambda: service.claim(number, "张网格"),
            lambda: service.start(number, "张网格"),
            lambda: service.reply(number, "张网格", "明天上午来修"),  # no status change
            lambda: service.request_info(number, "张网格", "是几楼的灯？"),  # none either
            lambda: service.transfer(number, "municipal", "李书记", "属市政设施"),
            lambda: service.escalate(number, "系统", "超时"),
            lambda: service.resolve(number, "市政", "已更换灯泡"),
            lambda: service.transition(number, "reopened", "居民", "还是不亮"),
            lambda: service.resolve(number, "市政", "已更换线路"),
            lambda: service.rate(number, 5),
        ]
        for step in steps:
            world.clock.advance(minutes=5)
            await step()
        other = order_from_fields({**fields, "source_number": "GD-2", "text": "重复反映楼道灯"})
        second = (await w.intake.take(w.source, other)).ticket.number
        world.clock.advance(minutes=5)
        await service.reject(second, "李书记", "与 GD-1 重复")

        report = await dispatcher.drain()
        assert report.dead == 0

        statuses = [(c["source_number"], c["status"]) for c in source_side.accepted]
        assert statuses == [
            ("GD-1", "accepted"),
            ("GD-1", "in_progress"),
            ("GD-1", "transferred"),
            ("GD-1", "escalated"),
            ("GD-1", "resolved"),
            ("GD-1", "reopened"),
            ("GD-1", "resolved"),
            ("GD-1", "closed"),
            ("GD-2", "rejected"),
        ]
        # Two 500s: the first callback was tried three times, delivered once.
        assert len(source_side.requests) == len(source_side.accepted) + 2
        assert source_side.requests[0][0] == source_side.requests[2][0]
        secret = w.source.callback_secret
        assert secret is not None
        for body, signature in source_side.requests:
            assert verify(secret, body, signature)
        first, resolved = source_side.accepted[0], source_side.accepted[4]
        assert first["ticket_number"] == number and first["source"] == "12345"
        assert first["status_label"] == "已受理" and first["at"].endswith("Z")
        assert resolved["note"] == "已更换灯泡"
        assert source_side.accepted[-1] == {
            **source_side.accepted[-1],
            "ticket_number": second,
            "note": "与 GD-1 重复",
        }
        # Nothing a resident alone needs (rating buttons, replies) went to the source.
        assert all("明天上午" not in body.decode() for body, _ in source_side.requests)
    finally:
        await callbacks.aclose()
        await world.engine.dispose()


async def test_a_source_without_callback_gets_nothing_and_no_dead_letters(
    sqlite_url: str, tmp_path: Path
) -> None:
    w = await build(sqlite_url, tmp_path)
    world = w.world
    callbacks = IntakeCallbacks(world.sessions)
    outputs = OutputRegistry({"intake": callbacks, "wecom": world.staff_out})
    outputs.register(world.console_out)
    try:
        fields = {"source_number": "N1", "text": "楼道灯坏了", "address": "幸福小区1号楼",
                  "category": "路灯与楼道灯"}  # fmt: skip
        number = (await w.intake.take(w.source, order_from_fields(fields))).ticket.number
        await world.service.claim(number, "张网格")
        report = await Dispatcher(world.sessions, outputs, clock=world.clock).drain()
        assert report.dead == 0
        rows = await world.outbox(channel="intake")
        assert [r.status for r in rows] == ["sent"]
    finally:
        await callbacks.aclose()
        await world.engine.dispose()


async def test_a_refusing_callback_is_permanent_a_busy_one_is_retried(
    sqlite_url: str, tmp_path: Path, aiohttp_server: Any
) -> None:
    answers = {"/gone": 404, "/busy": 429}

    async def handle(request: web.Request) -> web.Response:
        return web.Response(status=answers[request.path])

    app = web.Application()
    app.router.add_post("/gone", handle)
    app.router.add_post("/busy", handle)
    server: TestServer = await aiohttp_server(app)
    w = await build(sqlite_url, tmp_path, callback=str(server.make_url("/gone")))
    world = w.world
    busy, _ = await w.registry.add("busy", "忙碌平台", callback_url=str(server.make_url("/busy")))
    callbacks = IntakeCallbacks(world.sessions)
    outputs = OutputRegistry({"intake": callbacks, "wecom": world.staff_out})
    outputs.register(world.console_out)
    try:
        for source, number in ((w.source, "G1"), (busy, "B1")):
            fields = {"source_number": number, "text": "楼道灯坏了", "address": "幸福小区1号楼",
                      "category": "路灯与楼道灯"}  # fmt: skip
            ticket = (await w.intake.take(source, order_from_fields(fields))).ticket
            await world.service.claim(ticket.number, "张网格")
        await Dispatcher(world.sessions, outputs, clock=world.clock).run_once()
        rows = {r.recipient_id: r for r in await world.outbox(channel="intake")}
        assert rows["12345"].status == "dead" and "404" in (rows["12345"].last_error or "")
        assert rows["busy"].status == "pending" and "429" in (rows["busy"].last_error or "")
    finally:
        await callbacks.aclose()
        await world.engine.dispose()
