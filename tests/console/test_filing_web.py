"""代办 over HTTP: a grid worker files a staff-filed ticket in their grid, from an address,
a building code or the phone's location, with a photo; out of scope is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient
from sqlmodel import select

from bot.app import create_app
from bot.console.filing_web import sniff_image, staff_filed_count
from bot.staff import Role
from bot.tickets.clock import utcnow
from bot.tickets.models import Ticket, TicketEvidence
from tests.console.test_handoff_web import (
    add_staff,
    demo_building,
    login,
    other_building,
    runtime_of,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
OUT_OF_SCOPE = "该地址不在您的管辖范围内，无法代办。"


@pytest.fixture
async def client(database_url, make_settings, aiohttp_client):  # type: ignore[no-untyped-def]
    app = create_app(make_settings(database_url=database_url), background=False)
    return await aiohttp_client(app)


async def _tickets(client: TestClient) -> list[Ticket]:
    async with runtime_of(client).sessions() as session:
        return list((await session.exec(select(Ticket).order_by(Ticket.id))).all())


async def test_grid_worker_files_in_scope_with_a_photo(client: TestClient) -> None:
    building = demo_building(client)
    await add_staff(client, "wang", Role.GRID_WORKER, f"grid:{building.grid_code}")
    csrf = await login(client, "wang")
    page = await client.get("/console/file")
    html = await page.text()
    assert page.status == 200 and "代办登记" in html and 'enctype="multipart/form-data"' in html
    assert "<script>" not in html and "<style" not in html
    assert (await client.get("/console/static/filing.js")).status == 200

    form = FormData()
    for name, value in (
        ("csrf_token", csrf), ("nonce", "a" * 32), ("category", "report_lighting"),
        ("description", "楼道灯坏了，老人晚上看不见"), ("address", "锦园小区2号楼"),
        ("phone", "13800000000"),
    ):
        form.add_field(name, value)
    form.add_field("photo", PNG, filename="x.png", content_type="application/octet-stream")
    response = await client.post("/console/file", data=form)
    html = await response.text()
    assert response.status == 200, html
    [ticket] = await _tickets(client)
    assert f"已登记工单 {ticket.number}" in html
    assert (ticket.reporter_channel, ticket.reporter_id) == ("staff", "staff:wang")
    assert ticket.building_code == building.code  # the name two communities share: in scope
    assert ticket.reporter_phone == "13800000000"
    async with runtime_of(client).sessions() as session:
        [evidence] = (await session.exec(select(TicketEvidence))).all()
    assert evidence.kind == "image" and evidence.url.endswith(".png")
    view = await runtime_of(client).tickets.get(ticket.number)
    assert view.staff_filed
    assert (view.history[0].kind, view.history[0].actor) == ("filed", "wang书记")
    page = await (await client.get(f"/console/tickets/{ticket.number}")).text()
    assert "网格员代办" in page

    # A double tap on 提交 (same nonce) files nothing twice.
    again = FormData()
    for name, value in (
        ("csrf_token", csrf), ("nonce", "a" * 32), ("category", "report_lighting"),
        ("description", "楼道灯坏了，老人晚上看不见"), ("address", "锦园小区2号楼"),
    ):
        again.add_field(name, value)
    assert (await client.post("/console/file", data=again)).status == 200
    assert len(await _tickets(client)) == 1

    sessions = runtime_of(client).sessions
    since = utcnow() - timedelta(hours=1)
    assert await staff_filed_count(sessions, since) == 1
    assert await staff_filed_count(sessions, utcnow() + timedelta(hours=1)) == 0


async def test_building_code_and_location(client: TestClient) -> None:
    building = demo_building(client)
    await add_staff(client, "li", Role.SECRETARY, f"community:{building.community_code}")
    csrf = await login(client, "li")
    headers = {"X-CSRF-Token": csrf}
    by_code = await client.post("/console/file", headers=headers, json={
        "category": "report_lighting", "description": "路灯不亮", "address": building.code,
    })
    assert by_code.status == 200, await by_code.text()
    outdoors = await client.post("/console/file", headers=headers, json={
        "category": "report_lighting", "description": "小区门口路灯不亮",
        "lat": str(building.lat), "lng": str(building.lng),
    })
    assert outdoors.status == 200, await outdoors.text()
    number = (await outdoors.json())["number"]
    ticket = await runtime_of(client).tickets.get(number)
    assert ticket.reporter_id == "staff:li"
    rows = await _tickets(client)
    assert {r.community_code for r in rows} == {building.community_code}
    assert rows[-1].building_code is None and rows[-1].lat is not None


async def test_out_of_scope_and_bad_input_are_refused_in_chinese(client: TestClient) -> None:
    building = demo_building(client)
    other = other_building(client)
    await add_staff(client, "wang", Role.GRID_WORKER, f"grid:{building.grid_code}")
    csrf = await login(client, "wang")
    headers = {"X-CSRF-Token": csrf}
    base = {"category": "report_lighting", "description": "灯坏了"}
    cases = [
        ({"address": other.code}, 403, OUT_OF_SCOPE),
        ({"lat": str(other.lat), "lng": str(other.lng)}, 403, OUT_OF_SCOPE),
        ({"address": "火星基地99号楼"}, 400, "没有找到这个地址，请填写更完整的地址或楼栋编码。"),
        ({}, 400, "请填写地址或使用当前位置。"),
        ({"address": building.code, "category": "nope"}, 400, "请选择诉求类别。"),
        ({"address": building.code, "description": " "}, 400, "请填写问题描述。"),
        ({"address": building.code, "phone": "abc"}, 400, "电话号码格式不正确。"),
    ]
    for extra, status, message in cases:
        response = await client.post("/console/file", headers=headers, json={**base, **extra})
        assert response.status == status, (extra, await response.text())
        assert (await response.json())["message"] == message
    # A form post gets the page back with the error.
    form = await client.post("/console/file", data={**base, "csrf_token": csrf,
                                                    "address": other.code})
    assert form.status == 403 and "不在您的管辖范围内" in await form.text()
    # A photo that is not an image.
    bad = FormData()
    for name, value in {**base, "csrf_token": csrf, "address": building.code}.items():
        bad.add_field(name, value)
    bad.add_field("photo", b"MZ\x90\0 not an image", filename="x.jpg",
                  content_type="image/jpeg")
    refused = await client.post("/console/file", data=bad)
    assert refused.status == 415 and "照片格式不支持" in await refused.text()
    assert await _tickets(client) == []


async def test_filing_needs_a_session_csrf_and_an_area_role(client: TestClient) -> None:
    assert (await client.get("/console/file")).status == 401
    body = {"category": "report_lighting", "description": "灯坏了", "address": "x"}
    assert (await client.post("/console/file", json=body)).status == 401
    building = demo_building(client)
    await add_staff(client, "wang", Role.GRID_WORKER, f"grid:{building.grid_code}")
    await login(client, "wang")
    assert (await client.post("/console/file", json=body)).status == 403  # no CSRF token
    await add_staff(client, "dept", Role.DEPARTMENT_HANDLER, "department:city_management")
    await login(client, "dept")
    assert (await client.get("/console/file")).status == 403


def test_sniff_image() -> None:
    assert sniff_image(b"\xff\xd8\xff\xe0rest") == "image/jpeg"
    assert sniff_image(PNG) == "image/png"
    assert sniff_image(b"GIF89a...") == "image/gif"
    assert sniff_image(b"RIFF\0\0\0\0WEBPVP8 ") == "image/webp"
    assert sniff_image(b"<svg onload=alert(1)>") is None
