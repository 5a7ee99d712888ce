"""The console's HTTP foundation: sign-in routes, the staff guard, CSRF, security headers
and the route-authorization registry.

Every ``/console`` route is added through :func:`console_route`, which records its rule
(public, or the set of roles allowed) and wraps the handler in :func:`require_staff`.
:func:`unruled_console_routes` lists any ``/console`` route added some other way; the test
suite fails on it, so no console page can ship without an explicit rule.

A handler of a staff route reads who is asking with :func:`current_staff` and scopes its
ticket queries with :func:`bot.staff.scope.ticket_filter`::

    async def tickets(request: web.Request) -> web.Response:
        staff = current_staff(request).staff
        query = select(Ticket).where(ticket_filter(staff))
        ...

    console_route(app, "GET", "/console/tickets", tickets, roles=ALL_ROLES)
"""

from __future__ import annotations

import functools
import hmac
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from aiohttp import hdrs, web
from jinja2 import Environment

from bot.security_headers import CONSOLE_PREFIX, CSP_CONSOLE, is_console, secure
from bot.security_headers import SECURITY_HEADERS as BASE_SECURITY_HEADERS
from bot.staff import texts
from bot.staff.errors import AccountDisabled, BadCredentials, LoginLocked
from bot.staff.roles import ALL_ROLES, Role
from bot.staff.service import ConsoleSession, StaffService
from bot.templating import page_templates

HERE = Path(__file__).resolve().parent

COOKIE_NAME: Final = "minsheng_console"
CSRF_HEADER: Final = "X-CSRF-Token"
CSRF_FIELD: Final = "csrf_token"
LOGIN_PATH: Final = "/console/login"
#: Where a successful form sign-in lands: the ticket inbox (bot.console.web).
HOME_PATH: Final = "/console/"
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_PASSWORD_CHARS: Final = 1024

