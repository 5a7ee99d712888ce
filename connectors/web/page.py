"""The web chat page at ``/`` (also opened by door-plate QR codes with ``?scene=CODE``).

Drawn large from the first byte when the resident chose elder mode (the
:mod:`bot.display` cookie, shared with the door-plate page).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
from aiohttp import web

from bot.display import ELDER_COOKIE, ELDER_MAX_AGE, elder_switch, remember_elder, wants_elder
from connectors.web import texts
from connectors.web.session import BadSession, WebSessions

if TYPE_CHECKING:
    from bot.gateway import Gateway

_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
)


def _page_data(upload_max_bytes: int) -> str:
    """The page's words and settings as a JSON data block (no inline script for the CSP)."""
    data = {
        **texts.PAGE,
        "upload_max_bytes": upload_max_bytes,
        "upload_max_mb": round(upload_max_bytes / 1024 / 1024, 1),
        "elder_cookie": ELDER_COOKIE,
        "elder_max_age": ELDER_MAX_AGE,
    }
    # "<" escaped so no text can close the <script> element.
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")


def make_chat_page(
    gateway_key: web.AppKey[Gateway],
    sessions: Callable[[], WebSessions | None],
    secure: Callable[[], bool],
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The page handler: drawn large for elder mode, and it hands the resident a signed
    session cookie (the sender the server knows them by) unless they bring a valid one."""

    async def chat_page(request: web.Request) -> web.Response:
        elder = wants_elder(request)
        settings = request.app[gateway_key].settings
        html = _TEMPLATES.get_template("chat.html").render(
            t=texts.PAGE, elder=elder, texts_json=_page_data(settings.upload_max_bytes)
        )
        response = web.Response(
            text=html, content_type="text/html", charset="utf-8", headers={"Vary": "Cookie"}
        )
        switch = elder_switch(request)
        if switch is not None:
            remember_elder(response, switch)
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
    gateway_key: web.AppKey[Gateway],
    sessions: Callable[[], WebSessions | None] = lambda: None,
    secure: Callable[[], bool] = lambda: False,
) -> None:
    app.router.add_get("/", make_chat_page(gateway_key, sessions, secure))
    app.router.add_static("/static/", static_dir, name="static")
