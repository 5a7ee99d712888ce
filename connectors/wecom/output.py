"""The output side: staff notices (and late command answers) sent as app messages.

Staff notices are outbox rows addressed to a person's ``wecom`` id (the router picks that
channel by ``MINSHENG_TICKET_STAFF_CHANNEL``); each goes out with a link to the ticket on
the console, so the notice is one tap from the page where everything can be done.
"""

from __future__ import annotations

import re

from bot.messages import OutboundMessage
from bot.ports import OutputChannel
from connectors.wecom import texts
from connectors.wecom.actions import console_link
from connectors.wecom.api import WeComApi

_NUMBER = re.compile(r"\b(\d{8}-\d{4,6})\b")


class WeComOutput(OutputChannel):
    name = "wecom"

    def __init__(self, api: WeComApi, public_url: str) -> None:
        self.api = api
        self.public_url = public_url

    def render(self, message: OutboundMessage) -> str:
        # Buttons fall back to numbered text: an app text message has none.
        lines = [message.as_plain_text()]
        found = _NUMBER.search(message.text or "")
        if found is not None and message.custom.get("audience") == "staff":
            link = console_link(self.public_url, found.group(1))
            lines.append(texts.CONSOLE_LINK.format(link=link))
        return "\n".join(lines)

    async def send(self, message: OutboundMessage) -> None:
        await self.api.send_text(message.recipient_id, self.render(message))
