"""代办: a grid worker (or other area staff) files a ticket for a resident or a public place.

Routes (area roles; the POST needs the session's CSRF token):

* ``GET  /console/file``  the form (category, description, address or the phone's location,
  an optional photo, the resident's phone)
* ``POST /console/file``  file it: a form (``multipart/form-data`` with a photo, or
  urlencoded) re-renders the page with the outcome; JSON (or an ``X-CSRF-Token`` header)
  answers JSON

The place is a building code, or address text resolved with :meth:`AddressBook.resolve`
(a name several communities share is narrowed to the caller's scope), or ``lat``/``lng``
from the browser (an outdoor report placed in the grid of the nearest building). It must
be within the caller's scope, else 403 with a Chinese message.

Such tickets are *staff-filed*: ``reporter_channel`` is :data:`STAFF_CHANNEL` and
``reporter_id`` ``staff:<username>``; :func:`staff_filed_count` counts them apart from
residents' reports. A photo is checked by size (``settings.upload_max_bytes``) and by its
first bytes (JPEG, PNG, GIF, WebP; the declared type is not trusted) and kept in
``runtime.media``.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web
from sqlalchemy import func
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.console import g2_texts as t
from bot.console.assets import setup_console_assets
from bot.console.handoff_web import (
    catalog_choices,
    error,
    read_body,
    runtime_of,
    templates,
    text_field,
    wants_json,
)
from bot.errors import AddressError, BadInput
from bot.messages import MediaKind
from bot.staff.roles import Role
from bot.staff.scope import Scope, can_see_ticket, ticket_filter
from bot.staff.service import StaffIdentity
from bot.staff.web import console_route, current_staff
from bot.tickets._ops import STAFF_FILED_CHANNEL
from bot.tickets.models import Ticket
from bot.tickets.views import TicketDraft

if TYPE_CHECKING:
    from bot.runtime import Runtime

#: The reporter channel of tickets staff filed on someone's behalf.
STAFF_CHANNEL: Final = STAFF_FILED_CHANNEL
#: Who may file on behalf: staff of an area (not departments, who handle, not report).
FILING_ROLES: Final = frozenset(
    {Role.GRID_WORKER, Role.SECRETARY, Role.STREET_STAFF, Role.DISTRICT_STAFF, Role.ADMIN}
)
_PHONE: Final = re.compile(r"^\+?[0-9][0-9 -]{4,19}$")
_NONCE: Final = re.compile(r"^[0-9a-f]{32}$")


def staff_reporter_id(username: str) -> str:
    return f"staff:{username}"


async def staff_filed_count(
    sessions: async_sessionmaker[AsyncSession],
    since: datetime,
    *,
    scope: Scope | None = None,
) -> int:
    """How many tickets staff filed on someone's behalf since ``since`` (naive UTC),
    within ``scope`` when given."""
    query = select(func.count()).select_from(Ticket).where(
        Ticket.reporter_channel == STAFF_CHANNEL, col(Ticket.created_at) >= since
    )
    if scope is not None:
        query = query.where(ticket_filter(scope))
    async with sessions() as session:
        return int((await session.exec(query)).one())


# -- the photo -------------------------------------------------------------------------------


def sniff_image(data: bytes) -> str | None:
    """The image type of ``data`` by its first bytes, or None when it is no image we keep."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


class FilingRefused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


async def _photo(runtime: Runtime, field: Any) -> tuple[str, str] | None:
    """Evidence ``("image", url)`` from an uploaded file field, None when none was sent."""
    if not isinstance(field, web.FileField):
        return None
    data = field.file.read(runtime.settings.upload_max_bytes + 1)
    if not data:
        return None
    if len(data) > runtime.settings.upload_max_bytes:
        mb = runtime.settings.upload_max_bytes // (1024 * 1024)
        raise FilingRefused(413, "photo_too_large", t.ERR_PHOTO_SIZE.format(mb=mb))
    content_type = sniff_image(data)
    if content_type is None:
        raise FilingRefused(415, "photo_type", t.ERR_PHOTO_TYPE)
    stored = await runtime.media.save(data, MediaKind.IMAGE, content_type)
    return ("image", stored.url)


# -- the place -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Area:
    """The codes scope checks compare (a building's or a grid's)."""

    grid_code: str
    community_code: str
    street_code: str
    district_code: str


@dataclass(frozen=True, slots=True)
class Place:
    building_code: str | None = None
    landmark: str | None = None
    lat: float | None = None
    lng: float | None = None


def _float(data: dict[str, Any], name: str) -> float | None:
    value = data.get(name)
    try:
        number = float(value) if isinstance(value, (str, int, float)) and value != "" else None
    except ValueError:
        return None
    return number if number is not None and number == number else None  # not NaN


