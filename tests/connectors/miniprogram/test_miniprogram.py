"""The mini-program API against the running app: login through a fake code2session on
127.0.0.1, reporting with a photo, list, detail, urge, rating; every response checked
against the served OpenAPI file; others' tickets invisible; bad forms refused clearly."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient
from jsonschema import Draft202012Validator

from bot.app import create_app
from bot.appkeys import RUNTIME
from bot.runtime import Runtime
from bot.tickets import Dispatcher
from connectors.miniprogram.api import SPEC_PATH
from tests.connectors.miniprogram.fake_wechat import FakeWeChat

APP_ID, SECRET = "wxmini000001", "mini-secret-1"
BUILDING = "370303001001X01-001"  # 锦园小区1号楼
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
AMR = b"#!AMR\n" + b"\x3c" * 200
MP4 = b"\x00\x00\x00\x18ftypisom" + b"\x00" * 200
SPEC: dict[str, Any] = json.loads(SPEC_PATH.read_text("utf-8"))


def checked(path: str, method: str, status: int, body: Any) -> Any:
    """``body`` valid against the spec's schema for this operation and status."""
    operation = SPEC["paths"][path][method]
    assert str(status) in operation["responses"], f"{method} {path} {status} undocumented"
    schema = operation["responses"][str(status)]["content"]["application/json"]["schema"]
    validator = Draft202012Validator(
        {**schema, "components": SPEC["components"]},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    validator.validate(body)
    return body


async def call(
    client: TestClient, method: str, path: str, template: str, status: int, **kwargs: Any
) -> Any:
    response = await client.request(method.upper(), path, **kwargs)
    body = await response.json()
    assert response.status == status, body
    return checked(template, method, status, body)


@pytest.fixture
def fake() -> FakeWeChat:
    return FakeWeChat(APP_ID, SECRET)


@pytest.fixture
async def client(
    fake: FakeWeChat, make_settings: Any, aiohttp_client: Any, aiohttp_server: Any
) -> TestClient:
    wechat = await aiohttp_server(fake.app(), host="127.0.0.1")
    settings = make_settings(
        mp_subscribe_template_id="tmpl-status-1",
        mp_app_id=APP_ID,
        mp_app_secret=SECRET,
        mp_session_secret="a-long-random-session-secret",
        wechat_api_base=str(wechat.make_url("")).rstrip("/"),
        upload_max_bytes=64 * 1024,
        mp_rate_per_minute=1000,
        mp_ip_rate_per_minute=1000,
    )
    test_client: TestClient = await aiohttp_client(create_app(settings, background=False))
    return test_client


async def login(client: TestClient, openid: str) -> dict[str, str]:
    body = await call(
        client, "post", "/mp/login", "/mp/login", 200, json={"code": f"code-{openid}"}
    )
    return {"Authorization": f"Bearer {body['token']}"}


def report(request_id: str, *, confirm: bool, **fields: str) -> FormData:
    form = FormData()
    form.add_field("client_request_id", request_id)
    form.add_field("text", fields.pop("text", "楼道灯坏了，晚上很黑"))
    for name, value in fields.items():
        form.add_field(name, value)
    if confirm:
        form.add_field("confirm", "true")
    form.add_field("photo", PNG, filename="a.png", content_type="image/png")
    form.add_field("voice", AMR, filename="v.amr", content_type="audio/amr")
    return form


async def test_a_resident_reports_follows_urges_and_rates(
    client: TestClient, fake: FakeWeChat
) -> None:
    runtime: Runtime = client.app[RUNTIME]
    fake.subscribed.add("openid-alice")
    alice = await login(client, "openid-alice")
    request_id = uuid.uuid4().hex

    preview = await call(
        client, "post", "/mp/tickets", "/mp/tickets", 200, headers=alice,
        data=report(request_id, confirm=False, building_code=BUILDING),
    )
    draft = preview["draft"]
    assert preview["confirm_required"] and draft["category"] == "report_lighting"
    assert draft["building_code"] == BUILDING and "锦园小区" in draft["address"]
    assert await runtime.tickets.list_for_reporter("miniprogram", "openid-alice") == []

    created = await call(
        client, "post", "/mp/tickets", "/mp/tickets", 201, headers=alice,
        data=report(request_id, confirm=True, building_code=BUILDING,
                    category=draft["category"]),
    )
    ticket = created["ticket"]
    number = ticket["number"]
    assert ticket["status"] == "submitted" and ticket["category"] == "report_lighting"
    assert sorted(e["kind"] for e in ticket["evidence"]) == ["image", "voice"]
    # A retried submit (same client_request_id) is the same ticket, not a second one,
    # and its files are not stored twice.
    stored = sorted(runtime.settings.upload_dir.iterdir())
    again = await call(
        client, "post", "/mp/tickets", "/mp/tickets", 201, headers=alice,
        data=report(request_id, confirm=True, building_code=BUILDING,
                    category=draft["category"]),
    )
    assert again["ticket"]["number"] == number
    assert sorted(runtime.settings.upload_dir.iterdir()) == stored
    # A typed address resolves to the building too.
    typed = await call(
        client, "post", "/mp/tickets", "/mp/tickets", 200, headers=alice,
        data=report(uuid.uuid4().hex, confirm=False, address="城南社区锦园小区2号楼",
                    text="小区门口垃圾好几天没人清运"),
    )
    assert typed["draft"]["building_code"] and typed["draft"]["alternatives"]

    listed = await call(client, "get", "/mp/tickets", "/mp/tickets", 200, headers=alice)
    assert [t["number"] for t in listed["tickets"]] == [number]
    detail = await call(
        client, "get", f"/mp/tickets/{number}", "/mp/tickets/{number}", 200, headers=alice
    )
    assert detail["ticket"]["history"][0]["kind"] == "filed"
    evidence_url = detail["ticket"]["evidence"][0]["url"]
    assert evidence_url.startswith("/uploads/")

    urged = await call(
        client, "post", f"/mp/tickets/{number}/urge", "/mp/tickets/{number}/urge", 200,
        headers=alice, json={"text": "怎么还没人来修"},
    )
    assert urged["ticket"]["urge_count"] == 1 and urged["staff_notified"] is True

    # Not yet resolved: rating is refused.
    await call(
        client, "post", f"/mp/tickets/{number}/rating", "/mp/tickets/{number}/rating", 409,
        headers=alice, json={"rating": 5},
    )
    await runtime.tickets.resolve(number, "罗雪", "已更换灯泡")
    # The status change reaches Alice as a subscribe message that opens the ticket.
    await Dispatcher(runtime.sessions, runtime.outputs).drain()
    [pushed, *_] = [m for m in fake.subscribe_sent if m["touser"] == "openid-alice"]
    assert pushed["template_id"] == "tmpl-status-1"
    assert pushed["page"] == f"pages/ticket/detail?number={number}"
    assert pushed["data"]["character_string1"] == {"value": number}
    rated = await call(
        client, "post", f"/mp/tickets/{number}/rating", "/mp/tickets/{number}/rating", 200,
        headers=alice, json={"rating": 5, "comment": "很快，谢谢"},
    )
    assert rated["ticket"]["status"] == "closed" and rated["ticket"]["rating"] == 5
    await call(
        client, "post", f"/mp/tickets/{number}/urge", "/mp/tickets/{number}/urge", 409,
        headers=alice, json={},
    )

    building = await call(
        client, "get", f"/mp/buildings/{BUILDING}", "/mp/buildings/{code}", 200, headers=alice
    )
    assert building["building"]["code"] == BUILDING and building["building"]["contacts"]
    await call(
        client, "get", "/mp/buildings/nope", "/mp/buildings/{code}", 404, headers=alice
    )

    # Another resident sees none of it: every route answers 404 as for a made-up number.
    bob = await login(client, "openid-bob")
    assert (await call(client, "get", "/mp/tickets", "/mp/tickets", 200, headers=bob)) == {
        "tickets": []
    }
    for method, path, template, body in (
        ("get", f"/mp/tickets/{number}", "/mp/tickets/{number}", None),
        ("post", f"/mp/tickets/{number}/urge", "/mp/tickets/{number}/urge", {}),
        ("post", f"/mp/tickets/{number}/rating", "/mp/tickets/{number}/rating", {"rating": 1}),
        ("get", "/mp/tickets/20990101-0001", "/mp/tickets/{number}", None),
    ):
        await call(client, method, path, template, 404, headers=bob, json=body)
    assert (await runtime.tickets.get(number)).rating == 5

    # No token, a forged token, a used login code.
    await call(client, "get", "/mp/tickets", "/mp/tickets", 401)
    forged = {"Authorization": alice["Authorization"][:-3] + "abc"}
    await call(client, "get", "/mp/tickets", "/mp/tickets", 401, headers=forged)
    await call(
        client, "post", "/mp/login", "/mp/login", 401, json={"code": "code-openid-alice"}
    )


async def test_bad_forms_get_clear_4xx_and_file_nothing(client: TestClient) -> None:
    runtime: Runtime = client.app[RUNTIME]
    carol = await login(client, "openid-carol")

    async def refused(status: int, code: str, **kwargs: Any) -> None:
        headers = {**carol, **kwargs.pop("headers", {})}
        body = await call(
            client, "post", "/mp/tickets", "/mp/tickets", status, headers=headers, **kwargs
        )
        assert body["error"]["code"] == code and body["error"]["message"]

    rid = uuid.uuid4().hex
    await refused(415, "not_multipart", json={"text": "灯坏了"})
    await refused(
        400, "bad_multipart",
        data=b"--xyz\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n",
        headers={"Content-Type": "multipart/form-data; boundary=xyz"},
    )
    await refused(
        400, "bad_multipart", data=b"no boundary here",
        headers={"Content-Type": "multipart/form-data"},
    )

    def form(**fields: Any) -> FormData:
        data = FormData(default_to_multipart=True)
        for name, value in fields.items():
            if isinstance(value, tuple):
                data.add_field(name, value[0], filename=value[1], content_type=value[2])
            else:
                data.add_field(name, value)
        return data

    base = {"client_request_id": rid, "text": "楼道灯坏了", "building_code": BUILDING}
    await refused(400, "missing_request_id", data=form(text="灯坏了", building_code=BUILDING))
    await refused(400, "bad_request_id", data=form(**{**base, "client_request_id": "x/1"}))
    await refused(400, "missing_text", data=form(**{**base, "text": "   "}))
    await refused(400, "text_too_long", data=form(**{**base, "text": "灯" * 1001}))
    await refused(400, "bad_field", data=form(**{**base, "text": "灯\x00坏了"}))
    await refused(400, "bad_field", data=form(**base, nickname="张三"))
    await refused(400, "missing_address", data=form(**{**base, "building_code": ""}))
    await refused(422, "unknown_address", data=form(**{**base, "building_code": "X-404"}))
    ambiguous = form(**{**base, "building_code": "", "address": "锦园小区"})
    response = await client.post("/mp/tickets", headers=carol, data=ambiguous)
    body = checked("/mp/tickets", "post", 422, await response.json())
    assert body["error"]["code"] == "ambiguous_address" and body["error"]["choices"]
    await refused(
        422, "unknown_category", data=form(**base, confirm="true", category="no_such_thing")
    )
    # Files: type sniffed from the bytes and matched to the field; size capped.
    await refused(415, "wrong_type", data=form(**base, photo=(b"MZ\x90\x00" * 50, "a.jpg",
                                                              "image/jpeg")))
    await refused(415, "wrong_type", data=form(**base, voice=(PNG, "v.amr", "audio/amr")))
    await refused(415, "wrong_type", data=form(**base, photo=(MP4, "a.png", "image/png")))
    await refused(400, "empty_file", data=form(**base, photo=(b"", "a.png", "image/png")))
    await refused(
        413, "file_too_large",
        data=form(**base, photo=(PNG + b"\x00" * 70_000, "a.png", "image/png")),
    )
    await refused(400, "too_many_files", data=_two_videos(base))
    assert await runtime.tickets.list_for_reporter("miniprogram", "openid-carol") == []

    # JSON routes: malformed bodies and wrong types.
    await call(client, "post", "/mp/login", "/mp/login", 400, data=b"{not json")
    await call(client, "post", "/mp/login", "/mp/login", 400, json={"code": 42})


def _two_videos(base: dict[str, str]) -> FormData:
    data = FormData(default_to_multipart=True)
    for name, value in base.items():
        data.add_field(name, value)
    for _ in range(2):
        data.add_field("video", MP4, filename="a.mp4", content_type="video/mp4")
    return data


async def test_the_spec_documents_exactly_the_served_routes(client: TestClient) -> None:
    response = await client.get("/mp/openapi.json")
    assert response.status == 200
    served = await response.json()
    assert served == SPEC and served["openapi"].startswith("3.1")
    routes = {
        (route.resource.canonical, route.method.lower())
        for route in client.app.router.routes()
        if route.resource is not None and route.resource.canonical.startswith("/mp/")
        and route.method != "HEAD"
    }
    documented = {(path, method) for path, ops in SPEC["paths"].items() for method in ops}
    assert routes == documented
    for schema in SPEC["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


async def test_too_many_requests_get_429_in_chinese(
    make_settings: Any, aiohttp_client: Any, aiohttp_server: Any
) -> None:
    wechat = await aiohttp_server(FakeWeChat(APP_ID, SECRET).app(), host="127.0.0.1")
    settings = make_settings(
        mp_app_id=APP_ID, mp_app_secret=SECRET, mp_session_secret="x" * 20,
        wechat_api_base=str(wechat.make_url("")).rstrip("/"), mp_rate_per_minute=2,
    )
    client: TestClient = await aiohttp_client(create_app(settings, background=False))
    headers = await login(client, "openid-dave")
    for _ in range(2):
        await call(client, "get", "/mp/tickets", "/mp/tickets", 200, headers=headers)
    response = await client.get("/mp/tickets", headers=headers)
    body = checked("/mp/tickets", "get", 429, await response.json())
    assert body["error"]["code"] == "rate_limited" and "秒后再试" in body["error"]["message"]
    assert int(response.headers["Retry-After"]) >= 1
    # Another resident is not held back by Dave's hurry.
    other = await login(client, "openid-erin")
    await call(client, "get", "/mp/tickets", "/mp/tickets", 200, headers=other)
