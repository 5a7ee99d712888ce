"""An external Rasa server as the NLU: ``POST {url}/model/parse``, Rasa's documented shape.

Rasa answers ``{"text", "intent": {"name", "confidence"}, "entities": [{"entity", "start",
"end", "value", "confidence_entity"?, "extractor"?, "role"?, "group"?}], "intent_ranking"?}``.
Anything else (an HTTP error, a body that is not that JSON, an answer later than the timeout)
is a :class:`RemoteNLUError`; :class:`nlu.service.NLUService` then parses with the embedded
model instead, so a resident never waits on a Rasa outage.
"""

from __future__ import annotations

import json
import math
from typing import Any

import aiohttp

from nlu.errors import NLUError
from nlu.types import Entity, IntentScore, ParseResult

DEFAULT_TIMEOUT_SECONDS = 2.0
# Rasa's own answers are a few kilobytes; anything far bigger is not one.
MAX_RESPONSE_BYTES = 1024 * 1024


class RemoteNLUError(NLUError):
    """The remote NLU did not answer usefully (down, slow, an error, or garbage)."""

    code = "remote_nlu_error"


def _str(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise RemoteNLUError(f"Rasa answer: {what} is not a non-empty string")
    return value


def _num(value: Any, what: str, default: float | None = None) -> float:
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RemoteNLUError(f"Rasa answer: {what} is not a number")
    return float(value)


def _score(raw: Any, what: str) -> IntentScore:
    if not isinstance(raw, dict):
        raise RemoteNLUError(f"Rasa answer: {what} is not an object")
    return IntentScore(_str(raw.get("name"), f"{what}.name"), _num(raw.get("confidence"), what))


def _entity(raw: Any, text: str, index: int) -> Entity:
    what = f"entities[{index}]"
    if not isinstance(raw, dict):
        raise RemoteNLUError(f"Rasa answer: {what} is not an object")
    start, end = raw.get("start"), raw.get("end")
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(text)):
        raise RemoteNLUError(f"Rasa answer: {what} has no valid start/end")
    value = raw.get("value", text[start:end])
    role, group = raw.get("role"), raw.get("group")
    return Entity(
        entity=_str(raw.get("entity"), f"{what}.entity"),
        start=start,
        end=end,
        # Rasa's duckling and custom extractors may give numbers or objects as values.
        value=value if isinstance(value, str) else json.dumps(value, ensure_ascii=False),
        confidence_entity=_num(raw.get("confidence_entity"), what, default=1.0),
        extractor=str(raw.get("extractor") or "rasa"),
        role=None if role is None else str(role),
        group=None if group is None else str(group),
    )


def parse_rasa_response(body: Any, text: str) -> ParseResult:
    """A :class:`ParseResult` from Rasa's ``/model/parse`` JSON, or :class:`RemoteNLUError`."""
    if not isinstance(body, dict):
        raise RemoteNLUError("Rasa answer is not a JSON object")
    intent = _score(body.get("intent"), "intent")
    ranking_raw = body.get("intent_ranking")
    if ranking_raw is None or ranking_raw == []:
        ranking_raw = [intent.to_dict()]
    if not isinstance(ranking_raw, list):
        raise RemoteNLUError("Rasa answer: intent_ranking is not a list")
    ranking = [_score(r, f"intent_ranking[{i}]") for i, r in enumerate(ranking_raw)]
    entities_raw = body.get("entities", [])
    entities_raw = [] if entities_raw is None else entities_raw
    if not isinstance(entities_raw, list):
        raise RemoteNLUError("Rasa answer: entities is not a list")
    entities = [_entity(e, text, i) for i, e in enumerate(entities_raw)]
    return ParseResult(text=text, intent=intent, intent_ranking=ranking, entities=entities)


class RasaNLUClient:
    """Sends texts to one Rasa server's ``/model/parse`` with a total timeout per message."""

    backend = "rasa"

    def __init__(
        self,
        url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        token: str = "",
    ) -> None:
        self.endpoint = url.rstrip("/") + "/model/parse"
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        # Rasa's --auth-token is a query parameter.
        self._params = {"token": token} if token else {}
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        # Created on first use, inside the running loop that will use it.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def parse(self, text: str, message_id: str | None = None) -> ParseResult:
        body: dict[str, str] = {"text": text}
        if message_id:
            body["message_id"] = message_id
        try:
            async with self._client().post(
                self.endpoint, json=body, params=self._params
            ) as response:
                if response.status != 200:
                    raise RemoteNLUError(f"Rasa answered HTTP {response.status}")
                raw = await response.content.read(MAX_RESPONSE_BYTES + 1)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RemoteNLUError(f"Rasa unreachable or slow: {type(exc).__name__}") from exc
        if len(raw) > MAX_RESPONSE_BYTES:
            raise RemoteNLUError("Rasa answer is too large")
        try:
            decoded = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise RemoteNLUError("Rasa answer is not JSON") from exc
        return parse_rasa_response(decoded, text)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
