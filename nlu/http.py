"""``POST /model/parse``: Rasa's NLU endpoint, same request and response shape.

Request ``{"text": "...", "message_id": "..."?}``; response ``{"text", "message_id"?,
"intent": {"name", "confidence"}, "entities": [...], "intent_ranking": [...]}``. Bad requests get
``400 {"error": {"code", "message"}}`` like every other API of the gateway.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web

from nlu import strings
from nlu.service import NLUService

log = logging.getLogger(__name__)

MAX_TEXT_CHARS = 2000
# Long texts are classified off the event loop so one document cannot stall other chats.
THREAD_ABOVE_CHARS = 500


def _error(code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=400)


def make_parse_handler(service_key: web.AppKey[NLUService]) -> Any:
    async def parse(request: web.Request) -> web.Response:
        try:
            body = await request.json(loads=json.loads)
        except (ValueError, RecursionError):
            # ValueError covers JSONDecodeError and UnicodeDecodeError; RecursionError is
            # json.loads on thousands of nested brackets.
            log.info("/model/parse: body is not JSON")
            return _error("bad_json", strings.HTTP_BAD_JSON)
        if not isinstance(body, dict):
            return _error("bad_json", strings.HTTP_BAD_JSON)
        text = body.get("text")
        if not isinstance(text, str):
            return _error("missing_text", strings.HTTP_NO_TEXT)
        if _has_lone_surrogate(text):
            # "\ud800" is valid JSON but no text: it cannot be encoded in the answer.
            return _error("bad_text", strings.HTTP_BAD_TEXT)
        if len(text) > MAX_TEXT_CHARS:
            return _error("text_too_long", strings.HTTP_TOO_LONG.format(limit=MAX_TEXT_CHARS))
        message_id = body.get("message_id")
        if message_id is not None and not isinstance(message_id, str):
            return _error("bad_message_id", strings.HTTP_BAD_MESSAGE_ID)
        service = request.app[service_key]
        if len(text) > THREAD_ABOVE_CHARS:
            result = await service.parse_async(text)
        else:
            result = service.parse(text)
        answer = result.to_dict()
        if message_id is not None:
            answer["message_id"] = message_id  # Rasa echoes the id it was given
        return web.json_response(answer, dumps=_dumps)

    return parse


def _has_lone_surrogate(text: str) -> bool:
    return any("\ud800" <= char <= "\udfff" for char in text)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def setup_routes(app: web.Application, service_key: web.AppKey[NLUService]) -> None:
    """Register ``POST /model/parse`` reading the service stored under ``service_key``."""
    app.router.add_post("/model/parse", make_parse_handler(service_key))
