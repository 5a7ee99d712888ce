"""Live handoff on the console: residents waiting for a person, the conversation, answer,
hand back, and filing a ticket from what the resident said.

Routes (all staff roles; unsafe methods need the session's CSRF token):

* ``GET  /console/handoffs``               the waiting list (page; polls the API below)
* ``GET  /console/api/handoffs``           the same as JSON
* ``GET  /console/handoffs/{id}``          one conversation (page; polls ``.../lines``)
* ``GET  /console/api/handoffs/{id}``      one conversation as JSON (its lines)
* ``POST /console/handoffs/{id}/answer``   text -> :meth:`HandoffService.answer`
* ``POST /console/handoffs/{id}/close``    hand the conversation back to the bot
* ``POST /console/handoffs/{id}/file``     file a ticket for the resident

Scope (kept simple on purpose): a handoff is *placed* by the resident's latest ticket (by
channel and sender). A placed handoff is visible to staff who may see that ticket
(:func:`bot.staff.scope.can_see_ticket`); an unplaced one (the resident never filed) is
visible to community, street and district staff and admins, not to grid workers or
departments, who would otherwise see every resident of the city. A handoff outside the
caller's scope answers 404 (page, API and actions alike).

POST handlers answer JSON when the request sends JSON or an ``X-CSRF-Token`` header (the
page's script), otherwise they redirect back to the conversation page (plain forms).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from aiohttp import hdrs, web
from jinja2 import Environment
from sqlmodel import col, select

from bot.appkeys import RUNTIME
from bot.console import g2_texts as t
from bot.console.assets import setup_console_assets
from bot.errors import BadInput, HandoffError, HandoffNotFound, HandoffNotOpen
from bot.handoff.service import HandoffView
from bot.staff.roles import ALL_ROLES, ScopeLevel
from bot.staff.scope import can_see_ticket
from bot.staff.service import StaffIdentity
from bot.staff.web import CSRF_HEADER, console_route, current_staff
from bot.tickets.models import Ticket
from bot.tickets.views import TicketDraft

if TYPE_CHECKING:
    from bot.runtime import Runtime

HERE: Final = Path(__file__).resolve().parent

#: Staff levels that see handoffs of residents not yet placed by any ticket.
UNPLACED_LEVELS: Final = frozenset(
    {ScopeLevel.COMMUNITY, ScopeLevel.STREET, ScopeLevel.DISTRICT}
)
_MAX_ANSWER: Final = 2000
_MAX_DESCRIPTION: Final = 2000
_BUILDING_CODE: Final = re.compile(r"^[0-9A-Za-z_-]{1,64}$")


# -- shared by the G2 console modules ------------------------------------------------------


@lru_cache(maxsize=1)
def templates() -> Environment:
    from bot.templating import page_templates

    return page_templates(HERE / "templates")


def html(name: str, **context: Any) -> web.Response:
    body = templates().get_template(name).render(t=t, **context)
    return web.Response(text=body, content_type="text/html", charset="utf-8")


def runtime_of(request: web.Request) -> Runtime:
    return request.app[RUNTIME]


def wants_json(request: web.Request) -> bool:
    """The page's script (JSON body or CSRF header) gets JSON; a plain form a redirect."""
    return request.content_type == "application/json" or bool(request.headers.get(CSRF_HEADER))


async def read_body(request: web.Request) -> dict[str, Any]:
    try:
        if request.content_type == "application/json":
            data = await request.json()
            return dict(data) if isinstance(data, dict) else {}
        return dict(await request.post())
    except (ValueError, TypeError):
        return {}


def text_field(data: dict[str, Any], name: str, limit: int = 2000) -> str:
    value = data.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": code, "message": message}, status=status)


def see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={hdrs.LOCATION: location})


def catalog_choices(runtime: Runtime) -> list[tuple[str, str]]:
    """(intent, "领域 · 名称") of every catalog item, for a select."""
    return [
        (item.intent, f"{item.domain_name} · {item.name}")
        for item in sorted(runtime.catalog.items(), key=lambda i: (i.domain, i.intent))
    ]


