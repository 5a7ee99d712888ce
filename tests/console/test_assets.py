"""The console's static files: one route serves the folder's files by a fixed table."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from bot.console.assets import asset_url, assets
from bot.staff.web import ROUTE_RULES
from tests.staff.test_route_rules import console_app


def test_one_route_serves_every_static_file() -> None:
    paths = [path for (method, path) in console_app()[ROUTE_RULES] if method == "GET"]
    static = [p for p in paths if "static" in p or p.endswith((".css", ".js"))]
    assert static == ["/console/static/{path}"]
    names = set(assets())
    assert {"console.css", "console.js", "signin.css", "dashboard.js", "handoff.js",
            "vendor/echarts/echarts.min.js"} <= names
    assert not any(name.endswith((".md", ".txt")) or "/." in name for name in names)
    assert asset_url("console.css") == "/console/static/console.css"


async def test_files_are_served_and_nothing_else(sqlite_client: TestClient) -> None:
    client = sqlite_client
    css = await client.get("/console/static/signin.css")
    assert css.status == 200 and css.content_type == "text/css" and css.charset == "utf-8"
    echarts = await client.get("/console/static/vendor/echarts/echarts.min.js")
    assert echarts.status == 200 and echarts.content_type == "text/javascript"
    for bad in ("/console/static/../web.py", "/console/static/%2e%2e/web.py",
                "/console/static/vendor/echarts/README.md", "/console/static/nope.js"):
        assert (await client.get(bad)).status == 404, bad
