"""补充情况: the resident's answer to a staff member's "please tell us more".

When staff ask for more information on a ticket (``TicketService.request_info``), the
resident is told on their own channel that their next message goes onto that ticket. The
dialogue manager therefore asks, before any intent handling, whether this resident has such
an unanswered request; if so, the message (its words, photos, video, voice) is attached to
the ticket as an ``info_received`` event the handler sees, and the resident hears that it
arrived. Channel-neutral: only the message's channel and sender are used.

What is not an answer, and is handled as usual instead:

* a message without words or media (a QR scan that merely opened the chat);
* a quick reply tapped on an earlier prompt of the bot (the resident is still answering
  the bot, e.g. a rating button);
* an urgent demand (a gas smell) is attached *and* handled at once — safety first; when
  the words say someone is in danger, the manager answers with the emergency numbers
  first and attaches the words after.
"""

from __future__ import annotations

import logging
from enum import Enum
from typing import TYPE_CHECKING

from bot.errors import BadInput, InvalidTransition, TicketNotFound
from bot.tickets import Urgency

if TYPE_CHECKING:
    from flows._context import Turn

log = logging.getLogger(__name__)

ATTACHED = "info_attached"
# Responses this module says; every deployment's responses.yml must have them.
REQUIRED_RESPONSES = (ATTACHED,)


class Answered(Enum):
    """What became of a message while an information request was open."""

    NONE = "none"  # no request open, or not an answer: handle the message as usual
    ATTACHED = "attached"  # attached and acknowledged: nothing more to do
    URGENT = "urgent"  # attached, and an urgent matter the bot must handle too


async def answer_info_request(turn: Turn, *, tapped: bool) -> Answered:
    """Attach the message to the ticket whose information request it answers, if any.

    ``tapped``: the message is a quick reply to something the bot offered (the manager
    knows its flows' buttons); it answers the bot, not the staff member.
    """
    message = turn.message
    media = [(a.kind.value, a.url) for a in message.attachments if a.url]
    if tapped or (not turn.text and not media):
        return Answered.NONE
    tickets = turn.services.tickets
    number = await tickets.awaiting_info(message.channel, message.sender_id)
    if number is None:
        return Answered.NONE
    try:
        await tickets.attach_resident_message(number, turn.text, media)
    except (BadInput, InvalidTransition, TicketNotFound) as exc:
        # The ticket closed meanwhile, or the media is of a kind tickets do not keep:
        # the message is the bot's as usual (never lost, never an error to the resident).
        log.info("information request of %s not answered: %s", number, type(exc).__name__)
        return Answered.NONE
    turn.say(ATTACHED, {"number": number})
    return Answered.URGENT if _urgent(turn) else Answered.ATTACHED


def _urgent(turn: Turn) -> bool:
    demand = turn.demand()
    if demand is None:
        return False
    category, confidence = demand
    if confidence < turn.services.settings.flow_category_confirm_threshold:
        return False
    catalog = turn.services.catalog
    return catalog.has(category) and catalog.item(category).urgency is not Urgency.NORMAL
