"""The door-plate landing page ``/b/{code}``: what a resident sees after scanning a plate.

Server-rendered (Jinja2, one small CSS file, no JavaScript): it must open instantly on any
phone, including inside WeChat's browser. Phone numbers are shown on purpose: they are the
public duty numbers of the staff in charge of this building.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from aiohttp import web
from jinja2 import Environment

from bot.addresses.book import ROLES_ORDER, AddressBook
from bot.addresses.codes import CODE_RE, parse_scene
from bot.addresses.strings import PAGE, ROLE_LABELS
from bot.addresses.types import Contact
from bot.display import elder_switch, remember_elder, wants_elder
from bot.templating import page_templates

HERE = Path(__file__).resolve().parent
CSS_PATH = HERE / "static" / "plate.css"
_HTML = "text/html"


@lru_cache(maxsize=1)
def _templates() -> Environment:
    return page_templates(HERE / "templates")


def render_landing(book: AddressBook, code: str, *, elder: bool = False) -> str | None:
    """The page of one building, or None when the code is unknown; ``elder``: large type,
    high contrast and shorter sentences (长辈模式)."""
    info = book.building(code)
    if info is None:
        return None
    contacts: dict[str, Contact] = {}
    for contact in book.route(code).contacts:
        contacts.setdefault(contact.role, contact)  # most local first
    return _templates().get_template("landing.html").render(
        t=PAGE, b=info, contacts=contacts, elder=elder,
        roles=[(role, ROLE_LABELS[role]) for role in ROLES_ORDER],
    )


def render_not_found(code: str, *, elder: bool = False) -> str:
    shown = code if CODE_RE.match(code) else ""
    return _templates().get_template("not_found.html").render(t=PAGE, code=shown, elder=elder)


def setup_routes(app: web.Application, book_key: web.AppKey[AddressBook]) -> None:
    """Add ``GET /b/{code}`` (and its stylesheet) reading the book under ``book_key``."""

    async def landing(request: web.Request) -> web.Response:
        raw = request.match_info["code"]
        code = parse_scene(raw) or raw
        elder = wants_elder(request)
        html = render_landing(request.app[book_key], code, elder=elder)
        response = (
            web.Response(text=render_not_found(raw, elder=elder), status=404, content_type=_HTML,
                         charset="utf-8", headers={"Cache-Control": "no-store"})
            if html is None
            else web.Response(text=html, content_type=_HTML, charset="utf-8",
                              headers={"Cache-Control": "no-cache"})
        )
        response.headers["Vary"] = "Cookie"  # drawn large or not by the elder-mode cookie
        switch = elder_switch(request)
        if switch is not None:
            remember_elder(response, switch)  # one tap, kept for the chat page and next scan
        return response

    async def stylesheet(_: web.Request) -> web.Response:
        return web.Response(body=CSS_PATH.read_bytes(), content_type="text/css",
                            charset="utf-8", headers={"Cache-Control": "max-age=3600"})

    app.router.add_get("/b/-/plate.css", stylesheet)
    app.router.add_get("/b/{code}", landing)
