"""``POST /intake/v1/orders``: a hotline or platform sends its work orders in.

The body is one order (a JSON object) or ``{"orders": [...]}`` (at most
:data:`MAX_ORDERS`). Each order has ``source_number`` (required), ``text`` (诉求内容,
required), ``address`` (事发地址, required), and optionally ``received_at`` (ISO 8601; China
time without a zone), ``caller_name``, ``caller_phone`` and ``category`` (the source's own
category text).

One order answers ``{"source_number", "ticket_number", "status", "duplicate"}`` (201 when
filed now, 200 when it had been) or a 422 error. A batch answers 200 with ``results`` in
the order sent: each either that object or ``{"index", "source_number", "code",
"message"}`` for an order that was not taken (and changed nothing); the others are taken
all the same. Requests are rate-limited per source (``api_key`` limit).
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from bot.errors import RateLimited
from bot.intake import texts
from bot.intake.orders import OrderIntake, OrderRejected, order_from_fields
from bot.intake.sources import SourceView
from bot.intake.web import SourceRejected, error_response, require_source
from bot.ratelimit import RateLimiter, too_many_requests

ORDER_INTAKE: web.AppKey[OrderIntake] = web.AppKey("order_intake")

MAX_ORDERS = 500
MAX_BODY_BYTES = 4 * 1024 * 1024
_CHUNK = 64 * 1024


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


async def _read_capped(request: web.Request, limit: int) -> bytes | None:
    """The body, or None past ``limit`` bytes (announced or streamed)."""
    if request.content_length is not None and request.content_length > limit:
        return None
    data = bytearray()
    while chunk := await request.content.read(_CHUNK):
        data.extend(chunk)
        if len(data) > limit:
            return None
    return bytes(data)


def _request_error(status: int, code: str, **values: object) -> web.Response:
    return error_response(status, code, texts.REQUEST_ERRORS[code].format(**values))


def orders_handler(
    intake_key: web.AppKey[OrderIntake], limiter_key: web.AppKey[RateLimiter] | None
) -> Any:
    async def post_orders(request: web.Request) -> web.Response:
        try:
            source = await require_source(request, "orders")
        except SourceRejected as rejected:
            return rejected.response
        limiter = request.app.get(limiter_key) if limiter_key is not None else None
        if limiter is not None:
            try:
                await limiter.check("api_key", f"intake:{source.name}")
            except RateLimited as exc:
                return too_many_requests(request, exc)
        raw = await _read_capped(request, MAX_BODY_BYTES)
        if raw is None:
            return _request_error(413, "too_large", limit=MAX_BODY_BYTES)
        try:
            body = json.loads(raw.decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            return _request_error(400, "bad_json", detail=f"UTF-8: {exc.reason}")
        except json.JSONDecodeError as exc:
            return _request_error(400, "bad_json", detail=f"{exc.msg} (line {exc.lineno})")
        intake = request.app[intake_key]
        if isinstance(body, dict) and "orders" in body:
            batch = body["orders"]
            if not isinstance(batch, list):
                return _request_error(400, "bad_shape")
            if not batch:
                return _request_error(400, "empty")
            if len(batch) > MAX_ORDERS:
                return _request_error(413, "too_many", limit=MAX_ORDERS, count=len(batch))
            results = [await _take(intake, source, item, index) for index, item in enumerate(batch)]
            taken = [r for r in results if "ticket_number" in r]
            summary = {
                "results": results,
                "filed": sum(1 for r in taken if not r["duplicate"]),
                "duplicates": sum(1 for r in taken if r["duplicate"]),
                "errors": len(results) - len(taken),
            }
            return web.json_response(summary, dumps=_dumps)
        if not isinstance(body, dict):
            return _request_error(400, "bad_shape")
        result = await _take(intake, source, body, 0)
        if "ticket_number" not in result:
            return web.json_response({"error": result}, status=422, dumps=_dumps)
        return web.json_response(result, status=200 if result["duplicate"] else 201, dumps=_dumps)

    return post_orders


async def _take(
    intake: OrderIntake, source: SourceView, item: object, index: int
) -> dict[str, object]:
    number = item.get("source_number") if isinstance(item, dict) else None
    try:
        if not isinstance(item, dict):
            raise OrderRejected("not_an_object")
        order = order_from_fields(item)
        return (await intake.take(source, order)).as_json()
    except OrderRejected as exc:
        return {
            "index": index,
            "source_number": number if isinstance(number, str) else None,
            "code": exc.code,
            "message": exc.message,
        }


def setup_routes(
    app: web.Application,
    intake_key: web.AppKey[OrderIntake] = ORDER_INTAKE,
    *,
    limiter_key: web.AppKey[RateLimiter] | None = None,
) -> None:
    app.router.add_post("/intake/v1/orders", orders_handler(intake_key, limiter_key))
