"""Our Open311 as third-party clients from PyPI see it: ``georeport`` (reads, XML and JSON)
and ``civicbot``'s Open311Client (reads and posts, JSON) against the server on 127.0.0.1.

Both clients are synchronous (requests, urllib): each call runs in a thread so that the
server, on this test's event loop, can answer it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import requests
from aiohttp import web
from aiohttp.test_utils import TestServer
from civicbot.http import HttpError, HttpTransport, RateLimiter
from civicbot.open311 import CONFIRM_TOKEN, Open311Client
from civicbot.registry import Endpoint
from georeport import GeoReport

from bot.tickets import TicketService
from bot.tickets.open311 import setup_routes
from tests.tickets.conftest import B1, World, make_world

KEY: web.AppKey[TicketService] = web.AppKey("tickets")
API_KEY = "partner-key"
JURISDICTION = "370399"


@pytest.fixture
async def world(sqlite_url: str, tmp_path: Path) -> AsyncIterator[World]:
    built = await make_world(sqlite_url, tmp_path)
    yield built
    await built.engine.dispose()


@pytest.fixture
async def root(world: World, aiohttp_server: Any) -> str:
    app = web.Application()
    app[KEY] = world.service
    setup_routes(app, KEY, api_keys=[API_KEY], jurisdictions=[JURISDICTION])
    server: TestServer = await aiohttp_server(app, host="127.0.0.1")
    return f"http://127.0.0.1:{server.port}/open311/v2"


def civic(root: str) -> Open311Client:
    endpoint = Endpoint(id="minsheng", name="minsheng", base_url=root, write=True)
    # civicbot spaces its calls half a second per host by default; our server needs no
    # politeness.
    transport = HttpTransport(rate_limiter=RateLimiter(min_interval=0))
    return Open311Client(endpoint, transport, jurisdiction_id=JURISDICTION)


async def test_georeport_reads_services_and_requests_in_xml_and_json(
    root: str, world: World
) -> None:
    lamp = await world.service.file(world.draft(reporter_phone="13912345678"))
    noise = await world.service.file(
        world.draft(category="report_noise", description="5号楼302夜里施工太吵")
    )
    world.clock.advance(hours=1)
    done = await world.service.file(world.draft(category="report_garbage", description="垃圾"))
    await world.service.resolve(done.number, "李书记", "已清运，有事打138-1111-2222")
    for fmt in ("xml", "json"):
        client = GeoReport(root, jurisdiction=JURISDICTION, output_format=fmt)
        services = await asyncio.to_thread(client.get_service_list)
        assert len(services) == len(world.catalog.items()), fmt
        lighting = next(s for s in services if s["service_code"] == "report_lighting")
        assert lighting["service_name"] == "路灯与楼道灯"
        assert str(lighting["metadata"]).lower() == "false"
        definition = await asyncio.to_thread(client.get_service_definition, "report_lighting")
        assert definition["service_code"] == "report_lighting"

        listed = await asyncio.to_thread(client.get_service_requests)
        assert [r["service_request_id"] for r in listed] == [
            done.number, noise.number, lamp.number
        ], fmt
        assert listed[1]["description"] == "5号楼***夜里施工太吵"
        chosen = await asyncio.to_thread(
            client.get_service_requests, service_request_id=lamp.number
        )
        # xmltodict gives one <request> as a dict, not a list of one.
        one = chosen if isinstance(chosen, dict) else chosen[0]
        assert one["service_request_id"] == lamp.number
        closed = await asyncio.to_thread(client.get_service_requests, status="closed")
        closed = closed if isinstance(closed, dict) else closed[0]
        assert closed["service_request_id"] == done.number and closed["status"] == "closed"
        assert closed["status_notes"] == "已办结：已清运，有事打138****2222"
        single = await asyncio.to_thread(client.get_service_request, noise.number)
        assert single["service_code"] == "report_noise" and single["status"] == "open"
        assert float(single["lat"]) == 36.8 and single["media_url"] is None
        assert single["requested_datetime"] == "2026-11-18T10:00:00+08:00"
        assert "13912345678" not in str(listed)

        elsewhere = GeoReport(root, jurisdiction="sf.gov", output_format=fmt)
        with pytest.raises(requests.HTTPError) as refused:
            await asyncio.to_thread(elsewhere.get_service_list)
        assert refused.value.response is not None
        assert refused.value.response.status_code == 404


async def test_civicbot_posts_with_an_api_key_and_reads_it_back(root: str) -> None:
    client = civic(root)
    services = await asyncio.to_thread(client.list_services)
    assert "report_lighting" in {s["service_code"] for s in services}
    prepared = await asyncio.to_thread(
        lambda: client.create_request(
            "report_lighting", dry_run=False, confirm=CONFIRM_TOKEN, api_key=API_KEY,
            validate_remote=True, address_id=B1,
            description="幸福小区1号楼楼道灯坏了，电话13812345678",
            first_name="欧阳", phone="13812345678",
        )
    )
    (created,) = prepared.response
    number = created["service_request_id"]
    assert number == "20261118-0001" and "预计" in created["service_notice"]

    entry = await asyncio.to_thread(client.get_request, number)
    assert entry is not None
    assert entry["service_request_id"] == number and entry["status"] == "open"
    assert entry["address_id"] == B1 and entry["agency_responsible"] == "东风社区"
    assert entry["description"] == "幸福小区1号楼楼道灯坏了，电话138****5678"
    listed = await asyncio.to_thread(
        lambda: client.list_requests(service_request_ids=[number], status="open")
    )
    assert [r["service_request_id"] for r in listed] == [number]
    assert "欧阳" not in str(listed) and "13812345678" not in str(listed)

    without_key = await asyncio.to_thread(
        lambda: _refused(client, description="灯坏了", address_id=B1)
    )
    assert without_key.status == 403


def _refused(client: Open311Client, **form: Any) -> HttpError:
    try:
        client.create_request(
            "report_lighting", dry_run=False, confirm=CONFIRM_TOKEN, api_key="wrong", **form
        )
    except HttpError as exc:
        return exc
    raise AssertionError("a wrong api_key was accepted")
