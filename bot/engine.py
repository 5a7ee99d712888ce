"""The conversation engine: one inbound message in, the replies out.

::

    de-duplicate by message id -> lock the conversation -> load state
      -> NLU parse -> dialogue step -> save state -> remember the replies

The engine knows no platform. A retried delivery of a message id it has already answered
gets the same replies again (WeChat expects that) and changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.messages import InboundMessage, OutboundMessage, outbound_from_dict, outbound_to_dict
from bot.state import StateStore, reading_along
from nlu import ParseResult

log = logging.getLogger(__name__)

# The dialogue state outlives a conversation's own expiry so flows can say politely that a
# stale conversation was closed, instead of silently forgetting it.
STATE_RETENTION_SECONDS = 24 * 3600


class Parser(Protocol):
    async def parse_message(self, text: str, message_id: str | None = None) -> ParseResult: ...


@dataclass(frozen=True, slots=True)
class DialogueResult:
    """What the dialogue made of one message.

    ``forward`` is a message to handle next in another conversation: a demand raised in a
    group continues in the resident's private chat (no personal data in the group).
    """

    state: dict[str, Any]
    replies: list[OutboundMessage]
    forward: InboundMessage | None = None


class Dialogue(Protocol):
    async def handle(
        self, state: dict[str, Any], message: InboundMessage, parse: ParseResult | None
    ) -> DialogueResult: ...


UncertainHook = Callable[[InboundMessage, ParseResult], Awaitable[None]]
StateChange = Callable[[dict[str, Any]], dict[str, Any]]


def state_key(conversation_id: str) -> str:
    """Where a conversation's dialogue state is stored (and what its lock is named)."""
    return f"conv:{conversation_id}"


async def update_conversation_state(
    store: StateStore, conversation_id: str, fn: StateChange, *, lock_timeout: float = 30.0
) -> dict[str, Any] | None:
    """Change a stored conversation's dialogue state under its lock (the one the engine
    holds while it handles a message), so the change never interleaves with a turn.

    ``fn`` gets the stored state and returns the new one. A conversation with no stored
    state is left alone (``fn`` is not called); returns the new state, or ``None``.
    """
    key = state_key(conversation_id)
    async with store.locked(key, [key], timeout=lock_timeout) as turn:
        state = turn.values[0]
        if state is None:
            return None
        new_state = fn(state)
        turn.put(key, new_state, ttl=STATE_RETENTION_SECONDS)
        return new_state


class Engine:
    """Runs one message through NLU and the dialogue manager under the conversation's lock."""

    def __init__(
        self,
        *,
        store: StateStore,
        nlu: Parser,
        dialogue: Dialogue,
        dedupe_ttl: float = 24 * 3600,
        lock_timeout: float = 30.0,
        on_uncertain: UncertainHook | None = None,
        is_uncertain: Callable[[ParseResult], bool] | None = None,
        read_along: Callable[[InboundMessage], Sequence[str]] | None = None,
    ) -> None:
        self._store = store
        self._nlu = nlu
        self._dialogue = dialogue
        self._dedupe_ttl = dedupe_ttl
        self._lock_timeout = lock_timeout
        self._on_uncertain = on_uncertain
        self._is_uncertain = is_uncertain
        # Keys the dialogue reads on every message (bot.state.read_along): read with the
        # state as the lock is taken, in the same round trip.
        self._read_along = read_along

    @staticmethod
    def _state_key(message: InboundMessage) -> str:
        return state_key(message.conversation_id)

    @staticmethod
    def _reply_key(message: InboundMessage) -> str | None:
        if not message.message_id:
            return None
        return f"reply:{message.channel}:{message.sender_id}:{message.message_id}"

    async def state_of(self, conversation_id: str) -> dict[str, Any] | None:
        """The stored dialogue state of a conversation (for the console and tests)."""
        return await self._store.get(state_key(conversation_id))

    async def update_state(self, conversation_id: str, fn: StateChange) -> dict[str, Any] | None:
        """Change a conversation's state under its lock (a person ends a handoff, ...)."""
        return await update_conversation_state(
            self._store, conversation_id, fn, lock_timeout=self._lock_timeout
        )

    async def handle(self, message: InboundMessage) -> list[OutboundMessage]:
        reply_key = self._reply_key(message)
        key = self._state_key(message)
        # The state and the remembered replies are read as the lock is taken and written as
        # it is released: two round trips to a shared store per turn.
        keys = [key] if reply_key is None else [key, reply_key]
        along = list(self._read_along(message)) if self._read_along is not None else []
        async with (
            self._store.locked(key, [*keys, *along], timeout=self._lock_timeout) as turn,
            reading_along(dict(zip(along, turn.values[len(keys) :], strict=True))),
        ):
            if reply_key is not None:
                cached = turn.values[1]
                if cached is not None:
                    log.info(
                        "duplicate message %s on %s answered from cache",
                        message.message_id,
                        message.channel,
                    )
                    return [outbound_from_dict(item) for item in cached["replies"]]

            state = turn.values[0] or {}
            said = message.said
            parse = await self._nlu.parse_message(said, message.message_id) if said else None
            if parse is not None and self._is_uncertain and self._is_uncertain(parse):
                await self._record_uncertain(message, parse)

            result = await self._dialogue.handle(state, message, parse)
            turn.put(key, result.state, ttl=STATE_RETENTION_SECONDS)
            replies = result.replies
            if result.forward is not None:
                # A demand raised in a group continues in the resident's private
                # conversation. Lock order is always group -> private, and a private
                # conversation never forwards, so holding both cannot deadlock.
                replies = replies + await self.handle(result.forward)
            if reply_key is not None:
                turn.put(
                    reply_key,
                    {"replies": [outbound_to_dict(r) for r in replies]},
                    ttl=self._dedupe_ttl,
                )
            return replies

    async def _record_uncertain(self, message: InboundMessage, parse: ParseResult) -> None:
        if self._on_uncertain is None:
            return
        try:
            await self._on_uncertain(message, parse)
        except Exception:  # the review queue must never cost a resident their answer
            log.exception("could not record an uncertain parse for review")
