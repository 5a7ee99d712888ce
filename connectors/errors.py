"""One mapping from exceptions to HTTP answers, shared by every connector.

Every failure gets a JSON body ``{"error": {"code", "message"}}`` with a Chinese message;
an unexpected exception is logged with its trace and answered 500 without it::

    MinshengError subclass        status  code
    BadInput                      400     its code (bad_input)
    SignatureError                403     bad_signature
    TicketNotFound                404     ticket_not_found
    UnknownAddress / AddressError 404/400 unknown_address / address_error
    InvalidTransition / TicketError 409   invalid_transition / ticket_error
    RateLimited                   429     rate_limited (+ Retry-After)
    LockTimeout                   503     busy
    DeliveryError                 502     delivery_failed
    database / Redis unreachable  503     temporarily_unavailable (+ Retry-After)
    ConfigError, NLUError, FlowError, other MinshengError  500  internal_error
    anything else                 500     internal_error
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from aiohttp import web
from redis import exceptions as redis_errors
from sqlalchemy import exc as db_errors

from bot.errors import (
    AddressError,
    BadInput,
    InvalidTransition,
    MinshengError,
    RateLimited,
    SignatureError,
    TicketError,
    TicketNotFound,
)
from bot.ports import DeliveryError
from bot.state import LockTimeout
from connectors import texts

log = logging.getLogger(__name__)

__all__ = ["dumps", "error_response", "is_outage", "json_error", "status_for"]

#: Seconds a client is told to wait when the database or Redis is briefly away.
OUTAGE_RETRY_AFTER = 5

# Failures of a backing service rather than of the request: the database or Redis is
# restarting or unreachable. The turn ran in one transaction that was rolled back and the
# message id was not marked answered, so the same message sent again is handled in full.
_OUTAGES: tuple[type[BaseException], ...] = (
    db_errors.OperationalError,
    db_errors.InterfaceError,
    db_errors.TimeoutError,  # the connection pool had nothing to give
    redis_errors.ConnectionError,
    redis_errors.TimeoutError,
    ConnectionError,
    TimeoutError,
)


def is_outage(exc: BaseException) -> bool:
    """True when ``exc`` (or what caused it) says a backing service is unreachable."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, _OUTAGES):
            return True
        if isinstance(current, db_errors.DBAPIError) and current.connection_invalidated:
            return True
        if type(current).__module__.startswith("asyncpg") and type(current).__name__ in {
            "CannotConnectNowError",
            "ConnectionDoesNotExistError",
            "AdminShutdownError",
            "ConnectionFailureError",
            # Raised by the pool's ping when the server drops the connection mid-ping
            # (asyncpg: "cannot switch to state …; another operation is in progress").
            "InternalClientError",
        }:
            return True
        current = current.__cause__ or current.__context__
    return False

# (exception class, HTTP status, message key); the first match wins, so subclasses first.
_MAPPING: tuple[tuple[type[MinshengError], int, str], ...] = (
    (LockTimeout, 503, "busy"),
    (RateLimited, 429, "rate_limited"),
    (SignatureError, 403, "bad_signature"),
    (BadInput, 400, "bad_input"),
    (TicketNotFound, 404, "not_found"),
    (InvalidTransition, 409, "conflict"),
    (TicketError, 409, "conflict"),
    (DeliveryError, 502, "unavailable"),
)


def dumps(value: Any) -> str:
    """JSON with readable Chinese (clients decode either form; logs stay legible)."""
    return json.dumps(value, ensure_ascii=False)


def json_error(
    status: int, code: str, message: str, *, headers: dict[str, str] | None = None,
    **extra: Any,
) -> web.Response:
    """The one error shape: ``{"error": {"code", "message", **extra}}``."""
    return web.json_response(
        {"error": {"code": code, "message": message, **extra}},
        status=status,
        dumps=dumps,
        headers=headers,
    )


def status_for(exc: BaseException) -> tuple[int, str]:
    """The HTTP status and message key for an exception (500/internal_error if unknown)."""
    if isinstance(exc, AddressError):
        return (404 if exc.code == "unknown_address" else 400), "unknown_address"
    for cls, status, key in _MAPPING:
        if isinstance(exc, cls):
            return status, key
    if is_outage(exc):
        return 503, "temporarily_unavailable"
    return 500, "internal_error"


def error_response(exc: BaseException, *, context: str = "request") -> web.Response:
    """Answer ``exc`` as JSON; unexpected errors are logged with their trace, never sent."""
    status, key = status_for(exc)
    if key == "temporarily_unavailable":
        # Expected while a service restarts; the class name says which, the trace adds
        # nothing (and a driver's message may quote the statement's parameters).
        log.warning("%s: backing service unavailable (%s)", context, type(exc).__name__)
    elif status >= 500 and not isinstance(exc, LockTimeout):
        log.error("%s failed", context, exc_info=exc)
    if isinstance(exc, MinshengError) and status < 500:
        code = exc.code
    elif isinstance(exc, LockTimeout):
        code = "busy"
    elif key == "temporarily_unavailable":
        code = key
    else:
        code = "internal_error" if status == 500 else key
    headers = None
    if isinstance(exc, RateLimited):
        retry_after = max(exc.retry_after, 0.0)
        headers = {"Retry-After": str(math.ceil(retry_after))}
        message = texts.ERRORS[key].format(retry_after=retry_after)
    elif key == "temporarily_unavailable":
        headers = {"Retry-After": str(OUTAGE_RETRY_AFTER)}
        message = texts.ERRORS[key]
    else:
        message = texts.ERRORS[key]
    return json_error(status, code, message, headers=headers)
