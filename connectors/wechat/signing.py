"""Signatures and safe mode (AES), with wechatpy's own crypto.

Every request is checked: the plain ``signature`` (SHA-1 of token, timestamp and nonce) on
each GET and POST, and in safe mode also ``msg_signature`` over the encrypted payload, which
is then decrypted (AES-256-CBC, the app id checked). Replies in safe mode are encrypted back.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import check_signature

from bot.errors import ConfigError, SignatureError
from connectors.wechat.xml import parse_flat

__all__ = ["BadEncryption", "Signer"]


class BadEncryption(ValueError):
    """A safe-mode payload that does not decrypt with our key and app id."""


class Signer:
    """Checks and decrypts WeChat's callbacks for one Official Account."""

    def __init__(self, token: str, aes_key: str, app_id: str) -> None:
        self.token = token
        self._crypto: WeChatCrypto | None = None
        if aes_key:
            if len(aes_key) != 43:
                raise ConfigError("MINSHENG_WECHAT_AES_KEY: an EncodingAESKey has 43 characters")
            self._crypto = WeChatCrypto(token, aes_key, app_id)

    @property
    def safe_mode(self) -> bool:
        return self._crypto is not None

    def check(self, query: Mapping[str, str]) -> None:
        """The plain signature of a callback; :class:`SignatureError` if it is wrong."""
        try:
            check_signature(
                self.token, query.get("signature", ""), query.get("timestamp", ""),
                query.get("nonce", ""),
            )
        except InvalidSignatureException as exc:
            raise SignatureError("bad WeChat signature") from exc

    def decrypt(self, envelope: bytes, query: Mapping[str, str]) -> bytes:
        """The inner XML of a safe-mode POST (``encrypt_type=aes``)."""
        if self._crypto is None:
            raise ConfigError("safe-mode message without MINSHENG_WECHAT_AES_KEY")
        fields = parse_flat(envelope)
        encrypted = fields.get("Encrypt", "")
        try:
            inner = self._crypto.decrypt_message(
                {"Encrypt": encrypted}, query.get("msg_signature", ""),
                query.get("timestamp", ""), query.get("nonce", ""),
            )
        except InvalidSignatureException as exc:
            raise SignatureError("bad WeChat msg_signature") from exc
        except InvalidAppIdException as exc:
            raise BadEncryption("app id mismatch") from exc
        except Exception as exc:  # padding, base64 and UTF-8 errors of a forged payload
            raise BadEncryption(type(exc).__name__) from exc
        return inner.encode("utf-8") if isinstance(inner, str) else bytes(inner)

    def encrypt(self, reply_xml: str, nonce: str | None = None) -> str:
        """A reply in safe mode: encrypted and signed, in WeChat's envelope."""
        if self._crypto is None:
            return reply_xml
        return str(self._crypto.encrypt_message(reply_xml, nonce or secrets.token_hex(8)))
