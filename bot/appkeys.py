"""Typed keys under which the aiohttp application keeps its shared objects.

Surfaces (``/model/parse``, ``/b/{code}``, ``/open311``) and connectors receive the key of
the one service they need, so they do not depend on the whole runtime: connectors get
:data:`GATEWAY`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from bot.addresses import AddressBook
    from bot.gateway import Gateway
    from bot.ratelimit import RateLimiter
    from bot.runtime import Runtime
    from bot.tickets import TicketService
    from nlu.service import NLUService

RUNTIME: web.AppKey[Runtime] = web.AppKey("runtime")
GATEWAY: web.AppKey[Gateway] = web.AppKey("gateway")
NLU_SERVICE: web.AppKey[NLUService] = web.AppKey("nlu_service")
ADDRESS_BOOK: web.AppKey[AddressBook] = web.AppKey("address_book")
TICKET_SERVICE: web.AppKey[TicketService] = web.AppKey("ticket_service")
#: The deployment's rate limiter (``bot.ratelimit``), for :func:`rate_limit_middleware`.
RATE_LIMITER: web.AppKey[RateLimiter] = web.AppKey("rate_limiter")
