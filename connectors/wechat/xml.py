"""WeChat's XML, read safely and written simply.

WeChat posts small flat documents (``<xml><ToUserName>…</ToUserName>…</xml>``). Anything
else is refused before it costs anything: the body is size-capped by the caller, and the
parser (defusedxml) refuses any DTD, so no entity can be declared, let alone expanded
(billion laughs) or fetched from outside (XXE). wechatpy's own parser (xmltodict on expat)
is never given a request body.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

__all__ = ["BadXml", "ForbiddenXml", "parse_flat", "render_text_reply"]

#: A WeChat message has a few dozen fields; a document with more is no WeChat message.
MAX_FIELDS = 64
MAX_FIELD_CHARS = 8192


class BadXml(ValueError):
    """Not a well-formed WeChat document."""


class ForbiddenXml(BadXml):
    """A DTD, entity or external reference: refused without being expanded."""


def parse_flat(raw: bytes) -> dict[str, str]:
    """The fields of ``<xml>…</xml>`` as a flat mapping (children of nested elements, such
    as ``SendLocationInfo``, are lifted up unless a top-level field has the name)."""
    try:
        root = fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ForbiddenXml(type(exc).__name__) from exc
    except (ET.ParseError, ValueError) as exc:  # ValueError: bad encoding declarations
        raise BadXml(str(exc)) from exc
    if root.tag != "xml":
        raise BadXml(f"root element is <{root.tag}>, not <xml>")
    fields: dict[str, str] = {}
    nested: dict[str, str] = {}
    count = 0
    for child in root:
        count += 1
        if count > MAX_FIELDS:
            raise BadXml("too many fields")
        text = (child.text or "").strip()
        if len(text) > MAX_FIELD_CHARS:
            raise BadXml(f"field {child.tag} too long")
        fields[child.tag] = text
        for grandchild in child:
            count += 1
            if count > MAX_FIELDS:
                raise BadXml("too many fields")
            nested.setdefault(grandchild.tag, (grandchild.text or "").strip()[:MAX_FIELD_CHARS])
    for tag, text in nested.items():
        fields.setdefault(tag, text)
    return fields


def _cdata(text: str) -> str:
    # "]]>" would end the section early: split it across two sections.
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def render_text_reply(to_user: str, from_user: str, content: str) -> str:
    """A passive text reply (sent back in the HTTP response to WeChat's POST)."""
    return (
        "<xml>"
        f"<ToUserName>{_cdata(to_user)}</ToUserName>"
        f"<FromUserName>{_cdata(from_user)}</FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime>"
        "<MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{_cdata(content)}</Content>"
        "</xml>"
    )
