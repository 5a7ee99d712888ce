"""The door-plate landing page, through a real aiohttp server and client."""

from __future__ import annotations

import html
import re

import pytest
from aiohttp import web

from bot.addresses import AddressBook
from bot.addresses.web import setup_routes

BOOK: web.AppKey[AddressBook] = web.AppKey("test_address_book", AddressBook)
CODE = "370303001001X01-002"


@pytest.fixture
async def client(aiohttp_client, demo_book: AddressBook):  # type: ignore[no-untyped-def]
    app = web.Application()
    app[BOOK] = demo_book
    setup_routes(app, BOOK)
    return await aiohttp_client(app)


async def test_landing_shows_the_chain_report_button_and_calls(client, demo_book) -> None:
    response = await client.get(f"/b/{CODE}")
    assert response.status == 200
    assert response.content_type == "text/html" and response.charset == "utf-8"
    page = await response.text()
    assert '<html lang="zh-CN">' in page and 'name="viewport"' in page
    for word in ("张店区", "车站街道", "城南社区", "城南社区第一网格", "华光路31号",
                 "锦园小区2号楼", "一键报事", "一键联系", CODE):
        assert word in page, word
    assert f'href="/?scene={CODE}"' in page
    route = demo_book.route(CODE)
    roles = (("grid_worker", "网格员"), ("secretary", "社区书记"), ("police", "社区民警"))
    for role, label in roles:
        person = route.contact(role)
        assert f'href="tel:{person.phone}"' in page
        assert label in page and person.name in page
    assert "<script" not in page  # no JS framework, nothing to load but one stylesheet


async def test_every_demo_building_has_a_page(client, demo_book) -> None:
    for info in demo_book.buildings_in_community("370303002001")[:5]:
        response = await client.get(f"/b/{info.code}")
        assert response.status == 200
        assert info.community_name in await response.text()


async def test_scene_wrapped_codes_are_accepted(client) -> None:
    response = await client.get(f"/b/b_{CODE}")
    assert response.status == 200


async def test_unknown_code_gets_a_friendly_chinese_404(client) -> None:
    response = await client.get("/b/370303999999X99-999")
    assert response.status == 404
    page = await response.text()
    assert "没有找到这个门牌" in page and 'href="/"' in page
    assert "370303999999X99-999" in page
    assert "Traceback" not in page and "404: Not Found" not in page


async def test_hostile_code_is_not_echoed(client) -> None:
    response = await client.get("/b/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert response.status == 404
    page = await response.text()
    assert "<script" not in page and "alert(1)" not in page


async def test_stylesheet_and_phone_layout(client) -> None:
    page = await (await client.get(f"/b/{CODE}")).text()
    css_href = re.search(r'<link rel="stylesheet" href="([^"]+)"', page).group(1)
    response = await client.get(html.unescape(css_href))
    assert response.status == 200 and response.content_type == "text/css"
    css = await response.text()
    assert "max-width" in css and ".call" in css


async def test_elder_mode_is_one_tap_and_remembered(client) -> None:
    plain = await (await client.get(f"/b/{CODE}")).text()
    assert 'class="elder"' not in plain and 'href="?elder=1"' in plain
    assert "标准地址编码" in plain

    response = await client.get(f"/b/{CODE}?elder=1")
    assert response.status == 200
    page = await response.text()
    assert '<html lang="zh-CN" class="elder">' in page and 'href="?elder=0"' in page
    assert "退出长辈模式" in page and "点红色按钮" in page
    assert "标准地址编码" not in page  # fewer things on the page: no codes to read
    assert response.cookies["minsheng_elder"].value == "1"

    # The cookie jar now holds the choice: the next scan opens large without asking.
    again = await (await client.get(f"/b/{CODE}")).text()
    assert 'class="elder"' in again
    missing = await (await client.get("/b/370303999999X99-999")).text()
    assert 'class="elder"' in missing

    off = await client.get(f"/b/{CODE}?elder=0")
    assert 'class="elder"' not in await off.text()
    assert 'class="elder"' not in await (await client.get(f"/b/{CODE}")).text()
