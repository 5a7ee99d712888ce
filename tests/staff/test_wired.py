"""The gateway itself serves the console's sign-in, with every /console route under a rule."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.staff.scope import Scope
from bot.staff.web import STAFF_SERVICE, unruled_console_routes


async def test_gateway_serves_sign_in_and_guards_the_console(
    sqlite_url, make_settings, aiohttp_client  # type: ignore[no-untyped-def]
) -> None:
    app = create_app(make_settings(database_url=sqlite_url))
    client: TestClient = await aiohttp_client(app)
    assert unruled_console_routes(app) == []
    service = client.app[STAFF_SERVICE]
    await service.create_account(
        "shuji", "正确的密码-123", role="secretary", scope=Scope.parse("community:370303001001")
    )
    page = await client.get("/console/login")
    assert page.status == 200 and "登录" in await page.text()
    assert page.headers["X-Frame-Options"] == "DENY"
    me = await client.get("/console/me", headers={"Accept": "application/json"})
    assert me.status == 401
