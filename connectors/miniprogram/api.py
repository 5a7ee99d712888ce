"""The ``/mp/...`` routes of the mini-program API (documented in ``openapi.json``).

Every route but login and the spec needs ``Authorization: Bearer <token>`` (from
``POST /mp/login``) and is limited per session and per client address. A resident sees only
tickets they reported or follow: anything else is 404, like a number that does not exist.

Reporting is two steps with one request shape: ``POST /mp/tickets`` without ``confirm``
answers the draft (category by the NLU, the resolved building) and files nothing; the same
form with ``confirm=true`` (and the chosen ``category``) files it. ``client_request_id``
makes filing idempotent: a retried submit returns the ticket the first one filed.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Final

from aiohttp import web

from bot.addresses.strings import ROLE_LABELS
from bot.errors import AddressError, BadInput, InvalidTransition, MinshengError, RateLimited
from bot.gateway import Gateway
from bot.ratelimit import Limit, client_ip
from bot.tickets.views import TicketDraft
from connectors.errors import dumps, error_response, json_error
from connectors.miniprogram import texts, views
from connectors.miniprogram.form import FormError, ReportForm, read_form
from connectors.miniprogram.session import SessionSigner
from connectors.miniprogram.wxapi import Code2Session, WeChatUnavailable
from connectors.text import clean_text, has_unstorable

log = logging.getLogger(__name__)

CHANNEL: Final = "miniprogram"
SPEC_PATH: Final = Path(__file__).resolve().parent / "openapi.json"
MAX_TEXT: Final = 1000
_REQUEST_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_NUMBER = re.compile(r"^\d{8}-\d{4,6}$")
_TRUE = frozenset({"1", "true", "yes"})
#: Largest JSON body (login, rating, urge).
_MAX_JSON = 16 * 1024

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Authed = Callable[[web.Request, str], Awaitable[web.StreamResponse]]


def fail(status: int, code: str, **fmt: object) -> web.Response:
    return json_error(status, code, texts.ERRORS[code].format(**fmt))


def too_many(exc: RateLimited) -> web.Response:
    wait = max(1, math.ceil(exc.retry_after))
    return json_error(
        429, "rate_limited", texts.ERRORS["rate_limited"].format(retry_after=wait),
        headers={"Retry-After": str(wait)},
    )


def ok(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=dumps)


async def _json_body(request: web.Request) -> dict[str, Any]:
    """A small JSON object body. Raises BadInput(bad_json)."""
    if request.content_length is not None and request.content_length > _MAX_JSON:
        raise BadInput("body too large", code="bad_json")
    raw = await request.content.read(_MAX_JSON + 1)
    if len(raw) > _MAX_JSON:
        raise BadInput("body too large", code="bad_json")
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        raise BadInput("not JSON", code="bad_json") from None
    if not isinstance(body, dict):
        raise BadInput("not a JSON object", code="bad_json")
    return body


class MiniProgramApi:
    def __init__(
        self,
        gateway_key: web.AppKey[Gateway],
        signer: SessionSigner,
        wechat: Code2Session,
        *,
        per_session: int,
        per_ip: int,
    ) -> None:
        self.key = gateway_key
        self.signer = signer
        self.wechat = wechat
        # The deployment's one limiter (shared through Redis by every worker), with the
        # API's own two limits added to it.
        self.limits = {"mp_session": Limit(per_session, 60), "mp_ip": Limit(per_ip, 60)}

    # -- plumbing -------------------------------------------------------------------------

    async def _limit(self, request: web.Request, name: str, key: str) -> None:
        gateway = request.app[self.key]
        limiter = gateway.limiter
        for limit_name, limit in self.limits.items():
            limiter.limits.extra.setdefault(limit_name, limit)
        await limiter.check(name, key)

    async def _limit_ip(self, request: web.Request) -> None:
        settings = request.app[self.key].settings
        await self._limit(request, "mp_ip", client_ip(request, tuple(settings.trusted_proxies)))

    def authed(self, handler: Authed) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            try:
                await self._limit_ip(request)
                header = request.headers.get("Authorization", "")
                scheme, _, token = header.partition(" ")
                openid = self.signer.verify(token.strip()) if scheme == "Bearer" else None
                if openid is None:
                    return fail(401, "unauthorized")
                await self._limit(request, "mp_session", openid)
                return await handler(request, openid)
            except RateLimited as exc:
                return too_many(exc)
            except BadInput as exc:
                code = exc.code if exc.code in texts.ERRORS else "bad_field"
                return fail(400, code, field="?")
            except MinshengError as exc:
                return error_response(exc, context="mini-program")

        handle.__name__ = handler.__name__
        return handle

    # -- routes ---------------------------------------------------------------------------

    async def spec(self, request: web.Request) -> web.Response:
        return web.Response(body=SPEC_PATH.read_bytes(), content_type="application/json")

    async def login(self, request: web.Request) -> web.Response:
        try:
            await self._limit_ip(request)
            body = await _json_body(request)
        except RateLimited as exc:
            return too_many(exc)
        except BadInput:
            return fail(400, "bad_json")
        code = body.get("code")
        if not isinstance(code, str) or not 1 <= len(code) <= 128:
            return fail(400, "bad_field", field="code")
        try:
            openid = await self.wechat.openid(code)
        except BadInput:
            return fail(401, "bad_code")
        except WeChatUnavailable:
            log.warning("mini-program login: code2session unavailable")
            return fail(502, "wechat_unavailable")
        token, expires = self.signer.issue(openid)
        return ok({"token": token, "expires_at": expires})

    async def create(self, request: web.Request, openid: str) -> web.Response:
        gateway = request.app[self.key]
        limit = gateway.settings.upload_max_bytes
        if not request.content_type.startswith("multipart/form-data"):
            return fail(415, "not_multipart")
        # 9 photos, a video and a voice may each be at the limit; anything beyond is not ours.
        if request.content_length is not None and request.content_length > 12 * limit:
            return fail(413, "file_too_large", limit=round(limit / 1024 / 1024, 1))
        try:
            form = await read_form(await request.multipart(), limit)
        except FormError as exc:
            return fail(exc.status, exc.code, **exc.fmt)
        except (ValueError, AssertionError):
            return fail(400, "bad_multipart")
        problem = _check_form(form)
        if problem is not None:
            return problem
        text = clean_text(form.get("text"))
        place = await _place(gateway, form)
        if isinstance(place, web.Response):
            return place
        building_code, address = place
        ranking = await _categories(gateway, text)
        chosen = form.get("category") or (ranking[0]["category"] if ranking else "")
        if form.get("confirm").lower() not in _TRUE:
            draft = {
                "description": text,
                "category": chosen or None,
                "category_name": _category_name(gateway, chosen),
                "alternatives": ranking,
                "building_code": building_code,
                "address": address,
            }
            return ok({
                "confirm_required": True,
                "draft": draft,
                "message": texts.CONFIRM.format(
                    category=draft["category_name"] or "待选择", address=address
                ),
            })
        if not chosen or not gateway.tickets.catalog.has(chosen):
            return fail(422, "unknown_category")
        request_id = form.get("client_request_id")
        earlier = await gateway.tickets.filed_from(CHANNEL, openid, request_id)
        if earlier is not None:  # a retried submit: the same ticket, no second upload
            return ok({"ticket": views.ticket_detail(earlier)}, status=201)
        evidence = []
        for upload in form.files:
            stored = await gateway.media.save(
                upload.data, upload.sniffed.kind, upload.sniffed.content_type
            )
            evidence.append((stored.kind.value, stored.url))
        draft_ticket = TicketDraft(
            category=chosen,
            description=text,
            reporter_channel=CHANNEL,
            reporter_id=openid,
            building_code=building_code,
            unit=form.get("unit")[:16] or None,
            room=form.get("room")[:16] or None,
            evidence=tuple(evidence),
            source_message_id=request_id,
        )
        try:
            view = await gateway.tickets.file(draft_ticket)
        except AddressError:
            return fail(422, "unknown_address")
        log.info("mini-program: ticket %s filed", view.number)
        return ok({"ticket": views.ticket_detail(view)}, status=201)

    async def list_tickets(self, request: web.Request, openid: str) -> web.Response:
        open_only = request.query.get("open_only", "false").lower() in _TRUE
        found = await request.app[self.key].tickets.list_for_reporter(
            CHANNEL, openid, open_only, limit=50
        )
        return ok({"tickets": [views.ticket_summary(v) for v in found]})

    async def _own_number(self, request: web.Request, openid: str) -> str | None:
        number = request.match_info["number"]
        if not _NUMBER.match(number):
            return None
        if not await request.app[self.key].tickets.is_party(number, CHANNEL, openid):
            return None
        return number

    async def detail(self, request: web.Request, openid: str) -> web.Response:
        number = await self._own_number(request, openid)
        if number is None:
            return fail(404, "not_found")
        view = await request.app[self.key].tickets.get(number)
        return ok({"ticket": views.ticket_detail(view)})

    async def rate(self, request: web.Request, openid: str) -> web.Response:
        number = await self._own_number(request, openid)
        if number is None:
            return fail(404, "not_found")
        body = await _json_body(request)
        rating, comment = body.get("rating"), body.get("comment")
        if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
            return fail(400, "bad_rating")
        if comment is not None and (not isinstance(comment, str) or has_unstorable(comment)):
            return fail(400, "bad_field", field="comment")
        try:
            view = await request.app[self.key].tickets.rate(
                number, rating, clean_text(comment or "")[:500] or None
            )
        except InvalidTransition:
            return fail(409, "not_rateable")
        return ok({"ticket": views.ticket_detail(view)})

    async def urge(self, request: web.Request, openid: str) -> web.Response:
        number = await self._own_number(request, openid)
        if number is None:
            return fail(404, "not_found")
        body = await _json_body(request)
        words = body.get("text", "")
        if not isinstance(words, str) or has_unstorable(words):
            return fail(400, "bad_field", field="text")
        try:
            urged = await request.app[self.key].tickets.urge(
                number, CHANNEL, openid, clean_text(words)[:500]
            )
        except InvalidTransition:
            return fail(409, "not_urgeable")
        message = texts.URGED if urged.staff_notified else texts.URGED_RECENTLY
        return ok({
            "ticket": views.ticket_detail(urged.ticket),
            "staff_notified": urged.staff_notified,
            "message": message,
        })

    async def building(self, request: web.Request, openid: str) -> web.Response:
        book = request.app[self.key].addresses
        code = request.match_info["code"]
        info = book.building(code) if len(code) <= 64 else None
        if info is None:
            return fail(404, "unknown_building")
        return ok({"building": views.building(info, book.route(code), ROLE_LABELS)})


def _check_form(form: ReportForm) -> web.Response | None:
    request_id = form.get("client_request_id")
    if not request_id:
        return fail(400, "missing_request_id")
    if not _REQUEST_ID.match(request_id):
        return fail(400, "bad_request_id")
    raw = form.values.get("text", "")
    if has_unstorable(raw):
        return fail(400, "bad_field", field="text")
    text = clean_text(raw)
    if not text:
        return fail(400, "missing_text")
    if len(text) > MAX_TEXT:
        return fail(400, "text_too_long")
    for name in ("building_code", "address", "category", "unit", "room"):
        if has_unstorable(form.values.get(name, "")):
            return fail(400, "bad_field", field=name)
    return None


async def _place(gateway: Gateway, form: ReportForm) -> tuple[str, str] | web.Response:
    """(building code, standard address) of the form, or the error to answer."""
    book = gateway.addresses
    code = form.get("building_code")
    if code:
        info = book.building(code) if len(code) <= 64 else None
        if info is None:
            return fail(422, "unknown_address")
        return info.code, info.address
    typed = clean_text(form.get("address"))[:200]
    if not typed:
        return fail(400, "missing_address")
    resolution = book.resolve(typed)
    if resolution.building_code is None:
        return json_error(
            422, "ambiguous_address", texts.ERRORS["ambiguous_address"],
            choices=[{"value": value, "label": label}
                     for value, label in resolution.question_choices[:10]],
        )
    info = book.building(resolution.building_code)
    assert info is not None
    return info.code, info.address


async def _categories(gateway: Gateway, text: str) -> list[dict[str, Any]]:
    """The NLU's demand categories for ``text``, best first (at most three)."""
    parse = await gateway.nlu.parse_message(text)
    catalog = gateway.tickets.catalog
    ranked: list[dict[str, Any]] = []
    for score in parse.intent_ranking or [parse.intent]:
        if catalog.has(score.name) and all(r["category"] != score.name for r in ranked):
            ranked.append({
                "category": score.name,
                "name": _category_name(gateway, score.name),
                "confidence": round(float(score.confidence), 4),
            })
        if len(ranked) == 3:
            break
    return ranked


def _category_name(gateway: Gateway, category: str) -> str | None:
    catalog = gateway.tickets.catalog
    if not category or not catalog.has(category):
        return None
    item = catalog.item(category)
    return f"{item.domain_name} · {item.name}"


def setup_routes(app: web.Application, api: MiniProgramApi) -> None:
    app.router.add_get("/mp/openapi.json", api.spec)
    app.router.add_post("/mp/login", api.login)
    app.router.add_post("/mp/tickets", api.authed(api.create))
    app.router.add_get("/mp/tickets", api.authed(api.list_tickets))
    app.router.add_get("/mp/tickets/{number}", api.authed(api.detail))
    app.router.add_post("/mp/tickets/{number}/rating", api.authed(api.rate))
    app.router.add_post("/mp/tickets/{number}/urge", api.authed(api.urge))
    app.router.add_get("/mp/buildings/{code}", api.authed(api.building))
