"""What flow actions may use, built once by the runtime and shared by every conversation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from flows._knowledge import Knowledge

if TYPE_CHECKING:
    from bot.addresses import AddressBook
    from bot.config import Settings
    from bot.handoff import HandoffService
    from bot.tickets import Catalog, TicketService
    from nlu import ParseResult


@dataclass
class FlowServices:
    """Everything a flow action may use; built by the lead's runtime.

    ``clock`` returns naive UTC (the convention for every timestamp in minsheng).
    ``handoff`` keeps who waits for a person (转人工); without it a handoff is not durable
    and the conversation goes back to the bot at the resident's next message.
    ``parse`` reads part of a message with the NLU (two problems in one message are read
    clause by clause); without it a message is one matter.
    """

    tickets: TicketService
    addresses: AddressBook
    catalog: Catalog
    knowledge: Knowledge
    settings: Settings
    clock: Callable[[], datetime]
    handoff: HandoffService | None = None
    parse: Callable[[str], ParseResult] | None = None