# -- scope ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Placed:
    """A handoff with the resident's latest ticket (``None``: never filed)."""

    view: HandoffView
    ticket: Ticket | None

    @property
    def building_code(self) -> str | None:
        return self.ticket.building_code if self.ticket else None


def may_see(staff: StaffIdentity, placed: Placed) -> bool:
    scope = staff.scope
    if scope.everything:
        return True
    if placed.ticket is None:
        return scope.level in UNPLACED_LEVELS
    return can_see_ticket(scope, placed.ticket)


async def place(runtime: Runtime, view: HandoffView) -> Placed:
    async with runtime.sessions() as session:
        rows = await session.exec(
            select(Ticket)
            .where(Ticket.reporter_channel == view.channel, Ticket.reporter_id == view.sender_id)
            .order_by(col(Ticket.created_at).desc(), col(Ticket.id).desc())
            .limit(1)
        )
        return Placed(view, rows.first())


async def visible_handoffs(runtime: Runtime, staff: StaffIdentity) -> list[Placed]:
    placed = [await place(runtime, view) for view in await runtime.handoff.list_waiting()]
    return [p for p in placed if may_see(staff, p)]


async def visible_handoff(request: web.Request) -> Placed:
    """The handoff of the URL if the caller may see it; 404 otherwise (also for a bad id)."""
    runtime = runtime_of(request)
    try:
        handoff_id = int(request.match_info["id"])
        view = await runtime.handoff.get(handoff_id)
    except (ValueError, HandoffNotFound):
        raise _not_found() from None
    placed = await place(runtime, view)
    if not may_see(current_staff(request).staff, placed):
        raise _not_found()
    return placed


def _not_found() -> web.HTTPNotFound:
    body = {"error": "not_found", "message": t.HANDOFF_NOT_FOUND}
    return web.HTTPNotFound(
        text=json.dumps(body, ensure_ascii=False), content_type="application/json"
    )


# -- JSON -------------------------------------------------------------------------------------


def _iso(value: Any) -> str | None:
    return value.isoformat() + "Z" if value is not None else None


def summary_json(placed: Placed) -> dict[str, Any]:
    view = placed.view
    last = view.resident_lines[-1].text if view.resident_lines else ""
    return {
        "id": view.id,
        "channel": view.channel,
        "status": view.status,
        "status_label": t.STATUS_LABELS.get(view.status, view.status),
        "reason_label": t.REASON_LABELS.get(view.reason, view.reason),
        "opened_at": _iso(view.opened_at),
        "waiting_since": _iso(view.waiting_since),
        "building_code": placed.building_code,
        "address": (placed.ticket.address_text if placed.ticket else None) or t.UNPLACED,
        "last_line": last[:80],
        "lines": len(view.lines),
        "url": f"/console/handoffs/{view.id}",
    }


def detail_json(placed: Placed) -> dict[str, Any]:
    return {
        **summary_json(placed),
        "open": placed.view.is_open,
        "lines": [
            {
                "at": _iso(line.at),
                "by": line.by,
                "who": line.staff or (t.WHO_STAFF if line.by == "staff" else t.WHO_RESIDENT),
                "text": line.text,
                "attachments": list(line.attachments),
            }
            for line in placed.view.lines
        ],
    }


# -- handlers ---------------------------------------------------------------------------------


async def list_page(request: web.Request) -> web.Response:
    session = current_staff(request)
    placed = await visible_handoffs(runtime_of(request), session.staff)
    return html("handoffs.html", items=[summary_json(p) for p in placed])


async def list_api(request: web.Request) -> web.Response:
    placed = await visible_handoffs(runtime_of(request), current_staff(request).staff)
    return web.json_response({"handoffs": [summary_json(p) for p in placed]})


async def detail_page(request: web.Request) -> web.Response:
    placed = await visible_handoff(request)
    session = current_staff(request)
    description = "\n".join(line.text for line in placed.view.resident_lines)
    return html(
        "handoff.html",
        h=detail_json(placed),
        csrf_token=session.csrf_token,
        categories=catalog_choices(runtime_of(request)),
        description=description[:_MAX_DESCRIPTION],
        building_code=placed.building_code or "",
        notice=request.query.get("notice", "")[:100],
    )


