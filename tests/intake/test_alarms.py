"""A simulated fume sensor sending readings over HTTP: one case and one ticket when the rule
is met, none for isolated spikes, closed (ticket resolved) after normal readings; on SQLite
and PostgreSQL. Rule for fume (training_data/alarm_rules.yml): over 2.0 mg/m3 3 times within
10 minutes; normal for 30 minutes closes."""

from __future__ import annotations

from tests.intake.conftest import SOURCE, STREET_POINT, AlarmWorld
from tests.tickets.conftest import B1


async def test_a_fume_sensor_makes_one_case_and_it_closes(alarms: AlarmWorld) -> None:
    await alarms.service.add_device(
        SOURCE, "F-001", "fume", landmark="老王烧烤店门口", lat=STREET_POINT[0],
        lng=STREET_POINT[1], label="老王烧烤",
    )  # fmt: skip
    # Isolated spikes: two over the threshold, 15 minutes apart, normal between.
    body = await alarms.send("F-001", [(0, 3.1), (5, 0.8), (15, 2.9), (20, 1.0)])
    assert body["accepted"] == 4 and body["opened"] == []
    assert await alarms.cases() == [] and await alarms.tickets() == []

    # The grill fires up: 3 over the threshold within 10 minutes, one reading a request.
    opened = []
    for minute, value in ((50, 2.6), (54, 3.4), (58, 4.2)):
        opened += (await alarms.send("F-001", [(minute, value)]))["opened"]
    assert len(opened) == 1 and opened[0]["device_id"] == "F-001"
    [case] = await alarms.cases()
    [ticket] = await alarms.tickets()
    assert (
        case.status == "open" and case.ticket_number == ticket.number == opened[0]["ticket_number"]
    )
    assert case.exceed_count == 3
    assert ticket.source == SOURCE and ticket.source_ref == f"F-001#{case.id}"
    assert ticket.category == "report_cooking_fumes" and ticket.reporter_channel == "intake"
    assert "老王烧烤店门口" in ticket.description and "F-001" in ticket.description
    assert "4.2" in ticket.description and "3 次超过阈值 2 mg/m3" in ticket.description
    assert ticket.grid_code is not None  # routed by the point like an outdoor report

    # It goes on smoking: the case counts, no second ticket.
    body = await alarms.send("F-001", [(59, 5.0), (61, 6.0), (63, 0.4), (70, 2.2)])
    assert body["opened"] == [] and body["closed"] == []
    [case] = await alarms.cases()
    assert case.exceed_count == 6 and len(await alarms.tickets()) == 1
    # One progress note on the ticket, not one per reading (at most one an hour).
    notes = [e for e in (await alarms.world.service.get(ticket.number)).history if e.kind == "note"]
    assert len(notes) == 1 and "累计" in (notes[0].note or "")

    # Normal for less than 30 minutes after the last exceedance (minute 70): still open.
    body = await alarms.send("F-001", [(80, 1.1), (95, 0.9)])
    assert body["closed"] == []
    # Normal 30 minutes after it: closed, and the ticket resolved by the system.
    body = await alarms.send("F-001", [(100, 0.7)])
    assert [c["case_id"] for c in body["closed"]] == [case.id]
    [case] = await alarms.cases()
    assert case.status == "closed" and case.closed_reason == "cleared"
    resolved = await alarms.world.service.get(ticket.number)
    assert resolved.status == "resolved"
    last = resolved.history[-1]
    assert last.actor == "设备告警" and "自动办结" in (last.note or "")
    # Nothing went to a resident: the only pushes are the status callbacks to the sensor
    # network itself (sent nowhere while it has no callback URL).
    pushes = await alarms.world.outbox(audience="resident")
    assert {(m.channel, m.recipient_id) for m in pushes} <= {("intake", SOURCE)}

    # It starts again later: a new case, a new ticket; old exceedances do not count.
    body = await alarms.send("F-001", [(220, 3.0), (221, 3.0)])
    assert body["opened"] == []
    body = await alarms.send("F-001", [(222, 3.0)])
    assert len(body["opened"]) == 1
    assert len(await alarms.cases()) == 2 and len(await alarms.tickets()) == 2


