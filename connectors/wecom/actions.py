"""Runs a parsed staff command through the same services as the console.

Every ticket command is scope-checked first (:func:`bot.console.inbox.scoped_row`: a ticket
outside the staff member's area is "not found", exactly as on the console), then goes
through :class:`~bot.tickets.TicketService`, which records the event and queues the
resident's push in the same transaction. Handoff commands use the console's handoff scope
rule (:func:`bot.console.handoff_web.may_see`). The answer is one Chinese text.
"""

from __future__ import annotations

import logging

from sqlmodel import col, select

from bot.console.handoff_web import Placed, may_see
from bot.console.inbox import scoped_row
from bot.errors import BadInput, HandoffError, InvalidTransition, TicketNotFound
from bot.gateway import Gateway
from bot.handoff.service import HandoffView
from bot.staff import StaffIdentity
from bot.tickets.clock import local_text
from bot.tickets.models import Ticket
from bot.tickets.texts import status_label
from bot.tickets.views import TicketView
from connectors.wecom import texts
from connectors.wecom.commands import Command

log = logging.getLogger(__name__)

__all__ = ["console_link", "run"]


def console_link(public_url: str, number: str | None = None) -> str:
    base = public_url.rstrip("/") + "/console/"
    return f"{base}tickets/{number}" if number else base


def actor_of(staff: StaffIdentity) -> str:
    """The name ticket history shows, as the console writes it."""
    return staff.display_name or staff.username


async def run(gateway: Gateway, staff: StaffIdentity, command: Command) -> str:
    """Carry out ``command`` for ``staff`` and say what happened."""
    if command.action == "help":
        return texts.HELP
    if command.action in ("handoffs", "answer", "close"):
        return await _handoff(gateway, staff, command)
    return await _ticket(gateway, staff, command)


async def _ticket(gateway: Gateway, staff: StaffIdentity, command: Command) -> str:
    number, words = command.target, command.text
    link = console_link(gateway.settings.public_url, number)
    row = await scoped_row(gateway.sessions, staff.scope, number)
    if row is None:
        return texts.NOT_FOUND.format(number=number)
    tickets, actor = gateway.tickets, actor_of(staff)
    try:
        view: TicketView
        match command.action:
            case "show":
                return _detail(await tickets.get(number), link)
            case "claim":
                view = await tickets.claim(number, actor)
            case "start":
                view = await tickets.start(number, actor)
            case "reply":
                view = await tickets.reply(number, actor, words)
            case "ask":
                view = await tickets.request_info(number, actor, words)
            case "resolve":
                view = await tickets.resolve(number, actor, words or None)
            case "reject":
                view = await tickets.reject(number, actor, words)
            case "escalate":
                view = await tickets.escalate(number, actor, words[:500])
            case _:
                raise RuntimeError(f"no ticket action {command.action!r}")
    except InvalidTransition:
        return texts.INVALID.format(
            number=number, status=status_label(row.status),
            verb=texts.VERB_LABELS[command.action],
        )
    except TicketNotFound:
        return texts.NOT_FOUND.format(number=number)
    except BadInput as exc:
        reason = texts.BAD_INPUT_REASONS.get(exc.code, texts.BAD_INPUT_DEFAULT)
        return texts.BAD_INPUT.format(reason=reason)
    log.info("wecom: %s %s by staff %s", command.action, number, staff.account_id)
    done = texts.DONE[command.action].format(
        number=number, status=view.status_label_zh, unit=view.responsible_unit
    )
    return done + "\n" + texts.CONSOLE_LINK.format(link=link)


def _detail(view: TicketView, link: str) -> str:
    body = texts.DETAIL.format(
        number=view.number,
        status=view.status_label_zh,
        category=view.category_name_zh,
        address=view.address_text,
        description=view.description[:200],
        unit=view.responsible_unit,
        deadline=view.deadline_text_zh,
        overdue=texts.OVERDUE_MARK if view.overdue else "",
    )
    return body + "\n" + texts.CONSOLE_LINK.format(link=link)


# -- handoffs (residents waiting for a person) -----------------------------------------------


async def _placed(gateway: Gateway, view: HandoffView) -> Placed:
    """The handoff with the resident's latest ticket, which places it in someone's area."""
    async with gateway.sessions() as session:
        rows = await session.exec(
            select(Ticket)
            .where(Ticket.reporter_channel == view.channel, Ticket.reporter_id == view.sender_id)
            .order_by(col(Ticket.created_at).desc(), col(Ticket.id).desc())
            .limit(1)
        )
        return Placed(view, rows.first())


async def _visible(gateway: Gateway, staff: StaffIdentity, view: HandoffView) -> bool:
    return may_see(staff, await _placed(gateway, view))


async def _handoff(gateway: Gateway, staff: StaffIdentity, command: Command) -> str:
    service = gateway.handoff
    if service is None:
        return texts.HANDOFF_NONE
    if command.action == "handoffs":
        waiting = [v for v in await service.list_waiting() if await _visible(gateway, staff, v)]
        if not waiting:
            return texts.HANDOFF_NONE
        lines = [texts.HANDOFF_HEADER]
        for view in waiting[:10]:
            said = view.resident_lines
            last = said[-1].text[:40] if said and said[-1].text else texts.HANDOFF_NO_WORDS
            since = local_text(view.waiting_since or view.opened_at)
            lines.append(texts.HANDOFF_LINE.format(id=view.id, since=since, last=last))
        return "\n".join(lines)
    handoff_id = int(command.target)
    try:
        view = await service.get(handoff_id)
        if not await _visible(gateway, staff, view):
            return texts.HANDOFF_NOT_FOUND.format(id=handoff_id)
        if not view.is_open:
            return texts.INVALID_HANDOFF.format(id=handoff_id)
        if command.action == "answer":
            await service.answer(handoff_id, actor_of(staff), command.text[:1000])
            return texts.HANDOFF_ANSWERED.format(id=handoff_id)
        await service.close(handoff_id, actor_of(staff))
        return texts.HANDOFF_CLOSED.format(id=handoff_id)
    except HandoffError as exc:
        if exc.code == "handoff_not_open":
            return texts.INVALID_HANDOFF.format(id=handoff_id)
        return texts.HANDOFF_NOT_FOUND.format(id=handoff_id)
