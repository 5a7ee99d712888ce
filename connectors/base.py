"""The connector contract, after Rasa's channel layer: an input side and an output side.

A :class:`Connector` turns a platform's requests into :class:`~bot.messages.InboundMessage`
(verifying signatures first) and hands them to the core's :class:`~bot.gateway.Gateway`; its
``output`` (an :class:`~bot.ports.OutputChannel`, owned by the core) sends pushes back.

A connector lives in ``connectors/<name>/`` and exposes its class as ``CONNECTOR`` in the
package; :func:`connectors.discover` finds it, so adding one touches only its own folder and
the settings. Lifecycle::

    connector = Cls.from_settings(settings)      # None: switched off by the settings
    connector.setup_routes(app, GATEWAY)         # before the app starts
    await connector.start(gateway)               # with the app; ``output`` is ready after it
    await connector.stop()                       # before the database closes
"""

from __future__ import annotations

import argparse
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar, Self

from aiohttp import web

from bot.ports import CollectingOutput, DeliveryError, OutputChannel, OutputRegistry

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.gateway import Gateway

__all__ = [
    "CollectingOutput",
    "Connector",
    "DeliveryError",
    "OutputChannel",
    "OutputRegistry",
]


class Connector(ABC):
    """One chat platform (or page) plugged into the gateway."""

    #: The channel name: ``InboundMessage.channel`` and the output's name in the registry.
    name: ClassVar[str] = ""
    #: A module defining the tables this connector owns (imported for migrations), or None.
    models_module: ClassVar[str | None] = None

    #: The output side, for pushes; set by :meth:`start` at the latest. None: no pushes.
    output: OutputChannel | None = None

    @classmethod
    @abstractmethod
    def from_settings(cls, settings: Settings) -> Self | None:
        """The connector configured by ``settings``, or None when it is switched off."""

    @abstractmethod
    def setup_routes(self, app: web.Application, gateway_key: web.AppKey[Gateway]) -> None:
        """Add the platform's routes; handlers find the gateway as ``request.app[gateway_key]``."""

    async def start(self, gateway: Gateway) -> None:  # noqa: B027 - optional hook
        """Open clients and build the output side (called once the core is up)."""

    async def stop(self) -> None:  # noqa: B027 - optional hook
        """Close what :meth:`start` opened (called before the core shuts down)."""

    @classmethod  # noqa: B027 - optional hook
    def register_cli(cls, subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
        """Add the connector's own ``minsheng <name> ...`` commands (optional)."""
