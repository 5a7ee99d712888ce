"""Typed keys under which the aiohttp application keeps its shared objects.

Area route modules (``/model/parse``, ``/b/{code}``, ``/open311``) receive the key of the
one service they need, so they do not depend on the whole runtime.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from bot.addresses import AddressBook
    from bot.runtime import Runtime
    from bot.tickets import TicketService
    from nlu.service import NLUService

RUNTIME: web.AppKey[Runtime] = web.AppKey("runtime")
NLU_SERVICE: web.AppKey[NLUService] = web.AppKey("nlu_service")
ADDRESS_BOOK: web.AppKey[AddressBook] = web.AppKey("address_book")
TICKET_SERVICE: web.AppKey[TicketService] = web.AppKey("ticket_service")
