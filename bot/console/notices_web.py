"""Staff notices on the console: new and red incidents, escalations, overdue tickets.

Routes (all staff roles):

* ``GET /console/notices``      the page
* ``GET /console/api/notices``  the same as JSON; ``?kind=red|urgent|escalated|overdue``
  keeps one kind

A staff member's notices come from the one staff notice feed
(:func:`bot.staff.notices.notices_for`): notices about the tickets in their scope, plus
those addressed to the channel ids of their person in the address registry (when the
account is tied to one with ``person_code``) and to their unit's console inbox. The same
rows are delivered to WeCom/Telegram by the dispatcher once those connectors exist; the
console only reads them. The console's live alerts (``event: notice`` on
``/console/api/events``) read the same feed.
"""

from __future__ import annotations

from typing import Any, Final

from aiohttp import web
from sqlmodel import select

from bot.addresses.models import PersonChannel
from bot.console import g2_texts as t
from bot.console.assets import setup_console_assets
from bot.console.handoff_web import html, runtime_of
from bot.staff.notices import Notice, notices_for, personal_ids
from bot.staff.roles import ALL_ROLES
from bot.staff.service import StaffIdentity
from bot.staff.web import console_route, current_staff

_LIMIT: Final = 100


def notice_kind(text: str) -> str:
    """``red``, ``urgent``, ``escalated``, ``overdue`` or ``other``, by the notice's tag."""
    for kind, tag in t.NOTICE_KIND_TAGS:
        if text.startswith(tag):
            return kind
    return "other"


async def recipients_of(request: web.Request, staff: StaffIdentity) -> list[str]:
    """The recipient ids whose notices this staff member reads besides their scope."""
    channel_ids: list[str] = []
    if staff.person_code:
        async with runtime_of(request).sessions() as session:
            rows = await session.exec(
                select(PersonChannel.user_id).where(
                    PersonChannel.person_code == staff.person_code
                )
            )
            channel_ids = [user_id for user_id in rows if user_id]
    return personal_ids(staff.scope, channel_ids)


def notice_json(notice: Notice) -> dict[str, Any]:
    # Rows written before kinds were stored (or by hand) are read by their tag.
    known = notice.kind != "other" and notice.kind in t.NOTICE_KIND_LABELS
    kind = notice.kind if known else notice_kind(notice.text)
    return {
        "id": notice.id,
        "at": notice.created_at.isoformat() + "Z",
        "kind": kind,
        "kind_label": t.NOTICE_KIND_LABELS[kind],
        "ticket_number": notice.ticket_number,
        "text": notice.text,
    }


async def _notices(request: web.Request) -> list[dict[str, Any]]:
    staff = current_staff(request).staff
    ids = await recipients_of(request, staff)
    found = await notices_for(runtime_of(request).sessions, staff.scope, ids, limit=_LIMIT)
    items = [notice_json(n) for n in found]
    kind = request.query.get("kind")
    if kind:
        items = [item for item in items if item["kind"] == kind]
    return items


async def notices_api(request: web.Request) -> web.Response:
    return web.json_response({"notices": await _notices(request)})


async def notices_page(request: web.Request) -> web.Response:
    return html("notices.html", items=await _notices(request))


def setup_console_notices(app: web.Application) -> None:
    """Add the staff-notice routes (and the console's static files)."""
    setup_console_assets(app)
    console_route(app, "GET", "/console/notices", notices_page, roles=ALL_ROLES)
    console_route(app, "GET", "/console/api/notices", notices_api, roles=ALL_ROLES)
