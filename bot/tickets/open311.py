"""Open311 GeoReport v2 (JSON) for interoperability with other civic systems.

Routes under ``/open311/v2/``: ``services.json``, ``services/{code}.json``, ``requests.json``
(GET with the spec's filters; POST, form-encoded, with an ``api_key`` from
``MINSHENG_OPEN311_API_KEYS``) and ``requests/{id}.json``. Services are the catalog items
(``service_code`` = the demand intent), requests are tickets (``service_request_id`` = the
ticket number). Field names follow the specification; errors are ``[{"code", "description"}]``
with the HTTP status as code.

Personal data never leaves through this API: no reporter identity, no phone, no unit or
room (the address is the building's), free text masked by the one privacy policy
(:func:`bot.privacy.mask_text`), and no media: photos of a flat or a face belong to the
resident who sent them and the staff in charge, not to whoever reads a public feed.
"""

from __future__ import annotations

import hmac
import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

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


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def w3c(moment: datetime | None) -> str | None:
    """Naive UTC → ISO 8601 with the China offset, as the spec requires a zone."""
    return to_local(moment).isoformat(timespec="seconds") if moment else None


def _error(status: int, description: str) -> web.Response:
    return web.json_response([{"code": status, "description": description}], status=status)


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
    ) -> None:
        self.service_key = service_key
        self.api_keys = api_keys
        self.limiter_key = limiter_key

    def _service(self, request: web.Request) -> TicketService:
        return request.app[self.service_key]

    def _keys(self, service: TicketService) -> list[str]:
        if self.api_keys is not None:
            return self.api_keys
        return list(service.settings.open311_api_keys) if service.settings else []

    # --- services ---------------------------------------------------------------------

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

    async def services(self, request: web.Request) -> web.Response:
        service = self._service(request)
        return web.json_response(
            [self._service_entry(service, item.intent) for item in service.catalog.items()]
        )

    async def service_definition(self, request: web.Request) -> web.Response:
        service = self._service(request)
        code = request.match_info["code"]
        if not service.catalog.has(code):
            return _error(404, f"service_code {code} not found")
        # No service has extra attributes (metadata is false everywhere).
        return web.json_response({"service_code": code, "attributes": []})

    # --- requests ---------------------------------------------------------------------

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

    async def list_requests(self, request: web.Request) -> web.Response:
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
            return _error(400, str(exc))
        return web.json_response([self._request_entry(service, v) for v in views])

    async def get_request(self, request: web.Request) -> web.Response:
        service = self._service(request)
        number = request.match_info["id"]
        try:
            view = await service.get(number)
        except TicketNotFound:
            return _error(404, f"service_request_id {number} not found")
        return web.json_response([self._request_entry(service, view)])

    async def post_request(self, request: web.Request) -> web.Response:
        service = self._service(request)
        form = await request.post()
        fields = {k: str(v) for k, v in form.items() if isinstance(v, str)}
        keys = self._keys(service)
        given = fields.get("api_key", "")
        if not keys or not any(hmac.compare_digest(given, key) for key in keys):
            return _error(403, "api_key is missing or not valid")
        limiter = request.app.get(self.limiter_key) if self.limiter_key else None
        if limiter is not None:
            try:
                await limiter.check("api_key", given)
            except RateLimited as exc:
                seconds = wait_seconds(exc)
                return web.json_response(
                    [{"code": 429, "description": TOO_MANY_TEXT.format(seconds=seconds)}],
                    status=429,
                    headers={"Retry-After": str(seconds)},
                    dumps=_dumps,
                )
        try:
            draft = self._draft(service, fields)
            view = await service.file(draft)
        except (BadInput, AddressError) as exc:
            return _error(400, str(exc))
        item = service.catalog.item(view.category)
        return web.json_response(
            [
                {
                    "service_request_id": view.number,
                    "service_notice": texts.OPEN311_NOTICE.format(
                        standard=item.standard, deadline=deadline_text(view.deadline)
                    ),
                    "account_id": None,
                }
            ],
            status=201,
        )

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
) -> None:
    """Add the Open311 routes. ``api_keys`` defaults to the service's settings; with
    ``limiter_key``, POSTs are rate-limited per API key (``bot.ratelimit``)."""
    handlers = Open311(service_key, api_keys, limiter_key)
    prefix = "/open311/v2"
    app.router.add_get(f"{prefix}/services.json", handlers.services)
    app.router.add_get(f"{prefix}/services/{{code}}.json", handlers.service_definition)
    app.router.add_get(f"{prefix}/requests.json", handlers.list_requests)
    app.router.add_post(f"{prefix}/requests.json", handlers.post_request)
    app.router.add_get(f"{prefix}/requests/{{id}}.json", handlers.get_request)
