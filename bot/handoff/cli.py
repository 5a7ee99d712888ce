"""``minsheng handoff ...``: the staff side of handoffs until the console has it.

::

    minsheng handoff list                          # who waits for a person, and what they said
    minsheng handoff answer 12 "您好，下午去看" --staff 李书记
    minsheng handoff close 12 --staff 李书记        # back to the bot

Answers and the close notice reach the resident through the outbox, delivered by the
running gateway's dispatcher. With ``MINSHENG_REDIS_URL`` the conversation is handed back at
once; with the in-process store the gateway notices the closed record at the resident's
next message. The words staff read come from :mod:`bot.handoff.texts`.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TypeVar

from bot.config import Settings
from bot.handoff import texts
from bot.handoff.service import HandoffService, HandoffView, StateFn
from bot.tickets.clock import local_text, utcnow

_SHOWN_LINES = 5
T = TypeVar("T")


def mask_sender(sender_id: str) -> str:
    """A platform user id shown to staff without giving it away (``oX***9a``)."""
    if len(sender_id) <= 4:
        return "***"
    return f"{sender_id[:2]}***{sender_id[-2:]}"


def _settings(args: argparse.Namespace) -> Settings:
    from bot.config import load_settings

    overrides: dict[str, object] = {}
    for name in ("database_url", "redis_url"):
        value = getattr(args, name, None)
        if value is not None:
            overrides[name] = value
    return load_settings(**overrides)


async def _with_service(
    args: argparse.Namespace,
    hand_back: StateFn | None,
    work: Callable[[HandoffService], Awaitable[T]],
) -> T:
    from bot.db import create_engine_for, make_session_factory
    from bot.engine import update_conversation_state
    from bot.state import create_state_store

    settings = _settings(args)
    engine = create_engine_for(settings.effective_database_url)
    store = create_state_store(settings.redis_url) if settings.redis_url else None
    try:
        service = HandoffService.from_settings(make_session_factory(engine), settings)
        if store is not None and hand_back is not None:
            service.attach(partial(update_conversation_state, store), hand_back)
        return await work(service)
    finally:
        if store is not None:
            await store.close()
        await engine.dispose()


def format_handoff(view: HandoffView) -> list[str]:
    """The lines ``handoff list`` prints for one open handoff."""
    now = utcnow()
    lines = [
        texts.CLI_LINE.format(
            id=view.id,
            status=texts.STATUS_LABELS.get(view.status, view.status),
            channel=view.channel,
            sender=mask_sender(view.sender_id),
            since=local_text(view.opened_at),
            reason=texts.REASON_LABELS.get(view.reason, view.reason),
        )
    ]
    if view.waiting_since is not None:
        minutes = max(0, int((now - view.waiting_since).total_seconds() // 60))
        lines.append(texts.CLI_WAITING_FOR.format(minutes=minutes))
    for line in view.lines[-_SHOWN_LINES:]:
        text = line.text
        if line.attachments:
            text = f"{text} {texts.CLI_ATTACHMENTS.format(count=len(line.attachments))}".strip()
        author = texts.AUTHOR_LABELS.get(line.by, line.by)
        if line.staff:
            author = f"{author} {line.staff}"
        lines.append(texts.CLI_MESSAGE.format(at=local_text(line.at), author=author, text=text))
    return lines


async def _list(service: HandoffService) -> int:
    waiting = await service.list_waiting()
    if not waiting:
        print(texts.CLI_NONE_WAITING)
        return 0
    print(texts.CLI_HEADER.format(count=len(waiting)))
    for view in waiting:
        print("\n".join(format_handoff(view)))
    return 0


async def _answer(args: argparse.Namespace, service: HandoffService) -> int:
    view = await service.answer(args.id, args.staff, args.text)
    print(texts.CLI_ANSWERED.format(id=view.id, channel=view.channel))
    return 0


async def _close(args: argparse.Namespace, service: HandoffService) -> int:
    view = await service.close(args.id, args.staff)
    print(texts.CLI_CLOSED.format(id=view.id))
    return 0


def _connection_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", help="overrides MINSHENG_DATABASE_URL")
    parser.add_argument(
        "--redis-url", help="overrides MINSHENG_REDIS_URL (to hand the conversation back at once)"
    )


def register_cli(
    subparsers: argparse._SubParsersAction,  # type: ignore[type-arg]
    *,
    hand_back: StateFn | None = None,
) -> None:
    """``hand_back`` is the dialogue-state change that gives a conversation back to the
    bot (``flows.end_handoff``), passed in by the composition root."""
    handoff = subparsers.add_parser("handoff", help="residents waiting for a person (转人工)")
    sub = handoff.add_subparsers(dest="handoff_command", required=True, metavar="ACTION")

    listing = sub.add_parser("list", help="open handoffs: who waits, since when, what they said")
    _connection_options(listing)
    listing.set_defaults(handler=lambda a: asyncio.run(_with_service(a, hand_back, _list)))

    answer = sub.add_parser("answer", help="answer a resident (sent on their own channel)")
    answer.add_argument("id", type=int, help="handoff id (from `handoff list`)")
    answer.add_argument("text", help="the answer, as the resident will read it")
    answer.add_argument("--staff", required=True, help="your name, shown to the resident")
    _connection_options(answer)
    answer.set_defaults(
        handler=lambda a: asyncio.run(_with_service(a, hand_back, partial(_answer, a)))
    )

    close = sub.add_parser("close", help="end the handoff; the bot answers the resident again")
    close.add_argument("id", type=int, help="handoff id (from `handoff list`)")
    close.add_argument("--staff", required=True, help="your name")
    _connection_options(close)
    close.set_defaults(
        handler=lambda a: asyncio.run(_with_service(a, hand_back, partial(_close, a)))
    )
