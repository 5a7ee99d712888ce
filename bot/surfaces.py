"""The HTTP surfaces of the gateway, one setup function each.

Each surface adds its routes and reads the one service it needs from the app under a typed
key (:mod:`bot.appkeys`), filled in when the runtime has started. The staff console and the
dashboard get their own ``setup_console`` / ``setup_dashboard`` here, next to the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from aiohttp import web

from bot.appkeys import (
    ADDRESS_BOOK,
    GATEWAY,
    NLU_SERVICE,
    RATE_LIMITER,
    RUNTIME,
    TICKET_SERVICE,
)
from bot.gateway import Gateway
from bot.ratelimit import Handler, Rule, rate_limit_middleware
from bot.security_headers import security_headers


class RoutedConnector(Protocol):
    """What this module needs of a connector (``connectors.base.Connector`` has it); the
    connectors themselves are found by the composition roots, never named here."""

    def setup_routes(self, app: web.Application, gateway_key: web.AppKey[Gateway]) -> None: ...


async def healthz(request: web.Request) -> web.Response:
    report = await request.app[RUNTIME].health()
    return web.json_response(report, status=200 if report["status"] == "ok" else 503)


def setup_health(app: web.Application) -> None:
    """``GET /healthz``: liveness and readiness of each part."""
    app.router.add_get("/healthz", healthz)


def setup_nlu(app: web.Application) -> None:
    """``POST /model/parse``: the NLU as a Rasa-compatible HTTP service."""
    from nlu.http import setup_routes

    setup_routes(app, NLU_SERVICE)


def setup_door_plates(app: web.Application) -> None:
    """``/b/{code}``: the pages door-plate QR codes open."""
    from bot.addresses.web import setup_routes

    setup_routes(app, ADDRESS_BOOK)


def setup_open311(app: web.Application) -> None:
    """``/open311/...``: the GeoReport v2 API for other systems."""
    from bot.tickets.open311 import setup_routes

    setup_routes(app, TICKET_SERVICE, limiter_key=RATE_LIMITER)


def setup_intake(app: web.Application) -> None:
    """``/intake/v1/...``: orders from hotlines and platforms, with the source's API key."""
    from bot.intake.orders import OrderIntake
    from bot.intake.orders_web import ORDER_INTAKE, setup_routes
    from flows import detect_danger

    async def provide(app: web.Application) -> None:
        runtime = app[RUNTIME]
        app[ORDER_INTAKE] = OrderIntake(
            runtime.tickets,
            runtime.addresses,
            runtime.catalog,
            parse=runtime.nlu.parse_async,
            is_urgent=lambda text: detect_danger(text) is not None,
        )

    setup_routes(app, ORDER_INTAKE, limiter_key=RATE_LIMITER)
    app.on_startup.append(provide)


def setup_intake_alarms(app: web.Application) -> None:
    """``POST /intake/v1/alarms``: sensor readings; devices that keep exceeding make cases.
    At start-up the service (rules read and checked against the catalog: a bad rules file
    stops the gateway with its line and key) and its periodic sweep."""
    import asyncio
    import contextlib

    from bot.intake.alarms.rules import AlarmRules
    from bot.intake.alarms.service import AlarmService
    from bot.intake.alarms.web import (
        ALARM_BATCH_MAX,
        ALARM_LIMITER,
        ALARM_SERVICE,
        alarm_jobs,
        setup_routes,
    )
    from bot.tickets.scheduler import scheduler_loop

    setup_routes(app)
    sweep: dict[str, Any] = {}

    async def start(app: web.Application) -> None:
        # on_startup runs after the runtime context (aiohttp runs cleanup contexts first).
        runtime = app[RUNTIME]
        settings = runtime.settings
        rules = AlarmRules.load(settings.effective_alarm_rules_file, runtime.catalog)
        service = AlarmService(runtime.sessions, runtime.tickets, rules)
        app[ALARM_SERVICE] = service
        app[ALARM_BATCH_MAX] = settings.alarm_batch_max
        app[ALARM_LIMITER] = app[RATE_LIMITER]
        if runtime.dispatcher is not None:  # background workers are on
            stop = asyncio.Event()
            task = asyncio.create_task(
                scheduler_loop(
                    runtime.tickets, runtime.sessions, jobs=alarm_jobs(service), stop=stop
                ),
                name="alarm-sweep",
            )
            sweep.update(stop=stop, task=task)

    async def stop(app: web.Application) -> None:
        # on_shutdown comes before the runtime closes the database under the task.
        if not sweep:
            return
        sweep["stop"].set()
        task: asyncio.Task[None] = sweep["task"]
        done, _ = await asyncio.wait({task}, timeout=10)
        if not done:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app.on_startup.append(start)
    app.on_shutdown.append(stop)


