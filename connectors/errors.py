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
    ConfigError, NLUError, FlowError, other MinshengError  500  internal_error
    anything else                 500     internal_error
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from aiohttp import web

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

__all__ = ["dumps", "error_response", "json_error", "status_for"]

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
    return 500, "internal_error"


def error_response(exc: BaseException, *, context: str = "request") -> web.Response:
    """Answer ``exc`` as JSON; unexpected errors are logged with their trace, never sent."""
    status, key = status_for(exc)
    if status >= 500 and not isinstance(exc, LockTimeout):
        log.error("%s failed", context, exc_info=exc)
    if isinstance(exc, MinshengError) and status < 500:
        code = exc.code
    elif isinstance(exc, LockTimeout):
        code = "busy"
    else:
        code = "internal_error" if status == 500 else key
    headers = None
    if isinstance(exc, RateLimited):
        retry_after = max(exc.retry_after, 0.0)
        headers = {"Retry-After": str(math.ceil(retry_after))}
        message = texts.ERRORS[key].format(retry_after=retry_after)
    else:
        message = texts.ERRORS[key]
    return json_error(status, code, message, headers=headers)