async def test_a_building_sensor_and_a_smoke_alarm_go_red(alarms: AlarmWorld) -> None:
    await alarms.service.add_device(SOURCE, "S-1", "smoke", building_code=B1, label="1号楼楼道")
    body = await alarms.send("S-1", [(0, 1)], unit="alarm")
    [opened] = body["opened"]
    ticket = await alarms.world.service.get(opened["ticket_number"])
    assert ticket.urgency == "red" and ticket.building_code == B1
    assert ticket.category == "report_safety_hazard"


async def test_staff_closing_first_just_closes_the_case(alarms: AlarmWorld) -> None:
    await alarms.service.add_device(SOURCE, "F-2", "fume", building_code=B1)
    [opened] = (await alarms.send("F-2", [(0, 3), (1, 3), (2, 3)]))["opened"]
    await alarms.world.service.resolve(opened["ticket_number"], "张网格", "已督促清洗净化器")
    body = await alarms.send("F-2", [(40, 0.5)])
    assert body["closed"][0]["case_id"] == opened["case_id"]
    [case] = await alarms.cases()
    assert case.closed_reason == "staff"
    ticket = await alarms.world.service.get(opened["ticket_number"])
    assert ticket.status == "resolved"


async def test_staff_closing_while_it_still_smokes_makes_a_new_case(alarms: AlarmWorld) -> None:
    await alarms.service.add_device(SOURCE, "F-8", "fume", building_code=B1)
    [opened] = (await alarms.send("F-8", [(0, 3), (1, 3), (2, 3)]))["opened"]
    await alarms.world.service.resolve(opened["ticket_number"], "张网格", "已劝导")
    # The next exceedance (past the note interval) sees the ticket closed: the case ends.
    alarms.now_is(70)
    body = await alarms.send("F-8", [(70, 3)])
    assert body["opened"] == []
    [case] = await alarms.cases()
    assert case.status == "closed" and case.closed_reason == "staff"
    # That reading still belonged to the old case; three more make the new one.
    body = await alarms.send("F-8", [(71, 3), (72, 3), (73, 3)])
    assert (
        len(body["opened"]) == 1 and body["opened"][0]["ticket_number"] != opened["ticket_number"]
    )


async def test_duplicate_reading_ids_are_kept_once(alarms: AlarmWorld) -> None:
    await alarms.service.add_device(SOURCE, "F-3", "fume", building_code=B1)
    one = {"device_id": "F-3", "time": alarms.at(0), "value": 3.0, "reading_id": "r-1"}
    status, body = await alarms.post(one)
    assert status == 200 and body["accepted"] == 1
    # A retry, and the same id twice in one batch: each counted once.
    status, body = await alarms.post(
        {"readings": [one, dict(one, reading_id="r-2"), dict(one, reading_id="r-2")]}
    )
    assert status == 200
    assert [r["status"] for r in body["results"]] == ["duplicate", "accepted", "duplicate"]
    assert body["duplicates"] == 2 and body["opened"] == []  # 2 readings, not 3: no case


async def test_an_unknown_or_disabled_device_is_refused(alarms: AlarmWorld) -> None:
    status, body = await alarms.post({"device_id": "NOPE", "time": alarms.at(), "value": 1.0})
    assert status == 422
    error = body["results"][0]["error"]
    assert error["code"] == "unknown_device" and "NOPE" in error["message"]
    assert "未在本来源登记" in error["message"]
    await alarms.service.add_device(SOURCE, "F-4", "fume", building_code=B1)
    await alarms.service.set_enabled(SOURCE, "F-4", False)
    status, body = await alarms.post({"device_id": "F-4", "time": alarms.at(), "value": 1.0})
    assert status == 422 and body["results"][0]["error"]["code"] == "unknown_device"


