"""Long polling (getUpdates), for a pilot without a public URL (``minsheng telegram poll``).

The webhook is removed first (Telegram serves one or the other). Each update goes through
the same :class:`~connectors.telegram.updates.UpdateHandler` as a webhook delivery, claims
included, so an update seen again after a restart changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram.error import TelegramError

from connectors.telegram.inbound import ALLOWED_UPDATES
from connectors.telegram.updates import UpdateHandler

log = logging.getLogger(__name__)

__all__ = ["poll_forever"]

#: getUpdates waits this long for an update before answering an empty list.
POLL_SECONDS = 25
BACKOFF_SECONDS = 5.0


async def poll_forever(handler: UpdateHandler, stop: asyncio.Event) -> None:
    bot = handler.bot
    await bot.delete_webhook()
    offset: int | None = None
    while not stop.is_set():
        try:
            updates = await bot.get_updates(
                offset=offset, timeout=POLL_SECONDS, allowed_updates=list(ALLOWED_UPDATES)
            )
        except TelegramError as exc:
            log.warning("getUpdates failed (%s); trying again", type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), BACKOFF_SECONDS)
            continue
        for update in updates:
            offset = update.update_id + 1
            try:
                await handler.handle(update)
            except Exception:
                # The offset moves past it all the same: one update that cannot be handled
                # must not stop the bot for everyone.
                log.exception("Telegram update %s failed", update.update_id)
