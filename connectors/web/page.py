"""The web chat page at ``/`` (also opened by door-plate QR codes with ``?scene=CODE``)."""

from __future__ import annotations

import json
from pathlib import Path

import jinja2
from aiohttp import web

from connectors.web import texts

_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
)


async def chat_page(request: web.Request) -> web.Response:
    # A JSON data block inside <script>: "<" escaped so no text can close the element.
    texts_json = json.dumps(texts.PAGE, ensure_ascii=False).replace("<", "\\u003c")
    html = _TEMPLATES.get_template("chat.html").render(t=texts.PAGE, texts_json=texts_json)
    return web.Response(text=html, content_type="text/html", charset="utf-8")


def setup_routes(app: web.Application, static_dir: Path) -> None:
    app.router.add_get("/", chat_page)
    app.router.add_static("/static/", static_dir, name="static")
