"""Open311 GeoReport v2 for interoperability with other civic systems, in XML and JSON.

Routes under ``/open311/v2/``, each in both formats (``.xml`` is the spec's default,
``.json`` the other): ``services``, ``services/{code}``, ``requests`` (GET with the spec's
filters; POST, form-encoded, with an ``api_key`` from ``MINSHENG_OPEN311_API_KEYS``),
``requests/{id}``, and ``discovery`` (also at ``/open311/discovery``). Services are the
catalog items (``service_code`` = the demand intent), requests are tickets
(``service_request_id`` = the ticket number, returned at once, so there are no tokens).
Every endpoint takes ``jurisdiction_id``: absent is fine, one that is not among
``MINSHENG_OPEN311_JURISDICTION_ID`` is a 404 (when none is configured, any is accepted).

Each answer is built once as plain data (lists of dicts) and then rendered: JSON as it is,
XML as the spec lays it out (``<services><service>``, ``<service_requests><request>``,
``<errors><error><code/><description/></error></errors>``) with ElementTree. Errors carry
the HTTP status as code.

Personal data never leaves through this API: no reporter identity, no phone, no unit or
room (the address is the building's), free text masked by the one privacy policy
(:func:`bot.privacy.mask_text`), and no media: photos of a flat or a face belong to the
resident who sent them and the staff in charge, not to whoever reads a public feed.
"""

from __future__ import annotations

import hmac
import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from aiohttp import web

from bot.errors import AddressError, BadInput, RateLimited, TicketNotFound
from bot.privacy import mask_text
from bot.ratelimit import TOO_MANY_TEXT, RateLimiter, wait_seconds
from bot.tickets import texts
from bot.tickets.clock import deadline_text, to_local
from bot.tickets.service import TicketService
from bot.tickets.status import OPEN_STATUSES, TicketStatus
from bot.tickets.views import TicketDraft, TicketView

OPEN311_CHANNEL = "open311"
MAX_RESULTS = 1000
DEFAULT_WINDOW = timedelta(days=90)
_CLOSED = (TicketStatus.RESOLVED, TicketStatus.CLOSED, TicketStatus.REJECTED)
FORMATS: Final = ("xml", "json")
SPECIFICATION: Final = "http://wiki.open311.org/GeoReport_v2"
#: When this API last changed in a way clients may care about (discovery's changeset).
CHANGESET: Final = "2026-12-01T00:00:00+08:00"
#: The element of each item of a list in the spec's XML, by the list's own element.
_ITEM_TAGS: Final[Mapping[str, str]] = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
# Characters XML 1.0 cannot carry at all (control characters a resident's text may hold).
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
Body = list[dict[str, Any]] | dict[str, Any]


def w3c(moment: datetime | None) -> str | None:
    """Naive UTC → ISO 8601 with the China offset, as the spec requires a zone."""
    return to_local(moment).isoformat(timespec="seconds") if moment else None


def _xml_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value: Any) -> None:
    """Put ``value`` into ``element``: a dict as child elements, a list as one child per
    item (named by :data:`_ITEM_TAGS`), anything else as text (None: an empty element)."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), item)
    elif isinstance(value, list):
        tag = _ITEM_TAGS.get(element.tag, "item")
        for item in value:
            _fill(ET.SubElement(element, tag), item)
    else:
        element.text = _xml_text(value)


def to_xml(root: str, body: Body) -> bytes:
    """The spec's XML for ``body`` under the element ``root``."""
    element = ET.Element(root)
    _fill(element, body)
    document: bytes = ET.tostring(element, encoding="utf-8", xml_declaration=True)
    return document


