"""Status changes of an intake source's tickets, pushed back to the source's callback.

The ticket service queues a push for every status change to the ticket's reporter; for an
order, that reporter is (``intake``, source name) and the row's ``kind`` is the status the
ticket moved to (``bot.tickets._ops.push_residents``). :class:`IntakeCallbacks` is the
output channel named ``intake`` that the dispatcher hands those rows to: it builds the
callback from the ticket and the row (never from the Chinese text) and POSTs it::

    {"source": "12345", "source_number": "GD2026...", "ticket_number": "20261201-0001",
     "status": "resolved", "status_label": "已办结", "note": "...", "at": "2026-12-01T10:00:00Z"}

signed with ``X-Minsheng-Signature: sha256=<hex HMAC-SHA256 of the body with the source's
callback secret>``. A network error, a timeout or a 5xx/408/429 is retried by the
dispatcher with backoff; any other 4xx is permanent. A source that registered no callback
asked for nothing: its rows are marked sent and nothing is posted (no dead letters).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass

import aiohttp
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.intake.sources import SourceRegistry
from bot.messages import OutboundMessage
from bot.ports import DeliveryError, OutputChannel
from bot.tickets import texts as ticket_texts
from bot.tickets._ops import INTAKE_CHANNEL
from bot.tickets.models import OutboxMessage, Ticket, TicketEvent

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Minsheng-Signature"
#: Answers worth another try later; every other 4xx means the request itself is refused.
RETRYABLE_4XX = frozenset({408, 425, 429})


def sign(secret: str, body: bytes) -> str:
    """The signature header's value for ``body``: ``sha256=<hex>``."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, body: bytes, header: str) -> bool:
    """What a source does on its side (and the tests): constant-time check of a signature."""
    return hmac.compare_digest(sign(secret, body), header)


@dataclass(frozen=True, slots=True)
class Callback:
    source: str
    source_number: str
    ticket_number: str
    status: str
    status_label: str
    note: str | None
    at: str

    def body(self) -> bytes:
        payload = {
            "source": self.source,
            "source_number": self.source_number,
            "ticket_number": self.ticket_number,
            "status": self.status,
            "status_label": self.status_label,
            "note": self.note,
            "at": self.at,
        }
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class IntakeCallbacks(OutputChannel):
    """The ``intake`` output channel: one signed POST per status change of an order."""

    name = INTAKE_CHANNEL

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        timeout: float = 10.0,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.sources = SourceRegistry(session_factory)
        self.timeout = timeout
        self._http = session

    async def _client(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        return self._http

    async def aclose(self) -> None:
        if self._http is not None and not self._http.closed:
            await self._http.close()

    async def send(self, message: OutboundMessage) -> None:
        source = await self.sources.get(message.recipient_id)
        if source is None or not source.callback_url or not source.callback_secret:
            return  # the source asked for no callback (or is gone): nothing to deliver
        callback = await self.callback_of(message)
        if callback is None:
            raise DeliveryError("not a status change of an order", permanent=True)
        body = callback.body()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            SIGNATURE_HEADER: sign(source.callback_secret, body),
        }
        try:
            client = await self._client()
            async with client.post(
                source.callback_url, data=body, headers=headers, allow_redirects=False
            ) as answer:
                status = answer.status
                await answer.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise DeliveryError(f"callback of {source.name}: {type(exc).__name__}") from exc
        if 200 <= status < 300:
            return
        permanent = 400 <= status < 500 and status not in RETRYABLE_4XX
        raise DeliveryError(f"callback of {source.name} answered {status}", permanent=permanent)

    async def callback_of(self, message: OutboundMessage) -> Callback | None:
        """The callback for the outbox row behind ``message``, read from the database."""
        outbox_id = message.custom.get("outbox_id")
        if not isinstance(outbox_id, int):
            return None
        async with self.session_factory() as session:
            row = await session.get(OutboxMessage, outbox_id)
            if row is None or row.ticket_id is None or not row.kind:
                return None
            ticket = await session.get(Ticket, row.ticket_id)
            if ticket is None or not ticket.source_ref:
                return None
            # The event of this change was written in the same transaction, at the same time.
            event = (
                await session.exec(
                    select(TicketEvent)
                    .where(
                        TicketEvent.ticket_id == ticket.id,
                        TicketEvent.at == row.created_at,
                        TicketEvent.to_status == row.kind,
                    )
                    .limit(1)
                )
            ).first()
        return Callback(
            source=ticket.source,
            source_number=ticket.source_ref,
            ticket_number=ticket.number,
            status=row.kind,
            status_label=ticket_texts.status_label(row.kind),
            note=event.note if event is not None else None,
            at=row.created_at.isoformat(timespec="seconds") + "Z",
        )
