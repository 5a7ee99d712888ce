"""The output port: the core's interface for sending to residents and staff.

The core owns this interface; connectors implement it. An *output* side sends
:class:`~bot.messages.OutboundMessage` to a resident who is not waiting for a reply (status
pushes, secretary answers, replies that took too long). Only ``send`` is required of an
output channel; buttons fall back to numbered text. The dispatcher finds a channel's output
side by name in the :class:`OutputRegistry`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping

from bot.errors import MinshengError
from bot.messages import OutboundMessage


class DeliveryError(MinshengError):
    """A push could not be delivered. ``permanent`` errors are not retried."""

    code = "delivery_failed"

    def __init__(self, message: str = "", *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class OutputChannel(ABC):
    """Sends messages to residents of one platform."""

    name: str = ""

    @abstractmethod
    async def send(self, message: OutboundMessage) -> None:
        """Deliver one message or raise :class:`DeliveryError`."""


class CollectingOutput(OutputChannel):
    """Keeps what it is asked to send; a real sink for the terminal chat and for tests."""

    def __init__(self, name: str = "collector") -> None:
        self.name = name
        self.messages: list[OutboundMessage] = []

    async def send(self, message: OutboundMessage) -> None:
        self.messages.append(message)


class OutputRegistry:
    """Maps a channel name (as stored on a ticket's reporter) to its output side."""

    def __init__(self, channels: Mapping[str, OutputChannel] | None = None) -> None:
        self._channels: dict[str, OutputChannel] = dict(channels or {})

    def register(self, channel: OutputChannel) -> None:
        self._channels[channel.name] = channel

    def get(self, name: str) -> OutputChannel | None:
        return self._channels.get(name)

    def names(self) -> list[str]:
        return sorted(self._channels)