def render(
    fmt: str,
    root: str,
    body: Body,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    """One answer in the asked format; ``root`` names the XML document element."""
    if fmt == "xml":
        return web.Response(
            body=to_xml(root, body), status=status, headers=headers,
            content_type="text/xml", charset="utf-8",
        )
    return web.Response(
        text=json.dumps(body, ensure_ascii=False), status=status, headers=headers,
        content_type="application/json", charset="utf-8",
    )


def error(fmt: str, status: int, description: str, **kw: Any) -> web.Response:
    return render(fmt, "errors", [{"code": status, "description": description}],
                  status=status, **kw)


def _fmt(request: web.Request) -> str:
    fmt = request.match_info.get("fmt", "xml")
    return fmt if fmt in FORMATS else "xml"


def _parse_w3c(value: str, name: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.strip().replace(" ", "+"))
    except ValueError:
        raise BadInput(
            f"{name} must be a W3C date/time such as 2026-11-21T08:00:00+08:00"
        ) from None
    if parsed.tzinfo is None:  # the spec requires a zone; read a bare value as UTC
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:  # 0001-01-01T00:00:00+14:00 is before the first representable day
        raise BadInput(f"{name} is out of range") from None


def _status_filter(value: str) -> list[str]:
    statuses: list[str] = []
    for part in (p.strip().lower() for p in value.split(",") if p.strip()):
        if part == "open":
            statuses += [s.value for s in OPEN_STATUSES]
        elif part == "closed":
            statuses += [s.value for s in _CLOSED]
        else:
            raise BadInput(f"status must be open or closed, not {part!r}")
    return statuses


class Open311:
    """Request handlers bound to the app key under which the ticket service lives."""

    def __init__(
        self,
        service_key: web.AppKey[TicketService],
        api_keys: list[str] | None,
        limiter_key: web.AppKey[RateLimiter] | None = None,
        jurisdictions: list[str] | None = None,
    ) -> None:
        self.service_key = service_key
        self.api_keys = api_keys
        self.limiter_key = limiter_key
        self.jurisdictions = jurisdictions

    def _service(self, request: web.Request) -> TicketService:
        return request.app[self.service_key]

    def _keys(self, service: TicketService) -> list[str]:
        if self.api_keys is not None:
            return self.api_keys
        return list(service.settings.open311_api_keys) if service.settings else []

    def _jurisdictions(self, service: TicketService) -> list[str]:
        if self.jurisdictions is not None:
            return self.jurisdictions
        configured = service.settings.open311_jurisdiction_id if service.settings else ""
        return [j.strip() for j in configured.split(",") if j.strip()]

    def _wrong_jurisdiction(
        self, request: web.Request, fields: Mapping[str, str] | None = None
    ) -> web.Response | None:
        """A 404 for a ``jurisdiction_id`` this endpoint does not serve, else None."""
        given = (fields or {}).get("jurisdiction_id") or request.query.get("jurisdiction_id")
        if not given:
            return None
        known = self._jurisdictions(self._service(request))
        if not known or given.strip() in known:
            return None
        return error(_fmt(request), 404, f"jurisdiction_id {given[:64]} not found")

    # --- the one model both formats render ----------------------------------------------

    def _service_entry(self, service: TicketService, code: str) -> dict[str, Any]:
        item = service.catalog.item(code)
        return {
            "service_code": item.intent,
            "service_name": item.name,
            "description": item.standard,
            "metadata": False,
            "type": "realtime",
            "keywords": item.domain_name,
            "group": item.domain_name,
        }

    def _request_entry(self, service: TicketService, view: TicketView) -> dict[str, Any]:
        item = service.catalog.item(view.category) if service.catalog.has(view.category) else None
        closed = view.status in {s.value for s in _CLOSED}
        notes = view.status_label_zh
        if view.status_note:
            notes = f"{notes}：{mask_text(view.status_note)}"
        return {
            "service_request_id": view.number,
            "status": "closed" if closed else "open",
            "status_notes": notes,
            "service_name": view.category_name_zh,
            "service_code": view.category,
            "description": mask_text(view.description),
            "agency_responsible": view.responsible_unit,
            "service_notice": item.standard if item else None,
            "requested_datetime": w3c(view.created_at),
            "updated_datetime": w3c(view.updated_at),
            "expected_datetime": w3c(view.deadline),
            "address": view.public_address_text,
            "address_id": view.building_code,
            "zipcode": None,
            "lat": view.lat,
            "long": view.lng,
            "media_url": None,
        }

    # --- discovery ------------------------------------------------------------------------

    async def discovery(self, request: web.Request) -> web.Response:
        fmt = _fmt(request)
        service = self._service(request)
        base = (
            service.settings.public_url if service.settings else str(request.url.origin())
        ).rstrip("/")
        return render(fmt, "discovery", {
            "changeset": CHANGESET,
            "contact": texts.OPEN311_CONTACT,
            "key_service": texts.OPEN311_KEY_SERVICE,
            "endpoints": [{
                "specification": SPECIFICATION,
                "url": f"{base}/open311/v2",
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }],
        })

    # --- services ---------------------------------------------------------------------

    async def services(self, request: web.Request) -> web.Response:
        if (wrong := self._wrong_jurisdiction(request)) is not None:
            return wrong
        service = self._service(request)
        entries = [self._service_entry(service, item.intent) for item in service.catalog.items()]
        return render(_fmt(request), "services", entries)

    async def service_definition(self, request: web.Request) -> web.Response:
        if (wrong := self._wrong_jurisdiction(request)) is not None:
            return wrong
        service = self._service(request)
        code = request.match_info["code"]
        if not service.catalog.has(code):
            return error(_fmt(request), 404, f"service_code {code} not found")
        # No service has extra attributes (metadata is false everywhere).
        return render(
            _fmt(request), "service_definition", {"service_code": code, "attributes": []}
        )

    # --- requests ---------------------------------------------------------------------

    async def list_requests(self, request: web.Request) -> web.Response:
        fmt = _fmt(request)
        if (wrong := self._wrong_jurisdiction(request)) is not None:
            return wrong
        service = self._service(request)
        query = request.query
        try:
            ids = [p.strip() for p in query.get("service_request_id", "").split(",") if p.strip()]
            if ids:  # the spec: with ids, every other filter is ignored
                views = await service.search(numbers=ids[:MAX_RESULTS])
            else:
                until = _parse_w3c(query["end_date"], "end_date") if "end_date" in query else None
                since = (
                    _parse_w3c(query["start_date"], "start_date")
                    if "start_date" in query
                    else (until or service.clock()) - DEFAULT_WINDOW
                )
                codes = [c.strip() for c in query.get("service_code", "").split(",") if c.strip()]
                statuses = _status_filter(query["status"]) if "status" in query else None
                views = await service.search(
                    categories=codes or None,
                    statuses=statuses,
                    since=since,
                    until=until,
                    limit=MAX_RESULTS,
                )
        except BadInput as exc:
            return error(fmt, 400, str(exc))
        return render(fmt, "service_requests", [self._request_entry(service, v) for v in views])

    async def get_request(self, request: web.Request) -> web.Response:
        fmt = _fmt(request)
        if (wrong := self._wrong_jurisdiction(request)) is not None:
            return wrong
        service = self._service(request)
        number = request.match_info["id"]
        try:
            view = await service.get(number)
        except TicketNotFound:
            return error(fmt, 404, f"service_request_id {number} not found")
        return render(fmt, "service_requests", [self._request_entry(service, view)])

    async def post_request(self, request: web.Request) -> web.Response:
        fmt = _fmt(request)
        service = self._service(request)
        form = await request.post()
        fields = {k: str(v) for k, v in form.items() if isinstance(v, str)}
        # Some clients send api_key and jurisdiction_id in the query string of the POST.
        for name in ("api_key", "jurisdiction_id"):
            if name not in fields and name in request.query:
                fields[name] = request.query[name]
        if (wrong := self._wrong_jurisdiction(request, fields)) is not None:
            return wrong
        keys = self._keys(service)
        given = fields.get("api_key", "")
        if not keys or not any(hmac.compare_digest(given, key) for key in keys):
            return error(fmt, 403, "api_key is missing or not valid")
        limiter = request.app.get(self.limiter_key) if self.limiter_key else None
        if limiter is not None:
            try:
                await limiter.check("api_key", given)
            except RateLimited as exc:
                seconds = wait_seconds(exc)
                return error(
                    fmt, 429, TOO_MANY_TEXT.format(seconds=seconds),
                    headers={"Retry-After": str(seconds)},
                )
        try:
            draft = self._draft(service, fields)
            view = await service.file(draft)
        except (BadInput, AddressError) as exc:
            return error(fmt, 400, str(exc))
        item = service.catalog.item(view.category)
        created = {
            "service_request_id": view.number,
            "service_notice": texts.OPEN311_NOTICE.format(
                standard=item.standard, deadline=deadline_text(view.deadline)
            ),
            "account_id": None,
        }
        return render(fmt, "service_requests", [created], status=201)

    def _draft(self, service: TicketService, fields: dict[str, str]) -> TicketDraft:
        code = fields.get("service_code", "").strip()
        if not code:
            raise BadInput("service_code is required")
        if not service.catalog.has(code):
            raise BadInput(f"service_code {code} is not a service of this jurisdiction")
        description = fields.get("description", "").strip()
        if not description:
            raise BadInput("description is required")
        building = fields.get("address_id", "").strip() or None
        address_string = fields.get("address_string", "").strip() or None
        lat = lng = None
        if "lat" in fields or "long" in fields:
            try:
                lat, lng = float(fields["lat"]), float(fields["long"])
            except (KeyError, ValueError):
                raise BadInput("lat and long must both be decimal degrees") from None
            # float() takes nan and inf (1e999): neither is a place, and nan breaks the feed.
            if not (math.isfinite(lat) and math.isfinite(lng)):
                raise BadInput("lat and long must be finite decimal degrees")
            if not (-90 <= lat <= 90 and -180 <= lng <= 180):
                raise BadInput("lat must be within ±90 and long within ±180")
        if building is None and lat is None:
            if address_string is None:
                raise BadInput("a location is required: lat and long, address_string or address_id")
            resolution = service.router.book.resolve(address_string)
            building = resolution.building_code
            if building is None:
                raise BadInput(
                    "address_string does not name one standard address; send address_id or lat/long"
                )
        reporter = fields.get("account_id") or fields.get("device_id") or "anonymous"
        media = fields.get("media_url", "").strip()
        return TicketDraft(
            category=code,
            description=description,
            reporter_channel=OPEN311_CHANNEL,
            reporter_id=reporter[:128],
            building_code=building,
            landmark=address_string if building is None else None,
            lat=lat if building is None else None,
            lng=lng if building is None else None,
            reporter_phone=fields.get("phone") or None,
            evidence=[("image", media)] if media else [],
        )


def setup_routes(
    app: web.Application,
    service_key: web.AppKey[TicketService],
    api_keys: list[str] | None = None,
    limiter_key: web.AppKey[RateLimiter] | None = None,
    jurisdictions: list[str] | None = None,
) -> None:
    """Add the Open311 routes, each as ``.xml`` and ``.json``. ``api_keys`` and
    ``jurisdictions`` default to the service's settings; with ``limiter_key``, POSTs are
    rate-limited per API key (``bot.ratelimit``)."""
    handlers = Open311(service_key, api_keys, limiter_key, jurisdictions)
    prefix = "/open311/v2"
    fmt = "{fmt:(?:xml|json)}"
    app.router.add_get(f"/open311/discovery.{fmt}", handlers.discovery)
    app.router.add_get(f"{prefix}/discovery.{fmt}", handlers.discovery)
    app.router.add_get(f"{prefix}/services.{fmt}", handlers.services)
    app.router.add_get(f"{prefix}/services/{{code:[^/.]+}}.{fmt}", handlers.service_definition)
    app.router.add_get(f"{prefix}/requests.{fmt}", handlers.list_requests)
    app.router.add_post(f"{prefix}/requests.{fmt}", handlers.post_request)
    app.router.add_get(f"{prefix}/requests/{{id:[^/.]+}}.{fmt}", handlers.get_request)
