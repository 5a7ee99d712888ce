"""What a WeChat message or event means for the gateway.

:func:`classify` turns the flat fields of one callback into an :class:`Action`:

====================  =====================================================================
text                  the resident's words
image, video,         evidence: fetched with the media API (``MediaId``) into the evidence
shortvideo, voice     store; a voice message's ``Recognition`` (WeChat's transcript) is what
                      the resident said, the audio is kept as evidence
location              a pin (``Location_X`` latitude, ``Location_Y`` longitude, ``Label``):
                      the flows offer the nearest buildings
link                  title, description and address as text
subscribe / SCAN      with a scene (``qrscene_CODE`` on subscribe, ``CODE`` on SCAN): a report
                      starts at that building; a plain subscribe gets the welcome
CLICK                 a menu button: the resident's own words for it (``texts.MENU_WORDS``)
unsubscribe, VIEW,    nothing to say ("success")
LOCATION, others
====================  =====================================================================

Retries are recognised by ``MsgId`` (messages) or ``FromUserName`` + ``CreateTime`` (events,
which have no id), as WeChat documents.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from bot.messages import VERIFIED_IDENTITY, InboundMessage, Location, MediaKind
from connectors.text import clean_text
from connectors.wechat import texts

__all__ = ["CHANNEL", "Action", "BadMessage", "MediaRef", "classify"]

CHANNEL = "wechat"
REQUIRED = ("ToUserName", "FromUserName", "CreateTime", "MsgType")
MAX_TEXT_CHARS = 2000
SCENE_PREFIX = "qrscene_"
_MEDIA_KINDS = {
    "image": MediaKind.IMAGE,
    "voice": MediaKind.VOICE,
    "video": MediaKind.VIDEO,
    "shortvideo": MediaKind.VIDEO,
}


class BadMessage(ValueError):
    """A required field is missing or malformed; ``field`` names it."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


@dataclass(frozen=True, slots=True)
class MediaRef:
    """A file to fetch with the media API before the message goes on."""

    kind: MediaKind
    media_id: str
    recognition: str | None = None


@dataclass(frozen=True, slots=True)
class Action:
    """What to do with one callback.

    ``message`` goes to the gateway (after ``media`` is fetched); ``reply`` is a fixed
    answer of the connector's own; neither: answer "success" and do nothing.
    """

    dedupe_key: str
    openid: str
    account: str
    message: InboundMessage | None = None
    media: tuple[MediaRef, ...] = field(default_factory=tuple)
    reply: str | None = None


def _required(fields: dict[str, str]) -> None:
    for name in REQUIRED:
        if not fields.get(name):
            raise BadMessage(name)
    if not fields["CreateTime"].isdigit():
        raise BadMessage("CreateTime")
    if len(fields["FromUserName"]) > 128:
        raise BadMessage("FromUserName")


def _location(fields: dict[str, str]) -> Location:
    try:
        lat, lng = float(fields["Location_X"]), float(fields["Location_Y"])
    except (KeyError, ValueError) as exc:
        raise BadMessage("Location_X") from exc
    if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180):
        raise BadMessage("Location_X")
    return Location(lat, lng, clean_text(fields.get("Label", ""))[:200] or None)


@dataclass(frozen=True, slots=True)
class _From:
    """The sender, the account and the retry key of one callback."""

    key: str
    openid: str
    account: str

    def act(
        self, message: InboundMessage | None = None, media: tuple[MediaRef, ...] = (),
        reply: str | None = None,
    ) -> Action:
        return Action(self.key, self.openid, self.account, message, media, reply)

    def message(self, **values: Any) -> InboundMessage:
        return InboundMessage(
            channel=CHANNEL, sender_id=self.openid, message_id=self.key,
            metadata={"wechat_account": self.account, VERIFIED_IDENTITY: True}, **values,
        )


def classify(fields: dict[str, str]) -> Action:
    """The action for one callback's fields; :class:`BadMessage` when they are not WeChat's."""
    _required(fields)
    openid, account = fields["FromUserName"], fields["ToUserName"]
    msg_type = fields["MsgType"].lower()
    if msg_type == "event":
        return _event(fields, _From(f"ev:{openid}:{fields['CreateTime']}", openid, account))
    msg_id = fields.get("MsgId", "")
    if not msg_id.isdigit():
        raise BadMessage("MsgId")
    came = _From(msg_id, openid, account)
    if msg_type == "text":
        text = clean_text(fields.get("Content", ""))[:MAX_TEXT_CHARS]
        return came.act(came.message(text=text)) if text else came.act()
    if msg_type in _MEDIA_KINDS:
        media_id = fields.get("MediaId", "")
        if not media_id:
            raise BadMessage("MediaId")
        recognition = clean_text(fields.get("Recognition", ""))[:MAX_TEXT_CHARS] or None
        ref = MediaRef(_MEDIA_KINDS[msg_type], media_id, recognition)
        return came.act(came.message(), media=(ref,))
    if msg_type == "location":
        return came.act(came.message(location=_location(fields)))
    if msg_type == "link":
        text = texts.LINK.format(
            title=clean_text(fields.get("Title", "")),
            description=clean_text(fields.get("Description", "")),
            url=clean_text(fields.get("Url", "")),
        ).strip()[:MAX_TEXT_CHARS]
        return came.act(came.message(text=text))
    return came.act()  # unknown types: acknowledged, nothing else


def _event(fields: dict[str, str], came: _From) -> Action:
    event = fields.get("Event", "").lower()
    event_key = clean_text(fields.get("EventKey", ""))[:128]
    if event == "subscribe":
        if event_key.startswith(SCENE_PREFIX) and len(event_key) > len(SCENE_PREFIX):
            return came.act(came.message(scene=event_key[len(SCENE_PREFIX):]))
        return came.act(reply=texts.WELCOME)
    if event == "scan" and event_key:
        return came.act(came.message(scene=event_key))
    if event == "click" and event_key in texts.MENU_WORDS:
        return came.act(came.message(text=texts.MENU_WORDS[event_key]))
    return came.act()