async def detail_api(request: web.Request) -> web.Response:
    return web.json_response(detail_json(await visible_handoff(request)))


def _done(request: web.Request, placed_id: int, message: str, **extra: Any) -> web.Response:
    if wants_json(request):
        return web.json_response({"ok": True, "message": message, **extra})
    return see_other(f"/console/handoffs/{placed_id}")


def _failed(request: web.Request, status: int, code: str, message: str) -> web.Response:
    return error(status, code, message)


async def answer(request: web.Request) -> web.Response:
    placed = await visible_handoff(request)
    text = text_field(await read_body(request), "text", _MAX_ANSWER)
    if not text:
        return _failed(request, 400, "empty_answer", t.HANDOFF_EMPTY_ANSWER)
    staff = current_staff(request).staff
    try:
        await runtime_of(request).handoff.answer(
            placed.view.id, staff.display_name or staff.username, text
        )
    except HandoffNotOpen:
        return _failed(request, 409, "not_open", t.HANDOFF_NOT_OPEN)
    except HandoffError:
        return _failed(request, 400, "empty_answer", t.HANDOFF_EMPTY_ANSWER)
    return _done(request, placed.view.id, t.HANDOFF_ANSWERED)


async def close(request: web.Request) -> web.Response:
    placed = await visible_handoff(request)
    staff = current_staff(request).staff
    try:
        await runtime_of(request).handoff.close(
            placed.view.id, staff.display_name or staff.username
        )
    except HandoffNotOpen:
        return _failed(request, 409, "not_open", t.HANDOFF_NOT_OPEN)
    return _done(request, placed.view.id, t.HANDOFF_CLOSED)


async def file_ticket(request: web.Request) -> web.Response:
    """File a ticket for the resident of the handoff; the building must be in scope."""
    placed = await visible_handoff(request)
    runtime = runtime_of(request)
    staff = current_staff(request).staff
    data = await read_body(request)
    category = text_field(data, "category", 64)
    description = text_field(data, "description", _MAX_DESCRIPTION)
    building_code = text_field(data, "building_code", 64)
    if not category or not runtime.catalog.has(category):
        return error(400, "bad_category", t.ERR_CATEGORY)
    if not description:
        return error(400, "missing_description", t.ERR_DESCRIPTION)
    if not building_code or not _BUILDING_CODE.match(building_code):
        return error(400, "missing_address", t.ERR_ADDRESS)
    building = runtime.addresses.building(building_code)
    if building is None:
        return error(400, "unknown_address", t.ERR_ADDRESS_UNKNOWN)
    if not can_see_ticket(staff.scope, building):
        return error(403, "out_of_scope", t.ERR_OUT_OF_SCOPE)
    draft = TicketDraft(
        category=category,
        description=description,
        reporter_channel=placed.view.channel,
        reporter_id=placed.view.sender_id,
        building_code=building_code,
    )
    try:
        ticket = await runtime.tickets.file(draft)
    except BadInput:
        return error(400, "bad_input", t.ERR_BAD_FORM)
    message = t.HANDOFF_FILED.format(number=ticket.number)
    return _done(request, placed.view.id, message, number=ticket.number)


def setup_console_handoff(app: web.Application) -> None:
    """Add the live-handoff routes (and the console's static files)."""
    setup_console_assets(app)
    roles = ALL_ROLES
    console_route(app, "GET", "/console/handoffs", list_page, roles=roles)
    console_route(app, "GET", "/console/api/handoffs", list_api, roles=roles)
    console_route(app, "GET", "/console/handoffs/{id}", detail_page, roles=roles)
    console_route(app, "GET", "/console/api/handoffs/{id}", detail_api, roles=roles)
    console_route(app, "POST", "/console/handoffs/{id}/answer", answer, roles=roles)
    console_route(app, "POST", "/console/handoffs/{id}/close", close, roles=roles)
    console_route(app, "POST", "/console/handoffs/{id}/file", file_ticket, roles=roles)
