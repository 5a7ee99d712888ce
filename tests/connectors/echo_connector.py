"""A minimal second connector that lives only in the tests: JSON over HTTP.

It proves the connector contract: it is plugged in through the settings
(``extra_connectors=["tests.connectors.echo_connector"]``) without any edit in ``bot/``.

``POST /echo/messages`` ``{"sender", "text", "id"?}`` answers ``200 [{"to", "text"}]``, or
``202 {"queued": true}`` when the dialogue takes longer than :attr:`EchoConnector.patience`
(the replies then arrive through the output side). ``GET /echo/delivered/{sender}`` lists
what the output side delivered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from aiohttp import web

from bot.messages import InboundMessage, OutboundMessage
from connectors.base import Connector, OutputChannel
from connectors.errors import error_response, json_error
from connectors.text import clean_text

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.gateway import Gateway


class EchoOutput(OutputChannel):
    """The output side: keeps what it delivers (a real platform would be called here)."""

    name = "echo"

    def __init__(self) -> None:
        self.delivered: list[OutboundMessage] = []

    async def send(self, message: OutboundMessage) -> None:
        self.delivered.append(message)


class EchoConnector(Connector):
    name = "echo"
    #: Seconds the platform waits for an answer before it takes a "queued".
    patience: float = 5.0

    def __init__(self) -> None:
        self.output: EchoOutput | None = None
        self.started = self.stopped = False

    @classmethod
    def from_settings(cls, settings: Settings) -> Self | None:
        return cls()

    def setup_routes(self, app: web.Application, gateway_key: web.AppKey[Gateway]) -> None:
        async def receive(request: web.Request) -> web.Response:
            body = await request.json()
            if not isinstance(body, dict) or not isinstance(body.get("sender"), str):
                return json_error(400, "bad_input", "sender?")
            message = InboundMessage(
                channel=self.name,
                sender_id=body["sender"],
                text=clean_text(str(body.get("text", ""))),
                message_id=body.get("id"),
            )
            gateway = request.app[gateway_key]
            try:
                replies = await gateway.receive_within(message, self.patience)
            except Exception as exc:
                return error_response(exc, context="echo message")
            if replies is None:
                return web.json_response({"queued": True}, status=202)
            return web.json_response([{"to": r.recipient_id, "text": r.text} for r in replies])

        async def delivered(request: web.Request) -> web.Response:
            sender = request.match_info["sender"]
            sent = self.output.delivered if self.output else []
            return web.json_response(
                [{"to": m.recipient_id, "text": m.text} for m in sent if m.recipient_id == sender]
            )

        app.router.add_post("/echo/messages", receive)
        app.router.add_get("/echo/delivered/{sender}", delivered)

    async def start(self, gateway: Gateway) -> None:
        self.output = EchoOutput()
        self.started = True

    async def stop(self) -> None:
        self.stopped = True


CONNECTOR = EchoConnector
