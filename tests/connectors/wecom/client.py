"""Builds callback requests exactly as WeCom sends them: AES-encrypted XML, msg_signature."""

from __future__ import annotations

import hashlib
import time
import uuid

from wechatpy.enterprise.crypto import PrpCrypto, WeChatCrypto

from connectors.wecom.crypto import parse_xml

CORP_ID = "wwcorp0001"
AGENT_ID = 1000002
SECRET = "app-secret-0001"
TOKEN = "callbacktoken"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def signature(token: str, timestamp: str, nonce: str, data: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, data])).encode()).hexdigest()


def verify_query(echo: str = "echo-1234", *, token: str = TOKEN) -> tuple[dict[str, str], str]:
    """GET parameters of the URL verification and the echostr in plain text."""
    import base64

    key = base64.b64decode(AES_KEY + "=")
    echostr = PrpCrypto(key).encrypt(echo, CORP_ID).decode()
    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex[:10]
    query = {
        "msg_signature": signature(token, timestamp, nonce, echostr),
        "timestamp": timestamp,
        "nonce": nonce,
        "echostr": echostr,
    }
    return query, echo


def text_message(user_id: str, content: str, msg_id: str | None = None) -> str:
    now = int(time.time())
    return (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>"
        f"<FromUserName><![CDATA[{user_id}]]></FromUserName>"
        f"<CreateTime>{now}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content>"
        f"<MsgId>{msg_id or uuid.uuid4().int % 10**18}</MsgId>"
        f"<AgentID>{AGENT_ID}</AgentID></xml>"
    )


def encrypted(plain_xml: str, *, token: str = TOKEN) -> tuple[dict[str, str], str]:
    """Query parameters and body of a POST to the callback URL."""
    nonce = uuid.uuid4().hex[:10]
    timestamp = str(int(time.time()))
    envelope = WeChatCrypto(token, AES_KEY, CORP_ID).encrypt_message(plain_xml, nonce, timestamp)
    fields = parse_xml(envelope)
    query = {"msg_signature": fields["MsgSignature"], "timestamp": timestamp, "nonce": nonce}
    body = (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>"
        f"<Encrypt><![CDATA[{fields['Encrypt']}]]></Encrypt>"
        f"<AgentID><![CDATA[{AGENT_ID}]]></AgentID></xml>"
    )
    return query, body


def decrypt_reply(body: str) -> dict[str, str]:
    """The plain reply inside an encrypted passive answer (checking its signature)."""
    fields = parse_xml(body)
    plain = WeChatCrypto(TOKEN, AES_KEY, CORP_ID).decrypt_message(
        fields, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"]
    )
    return parse_xml(plain)