# What every console answer carries (bot.security_headers sets them, for 404s too).
SECURITY_HEADERS: Final = {
    **BASE_SECURITY_HEADERS,
    "Content-Security-Policy": CSP_CONSOLE,
    "Cache-Control": "no-store",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class RouteRule:
    """Who may call one console route: anybody (``public``) or staff with one of ``roles``."""

    public: bool
    roles: frozenset[Role] = frozenset()

    def allows(self, role: Role) -> bool:
        return self.public or role in self.roles


#: Pass as ``roles=PUBLIC`` for routes anybody may call (the sign-in page, its stylesheet).
PUBLIC: Final = RouteRule(public=True)


@dataclass(frozen=True, slots=True)
class ConsoleAuth:
    """What the guard needs, kept on the app by :func:`setup_routes`."""

    service_key: web.AppKey[StaffService]
    secure_cookies: bool | None  # None: follow the request's scheme
    # host[:port] of MINSHENG_PUBLIC_URL: behind a reverse proxy the Host header may be
    # the internal one while browsers send the public Origin.
    public_host: str = ""


CONSOLE_AUTH: web.AppKey[ConsoleAuth] = web.AppKey("staff_console_auth", ConsoleAuth)
ROUTE_RULES: web.AppKey[dict[tuple[str, str], RouteRule]] = web.AppKey(
    "staff_console_route_rules", dict
)
STAFF_SERVICE: web.AppKey[StaffService] = web.AppKey("staff_service", StaffService)
CONSOLE_SESSION: web.RequestKey[ConsoleSession] = web.RequestKey(
    "staff_console_session", ConsoleSession
)


# -- the registry ---------------------------------------------------------------------------


def console_route(
    app: web.Application,
    method: str,
    path: str,
    handler: Handler,
    *,
    roles: RouteRule | Iterable[Role],
    csrf: bool = True,
) -> web.AbstractRoute:
    """Add a ``/console`` route together with its authorization rule.

    ``roles=PUBLIC`` for a route anybody may call; otherwise the roles allowed (e.g.
    ``ALL_ROLES`` or ``{Role.SECRETARY, Role.ADMIN}``): the handler then runs only for a
    signed-in staff member of those roles, with :func:`current_staff` set, and unsafe
    methods must carry the session's CSRF token (``csrf=False`` only for a route with
    its own proof of intent).
    """
    if not path.startswith(CONSOLE_PREFIX):
        raise ValueError(f"console routes live under {CONSOLE_PREFIX}: {path}")
    if isinstance(roles, RouteRule):
        rule = roles
    else:
        allowed = frozenset(Role(role) for role in roles)
        if not allowed:
            raise ValueError(f"{method} {path}: give the roles allowed, or roles=PUBLIC")
        rule = RouteRule(public=False, roles=allowed)
    method = method.upper()
    rules = _rules(app)
    # Rules are kept by the router's canonical path ("{path:.+}" reads "{path}"), the name
    # the route table walk (unruled_console_routes) sees.
    key = (method, _canonical(path))
    if key in rules:
        raise ValueError(f"{method} {path} already has a rule")
    rules[key] = rule
    wrapped = handler if rule.public else require_staff(rule.roles, csrf=csrf)(handler)
    return app.router.add_route(method, path, wrapped)


_PATTERN = re.compile(r"\{(\w+):[^}]*\}")


def _canonical(path: str) -> str:
    return _PATTERN.sub(r"{\1}", path)


def _rules(app: web.Application) -> dict[tuple[str, str], RouteRule]:
    if ROUTE_RULES not in app:
        app[ROUTE_RULES] = {}
    return app[ROUTE_RULES]


def route_rule(app: web.Application, method: str, path: str) -> RouteRule | None:
    rules = app.get(ROUTE_RULES, {})
    method = method.upper()
    path = _canonical(path)
    return rules.get((method, path)) or (rules.get(("GET", path)) if method == "HEAD" else None)


def unruled_console_routes(app: web.Application) -> list[str]:
    """Every ``/console`` route of ``app`` without a registered rule, as sorted
    ``"METHOD /path"`` lines; an empty list means every console route says who may call
    it. Routes of a sub-app mounted under ``/console`` are always listed: add console
    routes to the main app with :func:`console_route`, where their rules are kept."""
    missing: list[str] = []
    for resource in app.router.resources():
        if isinstance(resource, web.PrefixedSubAppResource):
            if resource.canonical.startswith(CONSOLE_PREFIX):
                sub = resource._app  # no public accessor
                missing += [
                    f"{route.method.upper()} {sub_resource.canonical}"
                    for sub_resource in sub.router.resources()
                    for route in sub_resource
                ]
            continue
        path = resource.canonical
        if not path.startswith(CONSOLE_PREFIX):
            continue
        for route in resource:
            method = route.method.upper()
            if method == "*" or route_rule(app, method, path) is None:
                missing.append(f"{method} {path}")
    return sorted(missing)


# -- the guard ------------------------------------------------------------------------------


def current_staff(request: web.Request) -> ConsoleSession:
    """The session of the staff member calling a staff route (set by the guard)."""
    return request[CONSOLE_SESSION]


def require_staff(
    roles: Iterable[Role] = ALL_ROLES, *, csrf: bool = True
) -> Callable[[Handler], Handler]:
    """Decorate a handler so that it runs only for a signed-in staff member of ``roles``.

    Not signed in: a page request is sent to the sign-in page, anything else gets 401
    JSON. Wrong role: 403. An unsafe method without the session's CSRF token (header
    ``X-CSRF-Token`` or form field ``csrf_token``): 403. Prefer :func:`console_route`,
    which also records the rule.
    """
    allowed = frozenset(Role(role) for role in roles)

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            auth = request.app[CONSOLE_AUTH]
            refused = _refuse_cross_site(request)
            if refused is not None:
                return refused
            service = request.app[auth.service_key]
            session = await service.session_for(request.cookies.get(COOKIE_NAME))
            if session is None:
                return _login_required(request)
            if session.staff.role not in allowed:
                return _json_error(403, "forbidden", texts.FORBIDDEN_ROLE)
            unsafe = csrf and request.method not in SAFE_METHODS
            if unsafe and not await _csrf_ok(request, session.csrf_token):
                return _json_error(403, "csrf", texts.CSRF_REFUSED)
            request[CONSOLE_SESSION] = session
            return await handler(request)

        return guarded

    return decorate


async def _csrf_ok(request: web.Request, expected: str) -> bool:
    given = request.headers.get(CSRF_HEADER, "")
    if not given and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        form = await request.post()
        value = form.get(CSRF_FIELD, "")
        given = value if isinstance(value, str) else ""
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


def _refuse_cross_site(request: web.Request) -> web.Response | None:
    """Refuse an unsafe request a browser says came from another site (before the cookie,
    which SameSite=Strict already withholds, matters; this also guards sign-in)."""
    if request.method in SAFE_METHODS:
        return None
    if request.headers.get("Sec-Fetch-Site", "") == "cross-site":
        return _json_error(403, "csrf", texts.CSRF_REFUSED)
    origin = request.headers.get(hdrs.ORIGIN)
    if origin is None:
        return None
    auth = request.app.get(CONSOLE_AUTH)
    allowed = {request.host, auth.public_host if auth else ""} - {""}
    if origin == "null" or urlsplit(origin).netloc not in allowed:
        return _json_error(403, "csrf", texts.CSRF_REFUSED)
    return None


def _wants_html(request: web.Request) -> bool:
    return request.method in SAFE_METHODS and "text/html" in request.headers.get(hdrs.ACCEPT, "")


def _login_required(request: web.Request) -> web.StreamResponse:
    if _wants_html(request):
        return _see_other(LOGIN_PATH)
    return _json_error(401, "login_required", texts.LOGIN_REQUIRED)


def _see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={hdrs.LOCATION: location})