def resolve_place(runtime: Runtime, staff: StaffIdentity, data: dict[str, Any]) -> Place:
    """Where the ticket is, checked against the caller's scope (raises FilingRefused)."""
    book = runtime.addresses
    scope = staff.scope
    address = text_field(data, "address", 200) or text_field(data, "building_code", 64)
    lat, lng = _float(data, "lat"), _float(data, "lng")
    if address:
        building = book.building(address)
        if building is None:
            hint = scope.code if scope.level.value == "community" else None
            resolution = book.resolve(address, community_hint=hint)
            codes = [c.building_code for c in resolution.candidates]
            if resolution.building_code is None:
                # A name several communities share: keep the one within the caller's scope.
                found = [book.building(code) for code in codes]
                inside = [b for b in found if b is not None and can_see_ticket(scope, b)]
                if resolution.status != "need_community" or len(inside) != 1:
                    raise FilingRefused(400, "unknown_address", t.ERR_ADDRESS_UNKNOWN)
                building = inside[0]
            else:
                building = book.building(resolution.building_code)
        if building is None:
            raise FilingRefused(400, "unknown_address", t.ERR_ADDRESS_UNKNOWN)
        if not can_see_ticket(scope, building):
            raise FilingRefused(403, "out_of_scope", t.ERR_OUT_OF_SCOPE)
        return Place(building_code=building.code)
    if lat is not None and lng is not None:
        grid = book.grid_for_point(lat, lng)
        if grid is None:
            raise FilingRefused(400, "unknown_point", t.ERR_POINT_UNKNOWN)
        area = _Area(grid.code, grid.community_code, grid.street_code, grid.district_code)
        if not can_see_ticket(scope, area):
            raise FilingRefused(403, "out_of_scope", t.ERR_OUT_OF_SCOPE)
        landmark = text_field(data, "landmark", 100) or t.DEFAULT_LANDMARK
        return Place(landmark=landmark, lat=lat, lng=lng)
    raise FilingRefused(400, "missing_address", t.ERR_ADDRESS)


# -- handlers --------------------------------------------------------------------------------


def _page(request: web.Request, status: int = 200, **context: Any) -> web.Response:
    session = current_staff(request)
    body = templates().get_template("filing.html").render(
        t=t,
        csrf_token=session.csrf_token,
        categories=catalog_choices(runtime_of(request)),
        nonce=uuid.uuid4().hex,
        form=context.pop("form", {}),
        **context,
    )
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8")


async def filing_page(request: web.Request) -> web.Response:
    return _page(request)


async def file_on_behalf(request: web.Request) -> web.Response:
    runtime = runtime_of(request)
    staff = current_staff(request).staff
    as_json = wants_json(request)
    data = await read_body(request)
    form = {k: v for k, v in data.items() if isinstance(v, str) and k != "csrf_token"}
    try:
        draft = await _draft(runtime, staff, data)
        ticket = await runtime.tickets.file(draft)
    except FilingRefused as refused:
        if as_json:
            return error(refused.status, refused.code, refused.message)
        return _page(request, refused.status, error=refused.message, form=form)
    except (AddressError, BadInput):
        if as_json:
            return error(400, "bad_input", t.ERR_BAD_FORM)
        return _page(request, 400, error=t.ERR_BAD_FORM, form=form)
    message = t.FILED.format(number=ticket.number)
    if as_json:
        return web.json_response({"ok": True, "number": ticket.number, "message": message})
    return _page(request, notice=message)


async def _draft(runtime: Runtime, staff: StaffIdentity, data: dict[str, Any]) -> TicketDraft:
    category = text_field(data, "category", 64)
    if not category or not runtime.catalog.has(category):
        raise FilingRefused(400, "bad_category", t.ERR_CATEGORY)
    description = text_field(data, "description", 2000)
    if not description:
        raise FilingRefused(400, "missing_description", t.ERR_DESCRIPTION)
    phone = text_field(data, "phone", 32) or None
    if phone is not None and not _PHONE.match(phone):
        raise FilingRefused(400, "bad_phone", t.ERR_PHONE)
    place = resolve_place(runtime, staff, data)
    photo = await _photo(runtime, data.get("photo"))
    nonce = text_field(data, "nonce", 32)
    return TicketDraft(
        category=category,
        description=description,
        reporter_channel=STAFF_CHANNEL,
        reporter_id=staff_reporter_id(staff.username),
        building_code=place.building_code,
        landmark=place.landmark,
        lat=place.lat,
        lng=place.lng,
        reporter_phone=phone,
        evidence=[photo] if photo else [],
        # A double tap on 提交 (the same form) files once.
        source_message_id=f"console-file:{nonce}" if _NONCE.match(nonce) else None,
        # The history says who filed it: the grid worker, not "居民".
        filed_by=staff.display_name or staff.username,
    )


def setup_console_filing(app: web.Application) -> None:
    """Add the 代办 routes (and the console's static files)."""
    setup_console_assets(app)
    console_route(app, "GET", "/console/file", filing_page, roles=FILING_ROLES)
    console_route(app, "POST", "/console/file", file_on_behalf, roles=FILING_ROLES)
