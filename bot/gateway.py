"""The gateway: the one narrow entry of the core for connectors and the console.

A connector hands over an :class:`~bot.messages.InboundMessage` and gets the replies::

    replies = await gateway.receive(message)                 # the platform can wait
    replies = await gateway.receive_within(message, 4.5)     # it cannot (WeChat: 5 s)
    if replies is None:
        ...  # answer the platform "received"; the replies follow through the outbox

A resident is never left without an answer: replies that come too late for the platform are
queued in the outbox (committed, so they survive a restart) and the dispatcher delivers them
through the output side of the message's channel; if the dialogue fails after the platform
stopped waiting, a polite temporary answer is queued instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import RateLimited
from bot.messages import CLIENT_KEY, InboundMessage, OutboundMessage
from bot.ports import OutputRegistry
from bot.ratelimit import RATE_LIMITED_TEXT, RateLimiter, wait_seconds
from bot.server_secret import derive_key
from bot.tickets.clock import Clock, utcnow
from bot.tickets.outbox import Audience, add_message

if TYPE_CHECKING:
    from bot.addresses import AddressBook
    from bot.config import Settings
    from bot.handoff import HandoffService
    from bot.media import MediaStore
    from bot.tickets import TicketService
    from bot.uploads import Uploads
    from nlu.service import NLUService

log = logging.getLogger(__name__)

__all__ = ["LATE_FAILURE_TEXT", "Gateway"]

#: Queued when the dialogue fails after the platform stopped waiting for it.
LATE_FAILURE_TEXT = "抱歉，系统出了点问题，您刚才的消息没有处理成功，请稍后再发一次。"


class MessageHandler(Protocol):
    async def handle(self, message: InboundMessage) -> list[OutboundMessage]: ...


class Gateway:
    """Receives residents' messages for the core; read-only access to its services."""

    def __init__(
        self,
        engine: MessageHandler,
        *,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        outputs: OutputRegistry,
        tickets: TicketService | None = None,
        media: MediaStore | None = None,
        handoff: HandoffService | None = None,
        nlu: NLUService | None = None,
        addresses: AddressBook | None = None,
        clock: Clock = utcnow,
        on_queued: Callable[[], None] | None = None,
        limiter: RateLimiter | None = None,
        uploads: Uploads | None = None,
        secret: bytes | None = None,
    ) -> None:
        self._engine = engine
        self._settings = settings
        self._sessions = sessions
        self._outputs = outputs
        self._tickets = tickets
        self._media = media
        self._handoff = handoff
        self._nlu = nlu
        self._addresses = addresses
        self._clock = clock
        #: Called after late replies are queued (the runtime wakes its dispatcher).
        self.on_queued = on_queued
        self._late: set[asyncio.Task[None]] = set()
        self._limiter = limiter or RateLimiter(enabled=False)
        self._uploads = uploads
        self._secret = secret or secrets.token_bytes(32)
        self._client_hmac_key = derive_key(self._secret, "client-key")
        # Bounds the turns in flight (Settings.max_concurrent_turns); waiting here holds
        # no lock and no database connection.
        self._turns = asyncio.Semaphore(settings.max_concurrent_turns)

    # ------------------------------------------------------------ read-only services

    @property
    def settings(self) -> Settings:
        return self._settings

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        """The database session factory, for connectors that own tables (``models_module``)."""
        return self._sessions

    @property
    def outputs(self) -> OutputRegistry:
        return self._outputs

    @property
    def tickets(self) -> TicketService:
        if self._tickets is None:
            raise RuntimeError("this gateway was built without a ticket service")
        return self._tickets

    @property
    def media(self) -> MediaStore:
        if self._media is None:
            raise RuntimeError("this gateway was built without a media store")
        return self._media

    @property
    def uploads(self) -> Uploads:
        """Residents' uploads with their owners (quota, who may attach which file)."""
        if self._uploads is None:
            if self._media is None:
                raise RuntimeError("this gateway was built without a media store")
            self._uploads = Uploads(self._sessions, self._media)
        return self._uploads

    @property
    def handoff(self) -> HandoffService | None:
        """The handoff service (waiting residents, staff answers), when there is one."""
        return self._handoff

    @property
    def nlu(self) -> NLUService:
        """The NLU, for connectors that classify a form's text (the mini-program's report)
        rather than hold a conversation."""
        if self._nlu is None:
            raise RuntimeError("this gateway was built without the NLU")
        return self._nlu

    @property
    def addresses(self) -> AddressBook:
        """The standard-address registry (door-plate data, resolving typed addresses)."""
        if self._addresses is None:
            raise RuntimeError("this gateway was built without the address book")
        return self._addresses

    @property
    def limiter(self) -> RateLimiter:
        """The deployment's rate limiter (shared through Redis when there is one)."""
        return self._limiter

    @property
    def secret(self) -> bytes:
        """The server secret; derive a key per purpose (``bot.server_secret.derive_key``)."""
        return self._secret

    def client_key(self, kind: str, value: str) -> str:
        """A keyed hash naming one client (``kind`` "ip", "session", "device" ...): what
        connectors put in ``metadata["client_key"]`` so raw addresses are never stored."""
        raw = f"{kind}\0{value}".encode("utf-8", "surrogatepass")
        digest = hmac.new(self._client_hmac_key, raw, hashlib.sha256).hexdigest()
        return f"{kind}:{digest[:24]}"

    # ------------------------------------------------------------ receiving

    async def admit(self, message: InboundMessage) -> None:
        """Count the message against its sender's rate limit.

        Raises:
            RateLimited: the sender sends faster than any person types.
        """
        await self._limiter.check("sender", f"{message.channel}\0{message.sender_id}")

    async def receive(
        self, message: InboundMessage, *, polite_limit: bool = True
    ) -> list[OutboundMessage]:
        """Run one message through the engine and return its replies.

        A sender over the rate limit gets one polite line instead (``polite_limit``, for
        platforms that must be answered 200) or :class:`RateLimited` raised (for HTTP APIs
        that answer 429 themselves).
        """
        try:
            await self.admit(message)
        except RateLimited as exc:
            if not polite_limit:
                raise
            log.info("sender on %s over the rate limit", message.channel)
            text = RATE_LIMITED_TEXT.format(seconds=wait_seconds(exc))
            return [OutboundMessage(recipient_id=message.sender_id, text=text)]
        async with self._turns:
            return await self._engine.handle(self._with_client_key(message))

    def _with_client_key(self, message: InboundMessage) -> InboundMessage:
        """Every message names its client for clusters: a connector that knows more (the
        web channel's address) sets it; otherwise the platform account itself is the client
        (a WeChat openid, a Telegram user), hashed like every other key."""
        if message.metadata.get(CLIENT_KEY):
            return message
        key = self.client_key("account", f"{message.channel}:{message.sender_id}")
        return dataclasses.replace(message, metadata={**message.metadata, CLIENT_KEY: key})

    async def receive_within(
        self, message: InboundMessage, seconds: float
    ) -> list[OutboundMessage] | None:
        """The replies if the engine finishes within ``seconds``; otherwise None, and the
        replies are queued for the output side of ``message.channel`` when it finishes.

        Errors raised in time propagate as from :meth:`receive`.
        """
        task = asyncio.create_task(self.receive(message), name="gateway-receive")
        try:
            done, _ = await asyncio.wait({task}, timeout=seconds)
        except asyncio.CancelledError:
            # The platform hung up while we waited: the dialogue goes on, and its replies
            # are delivered later, as for any slow message.
            self._deliver_later(task, message)
            raise
        if done:
            return task.result()
        log.info(
            "message %s on %s took over %.1fs: replies follow through the outbox",
            message.message_id, message.channel, seconds,
        )
        self._deliver_later(task, message)
        return None

    def _deliver_later(
        self, task: asyncio.Task[list[OutboundMessage]], message: InboundMessage
    ) -> None:
        late = asyncio.create_task(self._queue_when_done(task, message), name="gateway-late")
        self._late.add(late)
        late.add_done_callback(self._late.discard)

    async def _queue_when_done(
        self, task: asyncio.Task[list[OutboundMessage]], message: InboundMessage
    ) -> None:
        try:
            replies = await task
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("late message %s on %s failed", message.message_id, message.channel)
            replies = [OutboundMessage(recipient_id=message.sender_id, text=LATE_FAILURE_TEXT)]
        try:
            await self.queue(message, replies)
        except Exception:  # nothing more we can do than make it visible
            log.exception("could not queue late replies to %s", message.conversation_id)

    async def queue(self, message: InboundMessage, replies: list[OutboundMessage]) -> None:
        """Queue ``replies`` to the sender of ``message`` durably, in one transaction."""
        if not replies:
            return
        now = self._clock()
        async with self._sessions() as session:
            for reply in replies:
                add_message(
                    session,
                    channel=message.channel,
                    recipient_id=message.sender_id,
                    text=_outbox_text(reply),
                    now=now,
                    audience=Audience.RESIDENT,
                    buttons=reply.buttons,
                    group_id=reply.group_id,
                )
            await session.commit()
        if self.on_queued is not None:
            self.on_queued()

    async def aclose(self, *, grace: float = 10.0) -> None:
        """Let late messages finish and be queued (up to ``grace`` seconds), then cancel."""
        await finish_or_cancel(self._late, grace)


async def finish_or_cancel(tasks: Iterable[asyncio.Task[Any]], grace: float) -> None:
    """Give running tasks ``grace`` seconds to finish, then cancel the rest and wait for them
    (how a connector's own late-reply tasks are wound down too)."""
    pending = list(tasks)
    if not pending:
        return
    _, stuck = await asyncio.wait(pending, timeout=grace)
    for task in stuck:
        task.cancel()
    for task in stuck:
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _outbox_text(reply: OutboundMessage) -> str:
    """The outbox keeps text and buttons; an image or a link travels as a line of text."""
    lines = [reply.text] if reply.text else []
    lines += [extra for extra in (reply.image, reply.link) if extra and extra not in reply.text]
    return "\n".join(lines)
