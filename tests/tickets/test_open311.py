"""Open311 GeoReport v2 through aiohttp's test client against the real ticket service."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.tickets import TicketService
from bot.tickets.open311 import setup_routes
from tests.tickets.conftest import B1, World, local

KEY: web.AppKey[TicketService] = web.AppKey("tickets")
BASE = "/open311/v2"


@pytest.fixture
async def client(world: World, aiohttp_client: Any) -> TestClient:
    app = web.Application()
    app[KEY] = world.service
    setup_routes(app, KEY, api_keys=["secret-key"])
    return await aiohttp_client(app)  # type: ignore[no-any-return]


async def test_services_list_the_catalog(client: TestClient, world: World) -> None:
    response = await client.get(f"{BASE}/services.json")
    assert response.status == 200
    services = await response.json()
    assert len(services) == len(world.catalog.items())
    lighting = next(s for s in services if s["service_code"] == "report_lighting")
    assert lighting == {
        "service_code": "report_lighting",
        "service_name": "路灯与楼道灯",
        "description": world.catalog.item("report_lighting").standard,
        "metadata": False,
        "type": "realtime",
        "keywords": "城乡建设",
        "group": "城乡建设",
    }
    definition = await client.get(f"{BASE}/services/report_lighting.json")
    assert await definition.json() == {"service_code": "report_lighting", "attributes": []}
    missing = await client.get(f"{BASE}/services/report_ufo.json")
    assert missing.status == 404
    assert await missing.json() == [
        {"code": 404, "description": "service_code report_ufo not found"}
    ]


async def test_post_needs_a_valid_api_key(client: TestClient) -> None:
    form = {"service_code": "report_lighting", "description": "灯坏了", "address_id": B1}
    for key in (None, "wrong"):
        data = dict(form, api_key=key) if key else form
        response = await client.post(f"{BASE}/requests.json", data=data)
        assert response.status == 403
        body = await response.json()
        assert body[0]["code"] == 403 and "api_key" in body[0]["description"]


@pytest.mark.parametrize(
    "form,words",
    [
        ({"description": "x", "address_id": B1}, "service_code is required"),
        ({"service_code": "report_ufo", "description": "x", "address_id": B1}, "not a service"),
        ({"service_code": "report_lighting", "address_id": B1}, "description is required"),
        ({"service_code": "report_lighting", "description": "x"}, "a location is required"),
        (
            {"service_code": "report_lighting", "description": "x", "lat": "abc", "long": "1"},
            "lat and long",
        ),
        (
            {"service_code": "report_lighting", "description": "x", "lat": "nan", "long": "1"},
            "finite",
        ),
        (
            {"service_code": "report_lighting", "description": "x", "lat": "1e999", "long": "1"},
            "finite",
        ),
        (
            {"service_code": "report_lighting", "description": "x", "lat": "91", "long": "1"},
            "within",
        ),
        (
            {"service_code": "report_lighting", "description": "x", "address_id": "NOPE"},
            "unknown building",
        ),
        (
            {"service_code": "report_lighting", "description": "x", "address_string": "火星基地"},
            "does not name one standard address",
        ),
    ],
)
async def test_post_refuses_bad_requests_with_spec_errors(
    client: TestClient, form: dict[str, str], words: str
) -> None:
    response = await client.post(f"{BASE}/requests.json", data=dict(form, api_key="secret-key"))
    assert response.status == 400
    body = await response.json()
    assert body[0]["code"] == 400 and words in body[0]["description"]


async def test_post_then_get_without_personal_data(client: TestClient, world: World) -> None:
    form = {
        "api_key": "secret-key",
        "service_code": "report_lighting",
        "description": "1号楼3单元楼道灯坏了，联系我13812345678",
        "address_id": B1,
        "first_name": "欧阳",
        "last_name": "娜娜",
        "phone": "13812345678",
        "email": "zs@example.com",
        "media_url": "https://img.example.com/a.jpg",
    }
    response = await client.post(f"{BASE}/requests.json", data=form)
    assert response.status == 201
    (created,) = await response.json()
    number = created["service_request_id"]
    assert number == "20261118-0001" and created["account_id"] is None
    assert "预计" in created["service_notice"]

    got = await client.get(f"{BASE}/requests/{number}.json")
    (entry,) = await got.json()
    assert entry["service_request_id"] == number
    assert entry["status"] == "open" and entry["status_notes"] == "已提交"
    assert (entry["service_code"], entry["service_name"]) == ("report_lighting", "路灯与楼道灯")
    assert entry["agency_responsible"] == "东风社区"
    assert entry["address_id"] == B1 and entry["address"].startswith("测试区")
    assert (entry["lat"], entry["long"]) == (36.8, 118.0)
    assert entry["requested_datetime"] == "2026-11-18T10:00:00+08:00"
    assert entry["expected_datetime"] == "2026-11-23T10:00:00+08:00"
    # Media belong to the resident and the staff in charge, never to a public feed.
    assert entry["media_url"] is None
    assert entry["description"] == "1号楼*单元楼道灯坏了，联系我138****5678"
    listed = await (await client.get(f"{BASE}/requests.json")).json()
    for payload in (entry, listed):
        text = json.dumps(payload, ensure_ascii=False)
        for personal in ("13812345678", "zs@example.com", "欧阳", "娜娜"):
            assert personal not in text
    assert set(entry) >= {
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "lat",
        "long",
        "media_url",
    }
    missing = await client.get(f"{BASE}/requests/20991231-0001.json")
    assert missing.status == 404 and (await missing.json())[0]["code"] == 404


async def test_post_outdoors_with_lat_long(client: TestClient) -> None:
    form = {
        "api_key": "secret-key",
        "service_code": "report_road_damage",
        "description": "路口井盖缺失",
        "lat": "36.8013",
        "long": "118.0006",
        "address_string": "东风路与和平街路口",
    }
    response = await client.post(f"{BASE}/requests.json", data=form)
    assert response.status == 201
    number = (await response.json())[0]["service_request_id"]
    (entry,) = await (await client.get(f"{BASE}/requests/{number}.json")).json()
    assert entry["address_id"] is None
    assert entry["address"] == "东风路与和平街路口（东风社区第二网格附近）"
    assert entry["agency_responsible"] == "东风街道"


async def test_get_requests_filters(client: TestClient, world: World) -> None:
    s = world.service
    lamp = await s.file(world.draft(unit="2", room="301", reporter_phone="13912345678"))
    world.clock.now = local(2026, 11, 19, 10, 0)
    noise = await s.file(world.draft(category="report_noise", description="夜里施工太吵"))
    world.clock.now = local(2026, 11, 20, 10, 0)
    done = await s.file(world.draft(category="report_garbage", description="垃圾没人清"))
    await s.resolve(done.number, "李书记", "已清运")

    async def ids(query: str) -> list[str]:
        response = await client.get(f"{BASE}/requests.json?{query}")
        assert response.status == 200, await response.text()
        return [r["service_request_id"] for r in await response.json()]

    everything = [done.number, noise.number, lamp.number]  # newest first
    assert await ids("") == everything
    listed = json.dumps(
        await (await client.get(f"{BASE}/requests.json")).json(), ensure_ascii=False
    )
    for personal in ("301", "13912345678", "resident-1"):
        assert personal not in listed
    assert await ids("status=open") == [noise.number, lamp.number]
    assert await ids("status=closed") == [done.number]
    assert await ids("status=open,closed") == everything
    assert await ids("service_code=report_noise,report_garbage") == [done.number, noise.number]
    assert await ids("start_date=2026-11-19T00:00:00%2B08:00") == [done.number, noise.number]
    assert await ids("end_date=2026-11-19T23:59:59%2B08:00") == [noise.number, lamp.number]
    assert await ids("start_date=2026-11-19T00:00:00Z&end_date=2026-11-19T12:00:00Z") == [
        noise.number
    ]
    # With ids, the other filters are ignored (as the spec says).
    assert await ids(f"service_request_id={lamp.number},{done.number}&status=open") == [
        done.number,
        lamp.number,
    ]
    closed = await client.get(f"{BASE}/requests/{done.number}.json")
    assert (await closed.json())[0]["status_notes"] == "已办结：已清运"
    for bad in (
        "status=maybe",
        "start_date=yesterday",
        "start_date=0001-01-01T00:00:00%2B14:00",
        "end_date=9999-12-31T23:59:59-14:00",
    ):
        response = await client.get(f"{BASE}/requests.json?{bad}")
        assert response.status == 400 and (await response.json())[0]["code"] == 400


PERSONAL_FORMS = {
    "王小明": "我叫王小明，",
    "370303199001011234": "身份证370303199001011234",
    "3703 0319 9001 0112 34": "身份证号3703 0319 9001 0112 34",
    "1234 5678": "电话138 1234 5678",
    "8613912345678": "+86 13912345678",
    "８７６５４３２１": "手机１３７８７６５４３２１",
    "2281234": "座机(0533)2281234",
    "3305566": "（0533）-330-5566",
    "502": "5号楼3单元502",
    "1201": "1201室",
}


async def test_public_feed_masks_every_form_of_personal_data(
    client: TestClient, world: World
) -> None:
    """Names, ID numbers, phones however written, unit and room numbers, media links."""
    description = "楼道灯坏了。" + "；".join(PERSONAL_FORMS.values())
    view = await world.service.file(
        world.draft(description=description, evidence=[("image", "/uploads/abc.jpg")])
    )
    await world.service.resolve(view.number, "李书记", "已修好，有事打我电话 138-1111-2222")
    listed = await (await client.get(f"{BASE}/requests.json")).json()
    single = await (await client.get(f"{BASE}/requests/{view.number}.json")).json()
    for payload in (listed, single):
        text = json.dumps(payload, ensure_ascii=False)
        for personal in (*PERSONAL_FORMS, "1111", "resident-1"):
            assert personal.replace(" ", "") not in text.replace(" ", ""), personal
        assert "/uploads/" not in text
    (entry,) = single
    assert entry["description"].startswith("楼道灯坏了。")
    assert entry["status_notes"].startswith("已办结：已修好")


# --- XML, GeoReport v2's default format, from the same model as JSON ----------------------


def xml_of(body: str) -> ET.Element:
    return ET.fromstring(body.encode("utf-8"))


def as_dict(element: ET.Element) -> dict[str, str | None]:
    return {child.tag: child.text for child in element}


async def test_services_in_xml_match_json(client: TestClient, world: World) -> None:
    response = await client.get(f"{BASE}/services.xml")
    assert response.status == 200 and response.content_type == "text/xml"
    root = xml_of(await response.text())
    assert root.tag == "services"
    services = root.findall("service")
    as_json = await (await client.get(f"{BASE}/services.json")).json()
    assert len(services) == len(as_json) == len(world.catalog.items())
    lighting = next(s for s in services if s.findtext("service_code") == "report_lighting")
    assert as_dict(lighting) == {
        "service_code": "report_lighting",
        "service_name": "路灯与楼道灯",
        "description": world.catalog.item("report_lighting").standard,
        "metadata": "false",
        "type": "realtime",
        "keywords": "城乡建设",
        "group": "城乡建设",
    }
    definition = xml_of(await (await client.get(f"{BASE}/services/report_lighting.xml")).text())
    assert definition.tag == "service_definition"
    assert definition.findtext("service_code") == "report_lighting"
    attributes = definition.find("attributes")
    assert attributes is not None and len(attributes) == 0
    missing = await client.get(f"{BASE}/services/report_ufo.xml")
    assert missing.status == 404
    errors = xml_of(await missing.text())
    assert errors.tag == "errors"
    assert as_dict(errors.find("error")) == {  # type: ignore[arg-type]
        "code": "404", "description": "service_code report_ufo not found"
    }
    assert (await client.get(f"{BASE}/services.csv")).status == 404


async def test_post_and_read_back_in_xml_without_personal_data(
    client: TestClient, world: World
) -> None:
    form = {
        "api_key": "secret-key",
        "service_code": "report_lighting",
        "description": "1号楼3单元楼道灯坏了，联系我13812345678\x07",
        "address_id": B1,
        "first_name": "欧阳",
        "phone": "13812345678",
        "media_url": "https://img.example.com/a.jpg",
    }
    refused = await client.post(f"{BASE}/requests.xml", data=dict(form, api_key="wrong"))
    assert refused.status == 403
    assert xml_of(await refused.text()).findtext("error/code") == "403"
    bad = await client.post(f"{BASE}/requests.xml", data=dict(form, service_code=""))
    assert bad.status == 400
    described = xml_of(await bad.text()).findtext("error/description") or ""
    assert "service_code is required" in described

    response = await client.post(f"{BASE}/requests.xml", data=form)
    assert response.status == 201
    root = xml_of(await response.text())
    assert root.tag == "service_requests"
    created = as_dict(root.find("request"))  # type: ignore[arg-type]
    assert created["service_request_id"] == "20261118-0001"
    assert "预计" in (created["service_notice"] or "") and created["account_id"] is None

    number = created["service_request_id"]
    single = await (await client.get(f"{BASE}/requests/{number}.xml")).text()
    listed = await (await client.get(f"{BASE}/requests.xml")).text()
    (entry,) = xml_of(single).findall("request")
    fields = as_dict(entry)
    as_json = (await (await client.get(f"{BASE}/requests/{number}.json")).json())[0]
    assert set(fields) == set(as_json)
    # A control character a resident typed cannot be carried by XML 1.0: dropped there.
    assert as_json["description"] == "1号楼*单元楼道灯坏了，联系我138****5678\x07"
    as_json["description"] = as_json["description"].rstrip("\x07")
    for name, value in as_json.items():  # one model, two renderings
        assert fields[name] == (None if value is None else str(value)), name
    assert [r.findtext("service_request_id") for r in xml_of(listed)] == [number]
    for text in (single, listed):
        for personal in ("13812345678", "欧阳", "img.example.com", "resident"):
            assert personal not in text
    missing = await client.get(f"{BASE}/requests/20991231-0001.xml")
    assert missing.status == 404 and xml_of(await missing.text()).findtext("error/code") == "404"
    wrong = await client.get(f"{BASE}/requests.xml?status=maybe")
    assert wrong.status == 400 and xml_of(await wrong.text()).tag == "errors"


@pytest.fixture
async def zibo(world: World, aiohttp_client: Any) -> TestClient:
    app = web.Application()
    app[KEY] = world.service
    setup_routes(app, KEY, api_keys=["secret-key"], jurisdictions=["zibo.gov.cn", "370399"])
    return await aiohttp_client(app)  # type: ignore[no-any-return]


async def test_jurisdiction_id_on_every_endpoint(zibo: TestClient, world: World) -> None:
    view = await world.service.file(world.draft())
    paths = [
        "services.{f}", "services/report_lighting.{f}", "requests.{f}",
        f"requests/{view.number}.{{f}}", "discovery.{f}",
    ]
    for fmt in ("xml", "json"):
        for path in paths:
            url = f"{BASE}/{path.format(f=fmt)}"
            for query in ("", "?jurisdiction_id=zibo.gov.cn", "?jurisdiction_id=370399"):
                assert (await zibo.get(url + query)).status == 200, (url, query)
            if path.startswith("discovery"):
                continue  # discovery lists the endpoints; it serves no jurisdiction
            other = await zibo.get(f"{url}?jurisdiction_id=sf.gov")
            assert other.status == 404, url
            body = await other.text()
            if fmt == "json":
                assert json.loads(body) == [
                    {"code": 404, "description": "jurisdiction_id sf.gov not found"}
                ]
            else:
                assert xml_of(body).findtext("error/description") == (
                    "jurisdiction_id sf.gov not found"
                )
    form = {"api_key": "secret-key", "service_code": "report_lighting",
            "description": "灯坏了", "address_id": B1}
    wrong = await zibo.post(f"{BASE}/requests.xml", data=dict(form, jurisdiction_id="sf.gov"))
    assert wrong.status == 404
    in_query = await zibo.post(f"{BASE}/requests.json?jurisdiction_id=sf.gov", data=form)
    assert in_query.status == 404
    right = await zibo.post(f"{BASE}/requests.xml", data=dict(form, jurisdiction_id="370399"))
    assert right.status == 201


async def test_discovery_names_the_endpoint_and_both_formats(client: TestClient) -> None:
    as_json = await (await client.get("/open311/discovery.json")).json()
    (endpoint,) = as_json["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2") and endpoint["type"] == "production"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    root = xml_of(await (await client.get(f"{BASE}/discovery.xml")).text())
    assert root.tag == "discovery" and root.findtext("contact") == as_json["contact"]
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml", "application/json"
    ]
    assert root.findtext("endpoints/endpoint/url") == endpoint["url"]
