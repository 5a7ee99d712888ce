"""Console fixtures: a whole gateway (create_app, no background workers), staff accounts
made through the runtime, JSON sign-in, tickets filed straight through the service."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.appkeys import RUNTIME
from bot.runtime import Runtime
from bot.staff import Scope
from bot.tickets.views import TicketDraft, TicketView

PASSWORD = "正确的密码-123"
CHENGNAN = "370303001001"  # 城南社区
CHENGNAN_BUILDING = "370303001001X01-001"  # 锦园小区1号楼
CHENGNAN_GRID = "370303001001W01"
DONGFENG = "370303002001"  # 东风社区
DONGFENG_BUILDING = "370303002001X01-001"


@pytest.fixture
async def client(database_url, make_settings, aiohttp_client):  # type: ignore[no-untyped-def]
    app = create_app(make_settings(database_url=database_url), background=False)
    return await aiohttp_client(app)


@pytest.fixture
async def sqlite_client(sqlite_url, make_settings, aiohttp_client):  # type: ignore[no-untyped-def]
    app = create_app(make_settings(database_url=sqlite_url), background=False)
    return await aiohttp_client(app)


@pytest.fixture
async def secretary_console(aiohttp_server, make_settings):  # type: ignore[no-untyped-def]
    """A gateway served on a loopback port for a browser, and its runtime, with 韩勇 (user
    ``han``) as 城南社区's secretary: (base URL, runtime)."""
    app = create_app(make_settings(), background=False)
    server = await aiohttp_server(app)
    runtime: Runtime = app[RUNTIME]
    await runtime.staff.create_account(
        "han", PASSWORD, role="secretary", scope=Scope.parse(f"community:{CHENGNAN}"),
        display_name="韩勇",
    )
    return f"http://127.0.0.1:{server.port}", runtime


def runtime_of(client: TestClient) -> Runtime:
    return client.app[RUNTIME]


async def add_staff(client: TestClient, username: str, role: str, scope: str) -> None:
    await runtime_of(client).staff.create_account(
        username, PASSWORD, role=role, scope=Scope.parse(scope), display_name=username
    )


async def login(client: TestClient, username: str) -> dict[str, str]:
    """Sign in (replacing any session of this client); returns the CSRF header to send."""
    response = await client.post(
        "/console/login", json={"username": username, "password": PASSWORD}
    )
    assert response.status == 200, await response.text()
    body: dict[str, Any] = await response.json()
    return {"X-CSRF-Token": str(body["csrf_token"]), "Accept": "application/json"}


async def file(
    client: TestClient,
    building: str = CHENGNAN_BUILDING,
    *,
    reporter: str = "resident-1",
    category: str = "report_lighting",
    description: str = "楼道灯坏了，晚上很黑",
    evidence: tuple[tuple[str, str], ...] = (),
) -> TicketView:
    return await runtime_of(client).tickets.file(
        TicketDraft(
            category=category,
            description=description,
            reporter_channel="web",
            reporter_id=reporter,
            building_code=building,
            evidence=evidence,
        )
    )


async def two_communities(client: TestClient) -> None:
    """Secretary ``han`` of 城南, ``zhao`` of 东风, and an admin."""
    await add_staff(client, "han", "secretary", f"community:{CHENGNAN}")
    await add_staff(client, "zhao", "secretary", f"community:{DONGFENG}")
    await add_staff(client, "root", "admin", "district:370303")