async def test_bad_readings_get_their_own_errors_and_change_nothing(alarms: AlarmWorld) -> None:
    await alarms.service.add_device(SOURCE, "F-5", "fume", building_code=B1)
    good = {"device_id": "F-5", "time": alarms.at(), "value": 1.0}
    bad = [
        (dict(good, value="3.5"), "bad_value"),
        (dict(good, value=True), "bad_value"),
        (dict(good, value=None), "missing_value"),
        (dict(good, value=10**400), "not_finite"),
        (dict(good, time="2026-11-18 10:00:00"), "no_zone"),
        (dict(good, time="yesterday"), "bad_time"),
        (dict(good, time=alarms.at(60)), "future_time"),
        (dict(good, unit="ppm"), "wrong_unit"),
        (dict(good, device_id=""), "bad_device_id"),
        ({"time": alarms.at(), "value": 1.0}, "missing_device_id"),
        (dict(good, reading_id=7), "bad_reading_id"),
        ("3.5", "not_object"),
    ]
    status, body = await alarms.post({"readings": [good] + [b for b, _ in bad]})
    assert status == 200 and body["accepted"] == 1 and body["rejected"] == len(bad)
    for result, (_, code) in zip(body["results"][1:], bad, strict=True):
        assert result["status"] == "rejected" and result["error"]["code"] == code
        assert any("\u4e00" <= ch <= "\u9fff" for ch in result["error"]["message"])


async def test_nan_inf_malformed_json_and_huge_batches_are_refused(alarms: AlarmWorld) -> None:
    await alarms.service.add_device(SOURCE, "F-6", "fume", building_code=B1)
    headers = {"Authorization": f"Bearer {alarms.key}", "Content-Type": "application/json"}
    reading = '{"device_id": "F-6", "time": "' + alarms.at() + '", "value": '
    for raw in (
        (reading + "NaN}").encode(),
        (reading + "Infinity}").encode(),
        (reading + "-Infinity}").encode(),
        reading.encode(),
        b"\xff\xfe{}",
    ):
        response = await alarms.client.post("/intake/v1/alarms", data=raw, headers=headers)
        assert response.status == 400
        assert (await response.json())["error"]["code"] == "bad_json"
    for body, code in (([1, 2], "bad_body"), ({"readings": {}}, "bad_body"),
                       ({"readings": []}, "no_readings")):  # fmt: skip
        status, answer = await alarms.post(body)
        assert status == 400 and answer["error"]["code"] == code
    huge = {"readings": [{"device_id": "F-6", "time": alarms.at(), "value": 1.0}] * 51}
    status, answer = await alarms.post(huge)
    assert status == 413 and "50" in answer["error"]["message"]
    assert await alarms.cases() == []
    async with alarms.world.sessions() as session:
        from sqlmodel import func, select

        from bot.intake.alarms.models import SensorReading

        assert (await session.exec(select(func.count()).select_from(SensorReading))).one() == 0


async def test_keys_are_checked(alarms: AlarmWorld) -> None:
    from bot.intake.sources import SourceRegistry

    _, orders_key = await SourceRegistry(alarms.world.sessions).add("12345", "12345热线")
    status, body = await alarms.post({}, key=orders_key)
    assert status == 403 and body["error"]["code"] == "wrong_kind"
    status, body = await alarms.post({}, key="msk_wrong")
    assert status == 401


async def test_the_sweep_flags_a_silent_device_and_files_what_a_crash_left(
    alarms: AlarmWorld,
) -> None:
    await alarms.service.add_device(SOURCE, "F-7", "fume", building_code=B1)
    [opened] = (await alarms.send("F-7", [(0, 3), (1, 3), (2, 3)]))["opened"]
    # Silent for longer than silent_after_minutes (120): noted once, left open.
    alarms.clock.advance(minutes=180)
    assert (await alarms.service.sweep())["silent"] == 1
    assert (await alarms.service.sweep())["silent"] == 0
    ticket = await alarms.world.service.get(opened["ticket_number"])
    assert ticket.status == "submitted"
    [case] = await alarms.cases()
    assert case.status == "open" and case.silent_flagged_at is not None

    # A case whose worker died before filing: the sweep files it, once.
    from sqlalchemy import update

    from bot.intake.alarms.models import SensorCase

    async with alarms.world.sessions() as session:
        await session.exec(update(SensorCase).values(ticket_number=None))
        await session.commit()
    # Through the leased job, as every worker's scheduler runs it.
    from bot.intake.alarms.web import alarm_jobs
    from bot.tickets.scheduler import Scheduler

    scheduler = Scheduler(alarms.world.sessions, alarm_jobs(alarms.service))
    assert await scheduler.run_due_jobs(alarms.clock.now) == ["alarm_sweep"]
    [case] = await alarms.cases()
    assert case.ticket_number == opened["ticket_number"]  # idempotent on the case
    assert len(await alarms.tickets()) == 1
