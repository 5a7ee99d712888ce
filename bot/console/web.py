"""The console's ticket pages and API: inbox, live feed, ticket page, evidence and actions.

Routes (all added with :func:`bot.staff.web.console_route`; see :func:`setup_routes`):

- ``GET /console/`` — the inbox page (groups, filters, pages; live via the feed below)
- ``GET /console/api/tickets`` — the same list as JSON
- ``GET /console/api/events`` — server-sent events: one ``ticket`` event per new history
  line of a ticket in scope (polls the database every ``poll_seconds``)
- ``GET /console/tickets/{number}`` — one ticket: details, address people, evidence, history
- ``GET /console/tickets/{number}/evidence/{index}`` — one evidence file, staff in scope only
- ``POST /console/tickets/{number}/{action}`` — claim, start, reply, request-info, transfer,
  dispatch, escalate, resolve (note + optional photo), reject, confirm-category (the
  category the system predicted, or the ``category`` staff choose instead)
- ``GET /console/static/{path}`` — the console's CSS and JS (bot.console.assets)

A ticket outside the caller's scope is a 404, the same answer as a ticket that does not
exist. The services come from :data:`CONSOLE_DEPS`, filled in by the composition root.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

from aiohttp import hdrs, web
from jinja2 import Environment
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.addresses import AddressBook, UnknownAddress
from bot.addresses.types import Contact
from bot.console import handoff_web, inbox, notices_web, texts
from bot.console.assets import setup_console_assets
from bot.errors import BadInput, InvalidTransition, TicketNotFound
from bot.media import MediaStore, content_type_of, key_from_url
from bot.messages import MediaKind
from bot.staff import texts as staff_texts
from bot.staff.notices import ALERT_KINDS, latest_notice_id, notices_for
from bot.staff.roles import ALL_ROLES, Role, ScopeLevel
from bot.staff.service import StaffIdentity
from bot.staff.web import (
    CONSOLE_AUTH,
    COOKIE_NAME,
    CSRF_FIELD,
    console_route,
    current_staff,
)
from bot.templating import page_templates
from bot.tickets import TicketService
from bot.tickets.catalog import Catalog
from bot.tickets.clock import Clock, local_text, utcnow
from bot.tickets.status import OPEN_STATUSES, TRANSITIONS, parse_status
from bot.tickets.views import TicketView

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
HOME: Final = "/console/"
#: Who may order a department to act directly (村居发令): the community and above.
DISPATCH_ROLES: Final = frozenset(
    {Role.SECRETARY, Role.STREET_STAFF, Role.DISTRICT_STAFF, Role.ADMIN}
)
ACTIONS: Final = (
    "claim", "start", "reply", "request-info", "transfer", "dispatch", "escalate", "resolve",
    "reject", "confirm-category",
)


@dataclass(frozen=True, slots=True)
class ConsoleDeps:
    """The services the ticket pages use (set on the app by the composition root)."""

    sessions: async_sessionmaker[AsyncSession]
    tickets: TicketService
    addresses: AddressBook
    media: MediaStore
    catalog: Catalog
    clock: Clock = utcnow
    poll_seconds: float = 2.0
    max_photo_bytes: int = 10 * 1024 * 1024
    #: Labels of ticket sources beyond texts.SOURCE_LABELS (intake sources registered
    #: elsewhere), fed to texts.source_label.
    source_labels: Mapping[str, str] = field(default_factory=dict)


CONSOLE_DEPS: web.AppKey[ConsoleDeps] = web.AppKey("console_deps", ConsoleDeps)


# -- rendering ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _templates() -> Environment:
    return page_templates(HERE / "templates")


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8")


def _wants_json(request: web.Request) -> bool:
    accept = request.headers.get(hdrs.ACCEPT, "")
    return request.content_type == "application/json" or (
        "application/json" in accept and "text/html" not in accept
    )


def scope_label(addresses: AddressBook, staff: StaffIdentity) -> str:
    """"社区：城南社区" rather than the unit's code, where the registry knows the name."""
    scope = staff.scope
    name: str | None = None
    try:
        if scope.level is ScopeLevel.COMMUNITY and scope.code:
            name = addresses.community_name(scope.code)
        elif scope.level is ScopeLevel.GRID and scope.code:
            route = addresses.grid_route(scope.code)
            name = f"{route.community.name}{route.grid.name}"
    except (UnknownAddress, KeyError):
        name = None
    if not name:
        return scope.label_zh()
    return staff_texts.SCOPE_TEXT.format(
        level=staff_texts.LEVEL_LABELS[scope.level.value], code=name
    )


