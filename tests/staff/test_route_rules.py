"""Every /console route says who may call it.

The console's routes are added with ``bot.staff.web.console_route(..., roles=...)``, which
records a rule. This test builds the console routes as the gateway does and fails for any
``/console`` route without a rule, so a page added with a bare ``app.router.add_get`` (or a
new console module forgetting its rule) breaks the suite.

When a new module adds console routes, add its ``setup_routes`` to ``CONSOLE_MODULES``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from aiohttp import web

from bot.console.dashboard_web import setup_console_dashboard
from bot.console.filing_web import setup_console_filing
from bot.console.handoff_web import setup_console_handoff
from bot.console.notices_web import setup_console_notices
from bot.console.web import setup_routes as setup_console_tickets
from bot.staff import ALL_ROLES, Role
from bot.staff.web import (
    PUBLIC,
    STAFF_SERVICE,
    console_route,
    route_rule,
    setup_routes,
    unruled_console_routes,
)


def _staff(app: web.Application) -> None:
    setup_routes(app, STAFF_SERVICE)


#: Every module that adds routes under /console, as ``(app) -> None``.
CONSOLE_MODULES: list[Callable[[web.Application], None]] = [
    _staff,
    setup_console_handoff,
    setup_console_filing,
    setup_console_notices,
    setup_console_dashboard,
    setup_console_tickets,
]


def console_app() -> web.Application:
    app = web.Application()
    for add_routes in CONSOLE_MODULES:
        add_routes(app)
    return app


def test_every_console_route_has_a_rule() -> None:
    app = console_app()
    assert unruled_console_routes(app) == []
    assert route_rule(app, "GET", "/console/login") == PUBLIC
    assert route_rule(app, "POST", "/console/login") == PUBLIC
    assert route_rule(app, "HEAD", "/console/login") == PUBLIC
    for path in ("/console/logout", "/console/logout-all"):
        rule = route_rule(app, "POST", path)
        assert rule is not None and not rule.public and rule.roles == ALL_ROLES
    me = route_rule(app, "GET", "/console/me")
    assert me is not None and not me.public


async def _handler(_: web.Request) -> web.Response:
    return web.Response(text="ok")


def test_a_route_without_a_rule_is_caught() -> None:
    app = console_app()
    app.router.add_get("/console/forgotten", _handler)
    app.router.add_post("/console/tickets/{number}/forgotten", _handler)
    app.router.add_get("/elsewhere", _handler)  # not the console's business
    assert unruled_console_routes(app) == [
        "GET /console/forgotten",
        "HEAD /console/forgotten",
        "POST /console/tickets/{number}/forgotten",
    ]


def test_routes_in_a_console_sub_app_are_walked_too() -> None:
    app = console_app()
    sub = web.Application()
    sub.router.add_get("/inbox", _handler)
    app.add_subapp("/console/handoff", sub)
    assert unruled_console_routes(app) == [
        "GET /console/handoff/inbox", "HEAD /console/handoff/inbox"
    ]


def test_console_route_records_its_rule_and_refuses_nonsense() -> None:
    app = web.Application()
    console_route(app, "GET", "/console/tickets", _handler, roles={Role.SECRETARY})
    rule = route_rule(app, "GET", "/console/tickets")
    assert rule is not None and rule.allows(Role.SECRETARY) and not rule.allows(Role.GRID_WORKER)
    assert unruled_console_routes(app) == []
    with pytest.raises(ValueError, match="already has a rule"):
        console_route(app, "GET", "/console/tickets", _handler, roles=ALL_ROLES)
    with pytest.raises(ValueError, match="roles=PUBLIC"):
        console_route(app, "GET", "/console/nobody", _handler, roles=set())
    with pytest.raises(ValueError, match="under /console"):
        console_route(app, "GET", "/tickets", _handler, roles=ALL_ROLES)
