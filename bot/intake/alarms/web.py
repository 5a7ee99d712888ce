"""``POST /intake/v1/alarms``: readings from a sensor network (an ``alarms`` source's key).

The body is one reading or ``{"readings": [...]}``; each reading is ``device_id``, ``time``
(ISO 8601 with its zone), ``value`` (a finite number), optionally ``unit`` and
``reading_id`` (a retried reading with the same id is dropped). Each bad reading gets its
own error and changes nothing; the good ones of the same request are kept. The answer::

    {"accepted": 2, "duplicates": 0, "rejected": 1,
     "results": [{"index": 0, "status": "accepted"}, ...,
                 {"index": 2, "status": "rejected", "error": {"code": ..., "message": ...}}],
     "opened": [{"case_id": 7, "device_id": "F-001", "ticket_number": "..."}],
     "closed": [...]}

Status 200 when at least one reading was kept or dropped as a duplicate, 422 when every
reading was refused, 400 for a body that is not JSON or not readings.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from bot.errors import RateLimited
from bot.intake.alarms import texts
from bot.intake.alarms.service import AlarmService, CaseView, ReadingIn, ReadingOutcome
from bot.intake.web import SourceRejected, error_response, require_source
from bot.ratelimit import RateLimiter, too_many_requests
from bot.tickets.clock import to_utc
from bot.tickets.scheduler import Job

ALARM_SERVICE: web.AppKey[AlarmService] = web.AppKey("alarm_service")
#: The default of ``Settings.alarm_batch_max``, for apps built without settings (tests).
ALARM_BATCH_MAX: web.AppKey[int] = web.AppKey("alarm_batch_max")


def _reject(code: str, **fields: object) -> ReadingOutcome:
    return ReadingOutcome("rejected", code, texts.ERRORS[code].format(**fields))


def _text(item: dict[str, Any], name: str, limit: int) -> str | None | ReadingOutcome:
    value = item.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        return _reject({"unit": "bad_unit", "reading_id": "bad_reading_id"}[name])
    return value.strip()


def parse_reading(item: object) -> ReadingIn | ReadingOutcome:
    """One reading of the body, or why it is refused (a Chinese message)."""
    if not isinstance(item, dict):
        return _reject("not_object")
    device_id = item.get("device_id")
    if device_id is None:
        return _reject("missing_device_id")
    if not isinstance(device_id, str) or not 0 < len(device_id.strip()) <= 64:
        return _reject("bad_device_id")
    moment = item.get("time")
    if moment is None:
        return _reject("missing_time")
    if not isinstance(moment, str):
        return _reject("bad_time")
    try:
        at = datetime.fromisoformat(moment.strip())
    except ValueError:
        return _reject("bad_time")
    if at.tzinfo is None or at.utcoffset() is None:
        return _reject("no_zone")
    value = item.get("value")
    if value is None:
        return _reject("missing_value")
    # bool is an int to Python, and "3.5" is not a number to a sensor protocol.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _reject("bad_value")
    try:
        number = float(value)
    except OverflowError:  # an integer too large for a float
        return _reject("not_finite")
    if not math.isfinite(number):
        return _reject("not_finite")
    unit = _text(item, "unit", 16)
    if isinstance(unit, ReadingOutcome):
        return unit
    reading_id = _text(item, "reading_id", 64)
    if isinstance(reading_id, ReadingOutcome):
        return reading_id
    return ReadingIn(device_id.strip(), to_utc(at), number, unit, reading_id)


def _case_json(view: CaseView) -> dict[str, object]:
    return {
        "case_id": view.id,
        "device_id": view.device_id,
        "ticket_number": view.ticket_number,
        "status": view.status,
        "exceed_count": view.exceed_count,
    }


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _reject_nonfinite(token: str) -> float:
    raise ValueError(f"{token} is not JSON")


#: The deployment's rate limiter, when the app has one: each alarms source is limited per
#: key like an orders source (``Settings.rate_api_key_per_minute``).
ALARM_LIMITER: web.AppKey[RateLimiter] = web.AppKey("alarm_limiter")


async def post_alarms(request: web.Request) -> web.Response:
    try:
        source = await require_source(request, "alarms")
    except SourceRejected as rejected:
        return rejected.response
    limiter = request.app.get(ALARM_LIMITER)
    if limiter is not None:
        try:
            await limiter.check("api_key", f"intake:{source.name}")
        except RateLimited as exc:
            return too_many_requests(request, exc)
    raw = await request.read()
    try:
        # NaN and Infinity are not JSON; Python's parser takes them unless told not to.
        body = json.loads(raw.decode("utf-8"), parse_constant=_reject_nonfinite)
    except (UnicodeDecodeError, ValueError):
        return error_response(400, "bad_json", texts.ERRORS["bad_json"])
    if isinstance(body, dict) and "readings" in body:
        items = body["readings"]
        if not isinstance(items, list):
            return error_response(400, "bad_body", texts.ERRORS["bad_body"])
    elif isinstance(body, dict):
        items = [body]
    else:
        return error_response(400, "bad_body", texts.ERRORS["bad_body"])
    limit = request.app.get(ALARM_BATCH_MAX, 1000)
    if not items:
        return error_response(400, "no_readings", texts.ERRORS["no_readings"])
    if len(items) > limit:
        message = texts.ERRORS["too_many_readings"].format(limit=limit)
        return error_response(413, "too_many_readings", message)
    readings = [parse_reading(item) for item in items]
    report = await request.app[ALARM_SERVICE].ingest(source.name, readings)
    results: list[dict[str, object]] = []
    counts = {"accepted": 0, "duplicate": 0, "rejected": 0}
    for index, outcome in enumerate(report.outcomes):
        counts[outcome.status] += 1
        entry: dict[str, object] = {"index": index, "status": outcome.status}
        if outcome.code:
            entry["error"] = {"code": outcome.code, "message": outcome.message}
        results.append(entry)
    answer = {
        "accepted": counts["accepted"],
        "duplicates": counts["duplicate"],
        "rejected": counts["rejected"],
        "results": results,
        "opened": [_case_json(c) for c in report.opened],
        "closed": [_case_json(c) for c in report.closed],
    }
    status = 422 if counts["rejected"] == len(items) else 200
    return web.json_response(answer, status=status, dumps=_dumps)


def setup_routes(app: web.Application) -> None:
    app.router.add_post("/intake/v1/alarms", post_alarms)


def alarm_jobs(service: AlarmService) -> list[Job]:
    """Close cases whose device went quiet after normal readings, flag silent devices and
    file a ticket a crash left unfiled; leased, so one worker runs it per minute."""
    return [Job("alarm_sweep", timedelta(minutes=1), service.sweep)]