def _common(request: web.Request) -> dict[str, Any]:
    session = current_staff(request)
    staff = session.staff
    return {
        "t": texts.PAGE,
        "staff": staff,
        "role_label": staff_texts.ROLE_LABELS.get(staff.role.value, staff.role.value),
        "scope_label": scope_label(request.app[CONSOLE_DEPS].addresses, staff),
        "csrf_token": session.csrf_token,
    }


def _not_found(request: web.Request) -> web.Response:
    if _wants_json(request):
        return web.json_response(
            {"error": "not_found", "message": texts.ERRORS["not_found"]}, status=404
        )
    page = _templates().get_template("not_found.html").render(
        t=texts.PAGE, message=texts.ERRORS["not_found"]
    )
    return _html(page, 404)


# -- inbox ----------------------------------------------------------------------------------


async def _inbox(request: web.Request) -> tuple[inbox.InboxPage | None, str]:
    deps = request.app[CONSOLE_DEPS]
    try:
        wanted = inbox.InboxFilter.parse(request.query)
    except BadInput:
        return None, texts.ERRORS["bad_filter"]
    staff = current_staff(request).staff
    page = await inbox.list_tickets(
        deps.sessions, staff.scope, wanted, deps.clock(), deps.source_labels
    )
    return page, ""


@dataclass(frozen=True, slots=True)
class HandoffRow:
    """A resident waiting for a person, as the inbox lists them."""

    id: int
    url: str
    status: str
    status_label: str
    reason_label: str
    address: str
    last_line: str
    since_text: str
    waiting: bool


async def _handoff_rows(request: web.Request) -> list[HandoffRow]:
    """The open handoffs the caller may see (same rule as the live-handoff pages)."""
    placed = await handoff_web.visible_handoffs(
        handoff_web.runtime_of(request), current_staff(request).staff
    )
    rows = []
    for item in placed:
        summary = handoff_web.summary_json(item)
        view = item.view
        since = view.waiting_since or view.opened_at
        rows.append(HandoffRow(
            view.id, summary["url"], view.status, summary["status_label"],
            summary["reason_label"], summary["address"], summary["last_line"],
            local_text(since), view.waiting_since is not None,
        ))
    return rows


async def inbox_page(request: web.Request) -> web.Response:
    page, error = await _inbox(request)
    if page is None:
        page = inbox.InboxPage([], 0, inbox.InboxFilter())
    deps = request.app[CONSOLE_DEPS]
    handoffs = await _handoff_rows(request)
    context = {
        **_common(request),
        "page": page,
        "f": page.filter,
        "handoffs": handoffs,
        "handoff_count": sum(1 for h in handoffs if h.waiting),
        "error": error,
        "groups": texts.GROUPS,
        "statuses": list(_status_labels().items()),
        "categories": [(item.intent, item.name) for item in deps.catalog.items()],
        "grids": await inbox.grids_in_scope(deps.sessions, current_staff(request).staff.scope),
        "sources": await inbox.sources_in_scope(
            deps.sessions, current_staff(request).staff.scope, deps.source_labels
        ),
    }
    name = "_rows.html" if request.query.get("partial") == "1" else "inbox.html"
    return _html(_templates().get_template(name).render(**context), 400 if error else 200)


def _status_labels() -> dict[str, str]:
    from bot.tickets.texts import STATUS_LABELS

    return dict(STATUS_LABELS)


