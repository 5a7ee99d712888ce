"""Every page the gateway serves says how a browser may treat it (nosniff, no framing, CSP)."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.appkeys import ADDRESS_BOOK

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 32


@pytest.fixture
async def client(make_settings: Any, aiohttp_client: Any) -> TestClient:
    return await aiohttp_client(create_app(make_settings(), background=False))


async def _upload(client: TestClient) -> str:
    form = FormData()
    form.add_field("sender", "u1")
    form.add_field("file", JPEG, filename="p.jpg")
    response = await client.post("/webhooks/rest/upload", data=form)
    assert response.status == 201
    return str((await response.json())["url"])


def _directives(csp: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    return {p[0]: p[1] if len(p) > 1 else "" for p in parts}


async def _headers(client: TestClient, path: str) -> dict[str, str]:
    response = await client.get(path)
    assert response.status in {200, 404}, path
    await response.read()
    headers = dict(response.headers)
    assert headers.get("X-Content-Type-Options") == "nosniff", path
    assert headers.get("X-Frame-Options") == "DENY", path
    assert headers.get("Referrer-Policy") == "same-origin", path
    assert "Content-Security-Policy" in headers, path
    return headers


async def test_chat_page_has_a_strict_policy(client: TestClient) -> None:
    csp = _directives((await _headers(client, "/"))["Content-Security-Policy"])
    assert csp["default-src"] == "'none'"
    assert csp["script-src"] == "'self'" and "'unsafe-inline'" not in csp["style-src"]
    assert csp["img-src"] == "'self' data:"
    assert csp["connect-src"] == "'self'" and csp["frame-ancestors"] == "'none'"
    html = await (await client.get("/")).text()
    assert "<script>" not in html and "style=" not in html  # nothing inline to allow


async def test_door_plate_pages_have_a_policy(client: TestClient) -> None:
    headers = await _headers(client, "/b/NO-SUCH-CODE")
    csp = _directives(headers["Content-Security-Policy"])
    assert "script-src" not in csp and csp["default-src"] == "'none'"
    assert csp["style-src"] == "'self'" and csp["img-src"] == "'self' data:"


async def test_door_plate_landing_has_nothing_inline(client: TestClient) -> None:
    code = client.app[ADDRESS_BOOK].resolve("车站街道城南社区锦园小区3号楼").building_code
    headers = await _headers(client, f"/b/{code}")
    assert "script-src" not in headers["Content-Security-Policy"]
    html = await (await client.get(f"/b/{code}")).text()
    assert "锦园小区" in html and "style=" not in html and "<script" not in html


async def test_uploads_are_sandboxed(client: TestClient) -> None:
    url = await _upload(client)
    headers = await _headers(client, url)
    csp = _directives(headers["Content-Security-Policy"])
    assert "sandbox" in csp and csp["default-src"] == "'none'"
    assert headers["Content-Type"] == "image/jpeg"


async def test_errors_and_apis_are_locked_down(client: TestClient) -> None:
    headers = await _headers(client, "/no/such/page")
    assert _directives(headers["Content-Security-Policy"])["default-src"] == "'none'"
    headers = await _headers(client, "/uploads/nothing.jpg")
    assert "sandbox" in headers["Content-Security-Policy"]