def _json_error(status: int, code: str, message: str, **headers: str) -> web.Response:
    return web.json_response(
        {"error": code, "message": message}, status=status, headers=headers or None
    )


# -- security headers -----------------------------------------------------------------------


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    # Also on a console-only app (tests, a separate admin port) without the gateway's
    # middleware; on the gateway both set the same values.
    if is_console(request.path):
        secure(request, response)


# -- sign-in routes -------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _templates() -> Environment:
    return page_templates(HERE / "templates")


def render_login(
    *,
    error: str = "",
    notice: str = "",
    username: str = "",
    session: ConsoleSession | None = None,
) -> str:
    staff = session.staff if session else None
    return _templates().get_template("login.html").render(
        t=texts.PAGE,
        error=error,
        notice=notice,
        username=username,
        staff=staff,
        role_label=texts.ROLE_LABELS[staff.role.value] if staff else "",
        csrf_token=session.csrf_token if session else "",
    )


def _html(text: str, status: int = 200, **headers: str) -> web.Response:
    return web.Response(
        text=text, status=status, content_type="text/html", charset="utf-8",
        headers=headers or None,
    )


def _is_json(request: web.Request) -> bool:
    return request.content_type == "application/json" or (
        "application/json" in request.headers.get(hdrs.ACCEPT, "")
        and "text/html" not in request.headers.get(hdrs.ACCEPT, "")
    )