async def api_tickets(request: web.Request) -> web.Response:
    page, error = await _inbox(request)
    if page is None:
        return web.json_response({"error": "bad_filter", "message": error}, status=400)
    if page.filter.group == inbox.HANDOFF_GROUP:
        placed = await handoff_web.visible_handoffs(
            handoff_web.runtime_of(request), current_staff(request).staff
        )
        return web.json_response({
            "handoffs": [handoff_web.summary_json(p) for p in placed], "total": len(placed),
        })
    return web.json_response({
        "tickets": [row.as_json() for row in page.rows],
        "total": page.total,
        "page": page.filter.page,
        "pages": page.pages,
    })


# -- live feed ------------------------------------------------------------------------------

#: Seconds between comment lines that keep proxies from closing a quiet stream, and
#: between checks that the session is still signed in.
HEARTBEAT_SECONDS: Final = 15.0


async def api_events(request: web.Request) -> web.StreamResponse:
    """Server-sent events: ``event: ticket`` with ``{"id", "number", "kind", "status"}``
    for every new history line of a ticket in scope. Resumes after ``Last-Event-ID``.
    Ends when the client goes away (seen within one poll; a cancelled handler ends at
    once) or the session ends (checked with each heartbeat)."""
    deps = request.app[CONSOLE_DEPS]
    staff = current_staff(request).staff
    try:
        last = int(request.headers.get("Last-Event-ID", "") or request.query.get("after", ""))
        if last < 0:
            raise ValueError
    except ValueError:
        last = await inbox.latest_event_id(deps.sessions)
    response = web.StreamResponse(
        headers={
            hdrs.CONTENT_TYPE: "text/event-stream; charset=utf-8",
            hdrs.CACHE_CONTROL: "no-store",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    await response.write(b"retry: 3000\n: ok\n\n")
    auth = request.app[CONSOLE_AUTH]
    cookie = request.cookies.get(COOKIE_NAME)
    quiet = 0.0
    waiting: object = None
    notice_last = await latest_notice_id(deps.sessions)
    channel_ids = await notices_web.recipients_of(request, staff)
    try:
        while True:
            for event in await inbox.events_since(deps.sessions, staff.scope, last):
                data = json.dumps(event.as_json(), ensure_ascii=False)
                await response.write(f"id: {event.id}\nevent: ticket\ndata: {data}\n\n".encode())
                last = event.id
                quiet = 0.0
            now_waiting = await _waiting_handoffs(request)
            if now_waiting != waiting:
                # Residents waiting for a person: not ticket events, so sent as their own
                # event whenever the set (or who is still unanswered) changes.
                waiting = now_waiting
                data = json.dumps(
                    {"waiting": sum(1 for _, unanswered in now_waiting if unanswered),
                     "open": len(now_waiting)},
                )
                await response.write(f"event: handoffs\ndata: {data}\n\n".encode())
                quiet = 0.0
            for notice in await notices_for(
                deps.sessions, staff.scope, channel_ids, after_id=notice_last,
                kinds=ALERT_KINDS, limit=20,
            ):
                # Red incidents, urgent, escalated and overdue tickets interrupt the page.
                notice_last = max(notice_last, notice.id)
                data = json.dumps(notices_web.notice_json(notice), ensure_ascii=False)
                await response.write(f"event: notice\ndata: {data}\n\n".encode())
                quiet = 0.0
            await asyncio.sleep(deps.poll_seconds)
            if _gone(request):
                break  # aiohttp does not cancel handlers on disconnect by default
            quiet += deps.poll_seconds
            if quiet >= HEARTBEAT_SECONDS:
                quiet = 0.0
                if await request.app[auth.service_key].session_for(cookie) is None:
                    break
                await response.write(b": ping\n\n")
    except (ConnectionResetError, ConnectionError):
        pass  # the browser left; the next poll would fail anyway
    return response


async def _waiting_handoffs(request: web.Request) -> list[tuple[int, bool]]:
    """(id, unanswered) of the open handoffs the caller may see."""
    rows = await _handoff_rows(request)
    return [(row.id, row.waiting) for row in rows]


def _gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


# -- ticket page ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    index: int
    kind: str
    url: str  # a console URL for our uploads, else the original address
    ours: bool


def _evidence(view: TicketView) -> list[EvidenceItem]:
    items = []
    for index, (kind, url) in enumerate(view.evidence):
        ours = key_from_url(url) is not None
        link = f"/console/tickets/{view.number}/evidence/{index}" if ours else url
        items.append(EvidenceItem(index, kind, link, ours))
    return items


def _people(addresses: AddressBook, view: TicketView) -> list[Contact]:
    try:
        if view.building_code:
            return list(addresses.route(view.building_code).contacts)
        if view.grid_code:
            return list(addresses.grid_route(view.grid_code).contacts)
    except (UnknownAddress, KeyError):
        pass
    return []


async def _scoped_view(request: web.Request) -> TicketView | None:
    deps = request.app[CONSOLE_DEPS]
    number = request.match_info["number"]
    if len(number) > 24:
        return None
    if await inbox.scoped_row(deps.sessions, current_staff(request).staff.scope, number) is None:
        return None
    try:
        return await deps.tickets.get(number)
    except TicketNotFound:
        return None


async def ticket_page(request: web.Request) -> web.Response:
    view = await _scoped_view(request)
    if view is None:
        return _not_found(request)
    deps = request.app[CONSOLE_DEPS]
    staff = current_staff(request).staff
    if _wants_json(request):
        return web.json_response(_ticket_json(view, deps.source_labels))
    done = texts.DONE.get(request.query.get("done", ""), "")
    error = texts.ERRORS.get(request.query.get("error", ""), "")
    context = {
        **_common(request),
        "v": view,
        "created_text": local_text(view.created_at),
        "people": _people(deps.addresses, view),
        "people_roles": texts.ROLE_LABELS,
        "channel_labels": texts.CHANNEL_LABELS,
        "source_label": texts.source_label(view.source, deps.source_labels),
        "categories": [(item.intent, item.name) for item in deps.catalog.items()],
        "evidence": _evidence(view),
        # 催办 first: what the resident is pressing for is read before anything else.
        "urgings": [(local_text(e.at), e) for e in view.urgings],
        "history": [
            (local_text(e.at), e.actor, texts.EVENT_LABELS.get(e.kind, e.kind), e)
            for e in reversed(view.history)
        ],
        "status_labels": _status_labels(),
        "departments": deps.catalog.departments(),
        "can_dispatch": staff.role in DISPATCH_ROLES,
        "allowed": _allowed_actions(view.status),
        "done": done,
        "error": error,
    }
    return _html(_templates().get_template("ticket.html").render(**context))


#: The status each state-changing action moves a ticket to (reply and request-info don't).
_ACTION_TARGETS: Final = {
    "claim": "accepted", "start": "in_progress", "transfer": "transferred",
    "dispatch": "in_progress", "escalate": "escalated", "resolve": "resolved",
    "reject": "rejected",
}


def _allowed_actions(status: str) -> frozenset[str]:
    """The actions the ticket's status allows (the page offers only these)."""
    allowed = {"reply"}
    if status in {s.value for s in OPEN_STATUSES}:
        allowed.add("request-info")
    for action, target in _ACTION_TARGETS.items():
        if target in {t.value for t in TRANSITIONS[parse_status(status)]}:
            allowed.add(action)
    if status in {s.value for s in OPEN_STATUSES}:
        allowed.add("dispatch")  # 村居发令 re-dispatches an open ticket in any state
    return frozenset(allowed)


def _ticket_json(view: TicketView, source_labels: Mapping[str, str]) -> dict[str, Any]:
    return {
        "number": view.number,
        "status": view.status,
        "status_label": view.status_label_zh,
        "category": view.category,
        "category_predicted": view.category_predicted,
        "source": view.source,
        "source_label": texts.source_label(view.source, source_labels),
        "source_ref": view.source_ref,
        "description": view.description,
        "address": view.address_text,
        "supporters": view.supporters,
        "urge_count": view.urge_count,
        "urgings": [
            {"at": e.at.isoformat() + "Z", "note": e.note} for e in view.urgings
        ],
        "evidence": [
            {"kind": item.kind, "url": item.url} for item in _evidence(view)
        ],
        "history": [
            {"at": e.at.isoformat() + "Z", "actor": e.actor, "kind": e.kind,
             "from": e.from_status, "to": e.to_status, "note": e.note}
            for e in view.history
        ],
    }


async def evidence_file(request: web.Request) -> web.Response:
    view = await _scoped_view(request)
    if view is None:
        return _not_found(request)
    try:
        index = int(request.match_info["index"])
        _kind, url = view.evidence[index]
    except (ValueError, IndexError):
        return _not_found(request)
    key = key_from_url(url)
    data = await request.app[CONSOLE_DEPS].media.open(key) if key else None
    if key is None or data is None:
        return _not_found(request)
    headers = {
        hdrs.CONTENT_DISPOSITION: "inline",
        hdrs.CACHE_CONTROL: "private, no-store",
        hdrs.ACCEPT_RANGES: "bytes",
    }
    wanted = _byte_range(request.headers.get(hdrs.RANGE, ""), len(data))
    if wanted is None:
        return web.Response(body=data, content_type=content_type_of(key), headers=headers)
    start, end = wanted
    if start >= len(data):
        return web.Response(status=416, headers={hdrs.CONTENT_RANGE: f"bytes */{len(data)}"})
    headers[hdrs.CONTENT_RANGE] = f"bytes {start}-{end}/{len(data)}"
    return web.Response(
        status=206, body=data[start : end + 1], content_type=content_type_of(key),
        headers=headers,
    )


_RANGE = re.compile(r"^bytes=(\d{0,15})-(\d{0,15})$")


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
    """One ``bytes=a-b`` range (Safari plays a <video> only through ranges); None for no
    range or one we do not serve (multiple ranges): the whole file is sent then."""
    match = _RANGE.match(header.strip())
    if match is None or not any(match.groups()):
        return None
    first, last = match.groups()
    if not first:  # the last N bytes
        count = int(last)
        return (max(0, size - count), size - 1) if count else None
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    return (start, end) if start <= end or start >= size else None


# -- actions --------------------------------------------------------------------------------

Form = dict[str, Any]
Action = Callable[[ConsoleDeps, str, str, Form], Awaitable[TicketView]]


def _field(form: Form, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _reason(form: Form) -> str:
    reason = _field(form, "reason")
    if not reason:
        raise BadInput("a reason is needed", code="missing_reason")
    if len(reason) > 500:
        raise BadInput("too long", code="text_too_long")
    return reason


async def _claim(d: ConsoleDeps, n: str, actor: str, _f: Form) -> TicketView:
    return await d.tickets.claim(n, actor)


async def _start(d: ConsoleDeps, n: str, actor: str, _f: Form) -> TicketView:
    return await d.tickets.start(n, actor)


async def _reply(d: ConsoleDeps, n: str, actor: str, f: Form) -> TicketView:
    return await d.tickets.reply(n, actor, _field(f, "text"))


async def _request_info(d: ConsoleDeps, n: str, actor: str, f: Form) -> TicketView:
    return await d.tickets.request_info(n, actor, _field(f, "text"))


async def _transfer(d: ConsoleDeps, n: str, actor: str, f: Form) -> TicketView:
    return await d.tickets.transfer(n, _field(f, "department"), actor, _reason(f))


async def _dispatch(d: ConsoleDeps, n: str, actor: str, f: Form) -> TicketView:
    note = _field(f, "note")[:500] or None
    return await d.tickets.dispatch(n, _field(f, "department"), actor, note)


async def _escalate(d: ConsoleDeps, n: str, actor: str, f: Form) -> TicketView:
    return await d.tickets.escalate(n, actor, _field(f, "reason")[:500])


async def _resolve(d: ConsoleDeps, n: str, actor: str, f: Form) -> TicketView:
    note = _field(f, "note")
    if len(note) > 500:
        raise BadInput("too long", code="text_too_long")
    evidence: list[tuple[str, str]] = []
    photo = f.get("photo")
    if isinstance(photo, web.FileField):
        data = photo.file.read(d.max_photo_bytes + 1)
        if data:
            content_type = _image_type(data)
            if content_type is None or len(data) > d.max_photo_bytes:
                raise BadInput("not a photo we take", code="bad_upload")
            stored = await d.media.save(data, MediaKind.IMAGE, content_type)
            evidence.append(("image", stored.url))
    return await d.tickets.resolve(n, actor, note or None, evidence=evidence)


async def _reject(d: ConsoleDeps, n: str, actor: str, f: Form) -> TicketView:
    return await d.tickets.reject(n, actor, _reason(f))


async def _confirm_category(d: ConsoleDeps, n: str, actor: str, f: Form) -> TicketView:
    return await d.tickets.confirm_category(n, actor, _field(f, "category") or None)


def _image_type(head: bytes) -> str | None:
    """The content type of a photo by its first bytes (the declared type is not trusted)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1"):
        return "image/heic"
    return None

_HANDLERS: Final[dict[str, Action]] = {
    "claim": _claim, "start": _start, "reply": _reply, "request-info": _request_info,
    "transfer": _transfer, "dispatch": _dispatch, "escalate": _escalate,
    "resolve": _resolve, "reject": _reject, "confirm-category": _confirm_category,
}


def _actor(staff: StaffIdentity) -> str:
    return staff.display_name or staff.username


def action_handler(name: str) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    act = _HANDLERS[name]

    async def handle(request: web.Request) -> web.StreamResponse:
        view = await _scoped_view(request)
        if view is None:
            return _not_found(request)
        deps = request.app[CONSOLE_DEPS]
        staff = current_staff(request).staff
        as_json = _wants_json(request)
        form: Form
        try:
            if request.content_type == "application/json":
                body = await request.json()
                form = dict(body) if isinstance(body, dict) else {}
            else:
                form = dict(await request.post())
        except (ValueError, TypeError):
            form = {}
        form.pop(CSRF_FIELD, None)
        code = ""
        try:
            changed = await act(deps, view.number, _actor(staff), form)
        except InvalidTransition:
            code = "invalid_transition"
        except BadInput as exc:
            code = exc.code if exc.code in texts.ERRORS else "bad_input"
        except ValueError:  # a content type the media store refuses
            code = "bad_upload"
        base = f"/console/tickets/{view.number}"
        if code:
            if as_json:
                status = 409 if code == "invalid_transition" else 400
                return web.json_response(
                    {"error": code, "message": texts.ERRORS[code]}, status=status
                )
            raise web.HTTPSeeOther(f"{base}?error={code}")
        log.info("console: %s %s by %s", name, view.number, staff.username)
        still_visible = await inbox.scoped_row(deps.sessions, staff.scope, view.number) is not None
        if as_json:
            return web.json_response({
                "ok": True, "message": texts.DONE[name], "status": changed.status,
                "visible": still_visible,
            })
        target = f"{base}?done={name}" if still_visible else f"{HOME}?done={name}"
        raise web.HTTPSeeOther(target)

    handle.__name__ = f"ticket_{name.replace('-', '_')}"
    return handle


# -- wiring ---------------------------------------------------------------------------------


def setup_routes(app: web.Application) -> None:
    """Add the inbox, ticket, feed, evidence, action and static-file routes (each with its
    rule). The app needs :data:`CONSOLE_DEPS` by the time requests arrive."""
    console_route(app, "GET", HOME, inbox_page, roles=ALL_ROLES)
    console_route(app, "GET", "/console/api/tickets", api_tickets, roles=ALL_ROLES)
    console_route(app, "GET", "/console/api/events", api_events, roles=ALL_ROLES)
    console_route(app, "GET", "/console/tickets/{number}", ticket_page, roles=ALL_ROLES)
    console_route(
        app, "GET", "/console/tickets/{number}/evidence/{index}", evidence_file,
        roles=ALL_ROLES,
    )
    for name in ACTIONS:
        roles = DISPATCH_ROLES if name == "dispatch" else ALL_ROLES
        console_route(
            app, "POST", f"/console/tickets/{{number}}/{name}", action_handler(name),
            roles=roles,
        )
    setup_console_assets(app)

