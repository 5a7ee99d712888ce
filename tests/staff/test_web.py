"""The console's sign-in over HTTP: a small app built here with setup_routes (not bot.app),
real SQLite, aiohttp's test client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlmodel import select

from bot.console.assets import setup_console_assets
from bot.db import create_engine_for, make_session_factory
from bot.staff import ALL_ROLES, Role, ticket_filter
from bot.staff.web import (
    COOKIE_NAME,
    SECURITY_HEADERS,
    STAFF_SERVICE,
    console_route,
    current_staff,
    setup_routes,
)
from bot.tickets.models import Ticket
from tests.staff.conftest import PASSWORD, StaffWorld, make_service
from tests.tickets.conftest import Clock, local

Client = TestClient  # type: ignore[type-arg]
MakeClient = Callable[..., Awaitable[Client]]


@pytest.fixture
async def sqlite_world(sqlite_url: str) -> AsyncIterator[StaffWorld]:
    engine = create_engine_for(sqlite_url)
    clock = Clock(local(2026, 12, 1, 9, 0))
    world = StaffWorld(make_service(make_session_factory(engine), clock), clock)
    await world.add("wang", Role.GRID_WORKER, "grid:370399001001W01")
    await world.add("li", Role.SECRETARY, "community:370399001001")
    yield world
    await engine.dispose()


def build_app(world: StaffWorld, public_url: str = "http://127.0.0.1:8080") -> web.Application:
    app = web.Application()
    app[STAFF_SERVICE] = world.service
    setup_routes(app, STAFF_SERVICE, public_url=public_url)
    setup_console_assets(app)  # the sign-in page's stylesheet

    async def secretary_only(request: web.Request) -> web.Response:
        staff = current_staff(request).staff
        where = str(
            select(Ticket.number).where(ticket_filter(staff)).compile(
                compile_kwargs={"literal_binds": True}
            )
        )
        return web.json_response({"who": staff.username, "where": where})

    async def echo(request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "who": current_staff(request).staff.username})

    console_route(app, "GET", "/console/secretary", secretary_only,
                  roles={Role.SECRETARY, Role.ADMIN})
    console_route(app, "POST", "/console/echo", echo, roles=ALL_ROLES)
    return app


@pytest.fixture
async def client(aiohttp_client: MakeClient, sqlite_world: StaffWorld) -> Client:
    return await aiohttp_client(build_app(sqlite_world))


async def login(client: Client, username: str = "wang", password: str = PASSWORD) -> str:
    """Sign in with JSON; returns the session's CSRF token."""
    response = await client.post(
        "/console/login", json={"username": username, "password": password}
    )
    assert response.status == 200, await response.text()
    body: dict[str, Any] = await response.json()
    return str(body["csrf_token"])


def assert_security_headers(response: Any) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value, name
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


async def test_login_page_is_chinese_phone_friendly_and_locked_down(client: Client) -> None:
    response = await client.get("/console/login")
    assert response.status == 200
    html = await response.text()
    assert 'lang="zh-CN"' in html and "民生诉求工作台" in html and "登录" in html
    assert 'name="viewport"' in html and 'type="password"' in html
    assert "<style" not in html and "<script" not in html  # CSP default-src 'self'
    assert_security_headers(response)
    css = await client.get("/console/static/signin.css")
    assert css.status == 200 and css.content_type == "text/css"
    assert_security_headers(css)


