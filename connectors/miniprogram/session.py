"""Our own session token for a mini-program user, after WeChat's code2session.

The token is ``<payload>.<signature>``: a base64url payload ``{"o": openid, "e": expiry}``
signed with HMAC-SHA256 under ``MINSHENG_MP_SESSION_SECRET``. Nothing is stored, so any
worker verifies it; WeChat's ``session_key`` never leaves the login handler.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

__all__ = ["SessionSigner"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionSigner:
    def __init__(self, secret: str, lifetime_seconds: int) -> None:
        self._key = hashlib.sha256(("mp-session\0" + secret).encode()).digest()
        self.lifetime = lifetime_seconds

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())

    def issue(self, openid: str, now: float | None = None) -> tuple[str, int]:
        """A token for ``openid`` and its expiry (Unix seconds)."""
        expires = int((now if now is not None else time.time()) + self.lifetime)
        payload = _b64(json.dumps({"o": openid, "e": expires}, separators=(",", ":")).encode())
        return f"{payload}.{self._sign(payload)}", expires

    def verify(self, token: str, now: float | None = None) -> str | None:
        """The openid of a valid, unexpired token, else None."""
        payload, dot, signature = token.partition(".")
        if not dot or len(token) > 1024:
            return None
        if not hmac.compare_digest(self._sign(payload), signature):
            return None
        try:
            data = json.loads(_unb64(payload))
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        openid, expires = data.get("o"), data.get("e")
        if not isinstance(openid, str) or not isinstance(expires, int):
            return None
        if expires <= (now if now is not None else time.time()):
            return None
        return openid
