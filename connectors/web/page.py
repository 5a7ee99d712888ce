"""The web chat page at ``/`` (also opened by door-plate QR codes with ``?scene=CODE``)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import jinja2
from aiohttp import web

from connectors.web import texts
from connectors.web.session import BadSession, WebSessions

_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
)


def make_chat_page(
    sessions: Callable[[], WebSessions | None], secure: Callable[[], bool]
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The page handler; it hands the resident a signed session cookie (the sender the
    server knows them by) unless they bring a valid one."""

    async def chat_page(request: web.Request) -> web.Response:
        # A JSON data block inside <script>: "<" escaped so no text can close the element.
        texts_json = json.dumps(texts.PAGE, ensure_ascii=False).replace("<", "\\u003c")
        html = _TEMPLATES.get_template("chat.html").render(t=texts.PAGE, texts_json=texts_json)
        response = web.Response(text=html, content_type="text/html", charset="utf-8")
        signer = sessions()
        if signer is not None:
            try:
                current = signer.from_request(request)
            except BadSession:
                current = None  # an altered cookie is replaced, not honoured
            if current is None:
                signer.set_cookie(response, signer.issue(), secure=secure())
        return response

    return chat_page


def setup_routes(
    app: web.Application,
    static_dir: Path,
    sessions: Callable[[], WebSessions | None] = lambda: None,
    secure: Callable[[], bool] = lambda: False,
) -> None:
    app.router.add_get("/", make_chat_page(sessions, secure))
    app.router.add_static("/static/", static_dir, name="static")