async def test_form_login_sets_a_strict_http_only_cookie(client: Client) -> None:
    response = await client.post(
        "/console/login", data={"username": "wang", "password": PASSWORD},
        allow_redirects=False,
    )
    assert response.status == 303
    assert response.headers["Location"] == "/console/"
    assert_security_headers(response)
    cookie = response.cookies[COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/console"
    assert not cookie["secure"]  # public_url is http here
    page = await client.get("/console/login")
    html = await page.text()
    assert "已登录：wang（网格员）" in html and 'name="csrf_token"' in html


async def test_cookie_is_secure_when_public_url_is_https(
    aiohttp_client: MakeClient, sqlite_world: StaffWorld
) -> None:
    client = await aiohttp_client(build_app(sqlite_world, "https://12345.gov.cn"))
    response = await client.post(
        "/console/login", json={"username": "wang", "password": PASSWORD}
    )
    assert response.status == 200
    header = response.headers["Set-Cookie"]
    assert "Secure" in header and "HttpOnly" in header and "SameSite=Strict" in header


async def test_me_says_who_and_where(client: Client) -> None:
    csrf = await login(client, "li")
    response = await client.get("/console/me")
    assert response.status == 200
    assert_security_headers(response)
    body = await response.json()
    assert body["username"] == "li" and body["role"] == "secretary"
    assert body["role_label"] == "社区书记"
    assert body["scope"] == {
        "level": "community", "code": "370399001001", "everything": False,
        "label": "社区：370399001001",
    }
    assert body["csrf_token"] == csrf


async def test_wrong_password_answers_in_chinese(client: Client) -> None:
    response = await client.post(
        "/console/login", json={"username": "wang", "password": "nope"}
    )
    assert response.status == 401
    assert await response.json() == {
        "error": "bad_credentials", "message": "用户名或密码不正确，请重新输入。"
    }
    form = await client.post("/console/login", data={"username": "wang", "password": "nope"})
    assert form.status == 401
    html = await form.text()
    assert "用户名或密码不正确" in html and 'value="wang"' in html
    empty = await client.post("/console/login", data={"username": "", "password": ""})
    assert empty.status == 400 and "请填写用户名和密码" in await empty.text()


async def test_locked_login_answers_429_with_retry_after(client: Client) -> None:
    for _ in range(4):
        response = await client.post(
            "/console/login", json={"username": "wang", "password": "nope"}
        )
        assert response.status == 401
    locked = await client.post("/console/login", json={"username": "wang", "password": "nope"})
    assert locked.status == 429
    assert locked.headers["Retry-After"] == "900"
    body = await locked.json()
    assert body["error"] == "login_locked" and "登录失败次数过多" in body["message"]
    right = await client.post(
        "/console/login", data={"username": "wang", "password": PASSWORD}
    )
    assert right.status == 429 and "请于" in await right.text()


async def test_staff_routes_need_a_session(client: Client) -> None:
    api = await client.get("/console/me")
    assert api.status == 401
    assert (await api.json())["message"] == "请先登录工作台。"
    assert_security_headers(api)
    page = await client.get(
        "/console/me", headers={"Accept": "text/html"}, allow_redirects=False
    )
    assert page.status == 303 and page.headers["Location"] == "/console/login"


async def test_roles_are_enforced_and_the_scope_reaches_the_handler(client: Client) -> None:
    await login(client, "wang")
    refused = await client.get("/console/secretary")
    assert refused.status == 403
    assert (await refused.json())["message"] == "您的账号没有权限进行此操作。"
    client.session.cookie_jar.clear()
    await login(client, "li")
    allowed = await client.get("/console/secretary")
    assert allowed.status == 200
    body = await allowed.json()
    assert body["who"] == "li"
    assert "community_code = '370399001001'" in body["where"]


async def test_unsafe_methods_need_the_csrf_token(client: Client) -> None:
    csrf = await login(client)
    for headers in ({}, {"X-CSRF-Token": "forged"}, {"X-CSRF-Token": csrf[:-1]}):
        response = await client.post("/console/echo", headers=headers)
        assert response.status == 403
        assert (await response.json())["error"] == "csrf"
        assert_security_headers(response)
    assert (await client.post("/console/logout")).status == 403
    ok = await client.post("/console/echo", headers={"X-CSRF-Token": csrf})
    assert ok.status == 200 and (await ok.json())["who"] == "wang"
    form = await client.post("/console/echo", data={"csrf_token": csrf})
    assert form.status == 200
    wrong_form = await client.post("/console/echo", data={"csrf_token": "x" * len(csrf)})
    assert wrong_form.status == 403


async def test_cross_site_posts_are_refused(client: Client) -> None:
    csrf = await login(client)
    evil = await client.post(
        "/console/echo", headers={"X-CSRF-Token": csrf, "Origin": "https://evil.example"}
    )
    assert evil.status == 403
    login_from_elsewhere = await client.post(
        "/console/login", json={"username": "wang", "password": PASSWORD},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert login_from_elsewhere.status == 403


async def test_logout_ends_this_session(client: Client) -> None:
    csrf = await login(client)
    response = await client.post(
        "/console/logout", data={"csrf_token": csrf}, allow_redirects=False
    )
    assert response.status == 303
    assert response.headers["Location"] == "/console/login?bye=1"
    assert response.cookies[COOKIE_NAME].value == ""
    assert (await client.get("/console/me")).status == 401
    bye = await client.get("/console/login?bye=1")
    assert "您已退出登录" in await bye.text()


async def test_logout_all_ends_every_device(
    aiohttp_client: MakeClient, sqlite_world: StaffWorld
) -> None:
    app = build_app(sqlite_world)
    phone = await aiohttp_client(app)
    laptop = await aiohttp_client(app)
    li = await aiohttp_client(app)
    csrf = await login(phone)
    await login(laptop)
    await login(li, "li")
    response = await phone.post("/console/logout-all", headers={"X-CSRF-Token": csrf})
    assert response.status == 200
    assert (await response.json())["message"] == "已在所有设备上退出登录。"
    assert (await phone.get("/console/me")).status == 401
    assert (await laptop.get("/console/me")).status == 401
    assert (await li.get("/console/me")).status == 200


async def test_session_expires_when_idle(client: Client, sqlite_world: StaffWorld) -> None:
    await login(client)
    sqlite_world.clock.advance(minutes=119)
    assert (await client.get("/console/me")).status == 200
    sqlite_world.clock.advance(minutes=119)
    assert (await client.get("/console/me")).status == 200
    sqlite_world.clock.advance(minutes=121)
    assert (await client.get("/console/me")).status == 401


async def test_public_origin_is_accepted_behind_a_proxy(
    aiohttp_client: MakeClient, sqlite_world: StaffWorld
) -> None:
    client = await aiohttp_client(build_app(sqlite_world, "https://12345.gov.cn"))
    response = await client.post(
        "/console/login", json={"username": "wang", "password": PASSWORD},
        headers={"Origin": "https://12345.gov.cn"},
    )
    assert response.status == 200
    other = await client.post(
        "/console/login", json={"username": "wang", "password": PASSWORD},
        headers={"Origin": "https://12345.gov.cn.evil.example"},
    )
    assert other.status == 403


async def test_signing_in_again_ends_the_previous_session(
    client: Client, sqlite_world: StaffWorld
) -> None:
    await login(client)
    old = client.session.cookie_jar.filter_cookies(client.make_url("/console/me"))[COOKIE_NAME]
    await login(client)
    assert await sqlite_world.service.session_for(old.value) is None
    assert (await client.get("/console/me")).status == 200