def setup_connectors(app: web.Application, connectors: Sequence[RoutedConnector]) -> None:
    """Each connector's own routes; they reach the core through :data:`GATEWAY`."""
    for connector in connectors:
        connector.setup_routes(app, GATEWAY)


def setup_security_headers(app: web.Application) -> None:
    app.middlewares.append(security_headers)


#: Per client address: every resident- or partner-facing POST, and /model/parse.
RATE_RULES = (
    Rule("web-message", "/webhooks/rest/webhook", "ip", methods={"POST"}),
    Rule("web-upload", "/webhooks/rest/upload", "upload_ip", methods={"POST"}),
    Rule("web-session", "/webhooks/rest/session", "ip", methods={"POST"}),
    Rule("open311-post", "/open311/v2/requests", "ip", methods={"POST"}),
    Rule("nlu-parse", "/model/parse", "parse", methods={"POST"}),
)


def setup_rate_limits(app: web.Application, trusted_proxies: Sequence[str]) -> None:
    """Per-address limits (:data:`RATE_RULES`); per-sender and per-key limits are checked
    where the sender or key is known (the gateway, the REST channel, Open311)."""
    app.middlewares.append(
        rate_limit_middleware(RATE_LIMITER, RATE_RULES, trusted_proxies=tuple(trusted_proxies))
    )


def setup_console(app: web.Application, public_url: str | None = None) -> None:
    """``/console/...``: staff sign-in and sessions, then each console page with its rule."""
    from bot.console.assets import setup_console_assets
    from bot.console.dashboard_web import setup_console_dashboard
    from bot.console.filing_web import setup_console_filing
    from bot.console.handoff_web import setup_console_handoff
    from bot.console.notices_web import setup_console_notices
    from bot.staff.web import STAFF_SERVICE, setup_routes

    setup_routes(app, STAFF_SERVICE, public_url=public_url)
    setup_console_assets(app)  # one folder, one route: every page's CSS and JS
    setup_console_tickets(app)
    setup_console_handoff(app)
    setup_console_filing(app)
    setup_console_notices(app)
    setup_console_dashboard(app)


def setup_console_tickets(app: web.Application) -> None:
    """``/console/`` inbox, ticket pages, live feed and actions (bot.console.web); their
    services are read from the runtime once it has started."""
    import time

    from bot.console.web import CONSOLE_DEPS, ConsoleDeps, setup_routes
    from bot.intake.web import INTAKE_SOURCES

    # Labels of registered intake sources (12345热线, ...): read at start-up and again at
    # most every 30 s while staff use the console, so a source added by the command line
    # shows by its name on every worker without a restart.
    labels: dict[str, str] = {}
    read_at = [0.0]

    async def refresh_labels() -> None:
        if time.monotonic() - read_at[0] < 30:
            return
        read_at[0] = time.monotonic()
        fresh = await app[INTAKE_SOURCES].labels()
        labels.clear()
        labels.update(fresh)

    @web.middleware
    async def console_labels(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith("/console"):
            await refresh_labels()
        return await handler(request)

    async def provide(app: web.Application) -> None:
        # on_startup runs after the runtime context (aiohttp runs cleanup contexts first).
        runtime = app[RUNTIME]
        app[CONSOLE_DEPS] = ConsoleDeps(
            sessions=runtime.sessions,
            tickets=runtime.tickets,
            addresses=runtime.addresses,
            media=runtime.media,
            catalog=runtime.catalog,
            max_photo_bytes=runtime.settings.upload_max_bytes,
            source_labels=labels,
        )

    setup_routes(app)
    app.middlewares.append(console_labels)
    app.on_startup.append(provide)


def setup_all(
    app: web.Application,
    connectors: Sequence[RoutedConnector],
    *,
    public_url: str | None = None,
    trusted_proxies: Sequence[str] = ("127.0.0.1", "::1"),
) -> None:
    setup_security_headers(app)
    setup_rate_limits(app, trusted_proxies)
    setup_health(app)
    setup_connectors(app, connectors)
    setup_nlu(app)
    setup_door_plates(app)
    setup_open311(app)
    setup_intake(app)
    setup_intake_alarms(app)
    setup_console(app, public_url)
