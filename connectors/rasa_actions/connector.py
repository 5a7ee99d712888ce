"""The action server as a connector: ``POST /webhooks/rasa/actions``.

Point an assistant's ``endpoints.yml`` at it (``action_endpoint: url:
https://<host>/webhooks/rasa/actions?token=<MINSHENG_RASA_ACTIONS_TOKEN>``). Off unless
``MINSHENG_RASA_ACTIONS_TOKEN`` is set: these actions file tickets, so only a caller that
knows the token may run them. ``GET /webhooks/rasa/actions`` lists the actions (like
rasa-sdk's ``/actions``).
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import TYPE_CHECKING, Self

from aiohttp import web

from connectors.base import Connector
from connectors.errors import dumps
from connectors.rasa_actions.actions import ACTIONS, action_names
from connectors.rasa_actions.protocol import ActionCall, ActionRejected

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.gateway import Gateway

log = logging.getLogger(__name__)

PATH = "/webhooks/rasa/actions"
MAX_BODY_BYTES = 1024 * 1024  # a tracker with a long history is large, but not this large


class RasaActionsConnector(Connector):
    name = "rasa_actions"

    def __init__(self, token: str) -> None:
        self._token = token
        self.output = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Self | None:
        return cls(settings.rasa_actions_token) if settings.rasa_actions_token else None

    def _authorised(self, request: web.Request) -> bool:
        given = request.query.get("token") or request.headers.get("Authorization", "").removeprefix(
            "Bearer "
        )
        return hmac.compare_digest(given.encode(), self._token.encode())

    def setup_routes(self, app: web.Application, gateway_key: web.AppKey[Gateway]) -> None:
        async def run(request: web.Request) -> web.Response:
            if not self._authorised(request):
                return web.json_response({"error": "unauthorised"}, status=401)
            if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
                return web.json_response({"error": "body too large"}, status=413)
            try:
                call = ActionCall.from_body(json.loads(await request.read()))
            except (ValueError, RecursionError) as exc:
                return web.json_response({"error": f"bad request: {exc}"}, status=400)
            action = ACTIONS.get(call.action)
            if action is None:
                return web.json_response(
                    {
                        "error": f"No registered action found for name '{call.action}'.",
                        "action_name": call.action,
                    },
                    status=404,
                )
            try:
                await action(call, request.app[gateway_key])
            except ActionRejected as exc:
                return web.json_response(
                    {"error": str(exc), "action_name": call.action}, status=400
                )
            log.info("rasa action %s ran: %d events", call.action, len(call.events_out))
            return web.json_response(call.answer(), dumps=dumps)

        async def listing(request: web.Request) -> web.Response:
            if not self._authorised(request):
                return web.json_response({"error": "unauthorised"}, status=401)
            return web.json_response([{"name": n} for n in action_names()])

        app.router.add_post(PATH, run)
        app.router.add_get(PATH, listing)
