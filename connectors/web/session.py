"""Signed session tokens for web residents: the server, not the page, names the sender.

A token is ``<session id>.<issued at>.<signature>`` — an HMAC-SHA256 over the first two
parts with a key derived from the server secret (:mod:`bot.server_secret`). The sender it
stands for is ``ws-<session id>``; a REST body that claims a ``ws-`` sender without its
token is refused, so nobody can speak or read pushes as a page resident by guessing ids.

The page gets its token as an ``HttpOnly`` cookie when it loads (``GET /``) or from
``POST /webhooks/rest/session`` (other clients send it back in the ``X-Minsheng-Session``
header). Neither a cookie nor a header appears in the access log, and no URL carries the
token or the sender.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from bot.server_secret import derive_key

COOKIE = "minsheng_session"
HEADER = "X-Minsheng-Session"
SENDER_PREFIX = "ws-"
_TOKEN = re.compile(r"^([A-Za-z0-9_-]{22})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})$")


class BadSession(ValueError):
    """The token was altered, forged, or is too old."""


@dataclass(frozen=True, slots=True)
class Session:
    token: str
    sender: str


class WebSessions:
    """Issues and verifies tokens; ``max_age`` in seconds."""

    def __init__(
        self, secret: bytes, *, max_age: float, clock: Callable[[], float] = time.time
    ) -> None:
        self._key = derive_key(secret, "web-session")
        self._max_age = max_age
        self._clock = clock

    def _sign(self, payload: str) -> str:
        mac = hmac.new(self._key, payload.encode("ascii"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")

    def issue(self) -> Session:
        session_id = secrets.token_urlsafe(16)
        payload = f"{session_id}.{int(self._clock())}"
        return Session(f"{payload}.{self._sign(payload)}", SENDER_PREFIX + session_id)

    def verify(self, token: str) -> Session:
        """The session a token stands for.

        Raises:
            BadSession: not a token we signed, or older than ``max_age``.
        """
        match = _TOKEN.match(token)
        if match is None:
            raise BadSession("malformed")
        session_id, issued, signature = match.groups()
        if not hmac.compare_digest(signature, self._sign(f"{session_id}.{issued}")):
            raise BadSession("signature")
        if self._clock() - int(issued) > self._max_age:
            raise BadSession("expired")
        return Session(token, SENDER_PREFIX + session_id)

    def from_request(self, request: web.Request) -> Session | None:
        """The request's session (header first, then cookie); None when it has none.

        Raises:
            BadSession: it carries a token that does not verify.
        """
        token = request.headers.get(HEADER) or request.cookies.get(COOKIE)
        if not token:
            return None
        return self.verify(token)

    def set_cookie(self, response: web.StreamResponse, session: Session, *, secure: bool) -> None:
        response.set_cookie(
            COOKIE,
            session.token,
            max_age=int(self._max_age),
            httponly=True,
            samesite="Lax",  # no cross-site POST carries it
            secure=secure,
            path="/",
        )