def setup_routes(
    app: web.Application,
    service_key: web.AppKey[StaffService] = STAFF_SERVICE,
    *,
    public_url: str | None = None,
) -> None:
    """Add the sign-in routes and the console's guard, headers and rule registry.

    ``service_key`` names the :class:`StaffService` on the app. The cookie is marked
    ``Secure`` when ``public_url`` is https (when it is not given, when the request came
    over https).
    """
    secure = None if public_url is None else public_url.lower().startswith("https://")
    app[CONSOLE_AUTH] = ConsoleAuth(service_key, secure, urlsplit(public_url or "").netloc)
    app.on_response_prepare.append(_security_headers)

    def set_cookie(request: web.Request, response: web.StreamResponse, token: str) -> None:
        response.set_cookie(
            COOKIE_NAME, token, path=CONSOLE_PREFIX, httponly=True, samesite="Strict",
            secure=request.secure if secure is None else secure,
        )

    def drop_cookie(request: web.Request, response: web.StreamResponse) -> None:
        response.del_cookie(
            COOKIE_NAME, path=CONSOLE_PREFIX, httponly=True, samesite="Strict",
            secure=request.secure if secure is None else secure,
        )

    async def login_page(request: web.Request) -> web.Response:
        service = request.app[service_key]
        session = await service.session_for(request.cookies.get(COOKIE_NAME))
        notice = texts.LOGGED_OUT if request.query.get("bye") == "1" else ""
        if request.query.get("bye") == "all":
            notice = texts.LOGGED_OUT_ALL
        return _html(render_login(session=session, notice=notice))

    async def login(request: web.Request) -> web.StreamResponse:
        refused = _refuse_cross_site(request)
        if refused is not None:
            return refused
        as_json = _is_json(request)
        data: dict[str, Any]
        try:
            if request.content_type == "application/json":
                data = dict(await request.json())
            else:
                data = dict(await request.post())
        except (ValueError, TypeError):
            data = {}
        username, password = data.get("username"), data.get("password")
        if (
            not isinstance(username, str) or not isinstance(password, str)
            or not username.strip() or not password or len(password) > MAX_PASSWORD_CHARS
        ):
            return _login_failed(as_json, 400, "bad_input", texts.BAD_FORM, "")
        service = request.app[service_key]
        try:
            done = await service.authenticate(username, password, request.remote)
        except LoginLocked as exc:
            return _login_failed(
                as_json, 429, exc.code, str(exc), username,
                **{"Retry-After": str(int(exc.retry_after + 0.999))},
            )
        except (BadCredentials, AccountDisabled) as exc:
            return _login_failed(as_json, 401, exc.code, str(exc), username)
        # A fresh token on every sign-in; the session the browser came with (if any) ends.
        await service.logout(request.cookies.get(COOKIE_NAME))
        response: web.StreamResponse
        if as_json:
            response = web.json_response({
                "ok": True,
                "staff": done.session.staff.as_json(),
                "csrf_token": done.session.csrf_token,
                "expires_at": done.session.expires_at.isoformat() + "Z",
            })
        else:
            response = _see_other(HOME_PATH)
        set_cookie(request, response, done.token)
        return response

    async def logout(request: web.Request) -> web.StreamResponse:
        await request.app[service_key].logout(request.cookies.get(COOKIE_NAME))
        return _after_logout(request, "1", texts.LOGGED_OUT)

    async def logout_all(request: web.Request) -> web.StreamResponse:
        staff = current_staff(request).staff
        await request.app[service_key].logout_everywhere(staff.account_id)
        return _after_logout(request, "all", texts.LOGGED_OUT_ALL)

    def _after_logout(request: web.Request, bye: str, message: str) -> web.StreamResponse:
        response: web.StreamResponse
        if _is_json(request) or request.headers.get(CSRF_HEADER):
            response = web.json_response({"ok": True, "message": message})
        else:
            response = _see_other(f"{LOGIN_PATH}?bye={bye}")
        drop_cookie(request, response)
        return response

    async def me(request: web.Request) -> web.Response:
        session = current_staff(request)
        return web.json_response({
            **session.staff.as_json(),
            "csrf_token": session.csrf_token,
            "expires_at": session.expires_at.isoformat() + "Z",
        })

    console_route(app, "GET", LOGIN_PATH, login_page, roles=PUBLIC)
    console_route(app, "POST", LOGIN_PATH, login, roles=PUBLIC)
    console_route(app, "POST", "/console/logout", logout, roles=ALL_ROLES)
    console_route(app, "POST", "/console/logout-all", logout_all, roles=ALL_ROLES)
    console_route(app, "GET", "/console/me", me, roles=ALL_ROLES)


def _login_failed(
    as_json: bool, status: int, code: str, message: str, username: str, **headers: str
) -> web.Response:
    if as_json:
        return _json_error(status, code, message, **headers)
    return _html(render_login(error=message, username=username), status, **headers)
