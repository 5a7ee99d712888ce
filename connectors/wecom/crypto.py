"""The callback's safe mode: WeCom signs and AES-encrypts every request to our URL.

``GET`` verifies the URL (``msg_signature`` over token, timestamp, nonce and ``echostr``;
we answer the decrypted ``echostr``); ``POST`` carries ``<xml><Encrypt>…</Encrypt></xml>``
signed the same way. wechatpy's enterprise crypto does the signature and AES; the XML is
parsed here with defusedxml (no entity expansion), never with a plain parser.
"""

from __future__ import annotations

import time
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from wechatpy.enterprise.crypto import WeChatCrypto

from bot.errors import BadInput, SignatureError

__all__ = ["CallbackCrypto", "parse_xml"]


def parse_xml(raw: bytes | str) -> dict[str, str]:
    """The children of a WeChat ``<xml>`` document as {tag: text}. Raises BadInput."""
    try:
        root: Element = SafeET.fromstring(raw)
    except (SafeET.ParseError, DefusedXmlException, ValueError) as exc:
        raise BadInput(f"malformed XML ({type(exc).__name__})", code="bad_xml") from None
    if root.tag != "xml":
        raise BadInput("not a WeChat <xml> document", code="bad_xml")
    return {child.tag: (child.text or "") for child in root}


class CallbackCrypto:
    """Verifies, decrypts and encrypts one app's callback traffic."""

    def __init__(self, token: str, aes_key: str, corp_id: str) -> None:
        self._crypto = WeChatCrypto(token, aes_key, corp_id)

    def verify_url(self, signature: str, timestamp: str, nonce: str, echostr: str) -> str:
        """The decrypted ``echostr`` to answer. Raises SignatureError."""
        try:
            return str(self._crypto.check_signature(signature, timestamp, nonce, echostr))
        except Exception as exc:  # bad signature, bad base64/AES/padding, other corp: all forged
            raise SignatureError(f"URL verification failed ({type(exc).__name__})") from None

    def decrypt(self, body: bytes, signature: str, timestamp: str, nonce: str) -> dict[str, str]:
        """The plaintext message fields of a signed, encrypted POST.

        Raises:
            BadInput: the body is not the envelope XML.
            SignatureError: wrong signature, or it does not decrypt for our corp.
        """
        envelope = parse_xml(body)
        if not envelope.get("Encrypt"):
            raise BadInput("no <Encrypt> in the callback", code="bad_xml")
        try:
            plain = self._crypto.decrypt_message(envelope, signature, timestamp, nonce)
        except Exception as exc:  # bad signature, bad base64/AES/padding, other corp: all forged
            raise SignatureError(f"callback rejected ({type(exc).__name__})") from None
        return parse_xml(plain)

    def encrypt(self, xml: str, nonce: str, timestamp: str | None = None) -> str:
        """A passive reply in the envelope WeCom expects."""
        return str(self._crypto.encrypt_message(xml, nonce, timestamp or str(int(time.time()))))
