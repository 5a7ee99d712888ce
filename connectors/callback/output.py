"""The callback channel's output side: one POST per bot message, Rasa's JSON shape.

Rasa's ``CallbackOutput`` POSTs each message to the configured URL as
``{"recipient_id", "text", "buttons"?, "image"?, "custom"?}``; so does this. A refused or
unreachable callback is a :class:`~bot.ports.DeliveryError`: the outbox dispatcher keeps
the message and retries it, except on a 4xx that no retry can fix.
"""

from __future__ import annotations

import logging

import aiohttp

from bot.messages import OutboundMessage, outbound_to_dict
from bot.ports import DeliveryError, OutputChannel

log = logging.getLogger(__name__)

# 408 and 429 are the receiver asking for time, not a refusal: those are retried.
_RETRIED_CLIENT_ERRORS = frozenset({408, 425, 429})


class CallbackOutput(OutputChannel):
    """POSTs bot messages to one URL."""

    def __init__(self, url: str, session: aiohttp.ClientSession, *, name: str = "callback") -> None:
        self.name = name
        self._url = url
        self._session = session

    async def send(self, message: OutboundMessage) -> None:
        body = outbound_to_dict(message)
        try:
            async with self._session.post(self._url, json=body) as response:
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise DeliveryError(f"callback unreachable: {type(exc).__name__}") from exc
        if 200 <= status < 300:
            return
        permanent = 400 <= status < 500 and status not in _RETRIED_CLIENT_ERRORS
        log.warning("callback answered HTTP %s (%s)", status, "dropped" if permanent else "retry")
        raise DeliveryError(f"callback answered HTTP {status}", permanent=permanent)
