"""Authorization of every console route, generated from the route table.

The routes come from the console modules of tests/staff/test_route_rules.py
(CONSOLE_MODULES), so a new console route gets these tests without anybody writing them:
without a session it is refused (401, or a redirect to the sign-in page), and for routes
about one ticket a secretary of another community gets 404 (or 403) — never the ticket.
"""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient

from bot.staff.web import LOGIN_PATH, ROUTE_RULES, RouteRule
from tests.console.conftest import file, login, two_communities
from tests.staff.test_route_rules import console_app

ROUTES: list[tuple[str, str, RouteRule]] = sorted(
    (method, path, rule) for (method, path), rule in console_app()[ROUTE_RULES].items()
)
GUARDED = [(m, p) for m, p, rule in ROUTES if not rule.public]
PLACEHOLDER = re.compile(r"\{(\w+)(?::[^}]*)?\}")


def concrete(path: str, number: str) -> str:
    values = {"number": number, "index": "0", "name": "console.css"}
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), "1"), path)


def test_the_route_table_has_the_ticket_routes() -> None:
    paths = {p for _, p in GUARDED}
    assert {"/console/", "/console/tickets/{number}", "/console/api/events"} <= paths
    assert len([p for p in paths if p.startswith("/console/tickets/{number}/")]) >= 10


@pytest.mark.parametrize(("method", "path"), GUARDED, ids=[f"{m} {p}" for m, p in GUARDED])
async def test_guarded_route(sqlite_client: TestClient, method: str, path: str) -> None:
    client = sqlite_client
    await two_communities(client)
    ticket = await file(client)  # in 城南: han's, not zhao's
    url = concrete(path, ticket.number)

    for accept in ("application/json", "text/html"):
        anonymous = await client.request(
            method, url, headers={"Accept": accept}, allow_redirects=False
        )
        assert anonymous.status in (401, 303), (accept, anonymous.status)
        if anonymous.status == 303:
            assert anonymous.headers["Location"] == LOGIN_PATH

    if "{number}" not in path:
        return
    headers = await login(client, "zhao")
    outsider = await client.request(method, url, headers=headers, allow_redirects=False)
    assert outsider.status in (403, 404), outsider.status
    if outsider.status == 404:
        # Same answer as a ticket that does not exist: nothing leaks.
        missing = await client.request(
            method, concrete(path, "20991231-9999"), headers=headers, allow_redirects=False
        )
        assert missing.status == 404
        assert await outsider.read() == await missing.read()
    assert ticket.number not in await outsider.text()
