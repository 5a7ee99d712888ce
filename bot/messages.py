"""Channel-neutral message types.

A connector turns a platform's request into one :class:`InboundMessage` and turns each
:class:`OutboundMessage` back into the platform's format. Nothing past the connector knows
which platform a message came from except through ``channel`` (used to route pushes back).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

#: Metadata a connector sets on an :class:`InboundMessage` to say who is plausibly behind it
#: (read with :func:`client_key_of` / :func:`is_verified`):
#: ``client_key``: a keyed hash of the client (IP address, web session, device) — never the
#: raw address — so reports from one client count once (``Gateway.client_key`` makes it);
#: ``verified_identity``: True when the platform vouches for the person (a bound phone, a
#: WeChat openid, a Telegram account); anonymous web senders leave it unset.
CLIENT_KEY = "client_key"
VERIFIED_IDENTITY = "verified_identity"


class ChatType(StrEnum):
    PRIVATE = "private"
    GROUP = "group"


class MediaKind(StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    VOICE = "voice"
    FILE = "file"


@dataclass(frozen=True, slots=True)
class Location:
    lat: float
    lng: float
    label: str | None = None


@dataclass(frozen=True, slots=True)
class Attachment:
    """Evidence sent by a resident: stored first, referenced here by URL or storage key."""

    kind: MediaKind
    url: str
    content_type: str | None = None
    size: int | None = None
    # Speech-to-text the platform already did for a voice message (WeChat "Recognition").
    recognized_text: str | None = None


@dataclass(frozen=True, slots=True)
class Button:
    """A quick reply. ``payload`` is what comes back as text when the resident taps it."""

    title: str
    payload: str


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One thing a resident said or sent, on any channel."""

    channel: str
    sender_id: str
    text: str = ""
    message_id: str | None = None
    chat_type: ChatType = ChatType.PRIVATE
    group_id: str | None = None
    mentioned: bool = False
    scene: str | None = None
    phone: str | None = None
    location: Location | None = None
    attachments: tuple[Attachment, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def said(self) -> str:
        """What the resident said: the text, or the platform's transcript of a voice message.

        The one definition the engine (what the NLU parses) and the flows (what a step
        reads) share; stripped, ``""`` for a photo, location or scan without words.
        """
        text = self.text.strip()
        if text:
            return text
        for attachment in self.attachments:
            if attachment.kind is MediaKind.VOICE and attachment.recognized_text:
                heard = attachment.recognized_text.strip()
                if heard:
                    return heard
        return ""

    @property
    def conversation_id(self) -> str:
        """Dialogue state is kept per channel, per chat (a group shares nothing with DMs)."""
        if self.chat_type is ChatType.GROUP and self.group_id:
            return f"{self.channel}:group:{self.group_id}:{self.sender_id}"
        return f"{self.channel}:{self.sender_id}"


def client_key_of(message: InboundMessage) -> str | None:
    value = message.metadata.get(CLIENT_KEY)
    return value if isinstance(value, str) and value else None


def is_verified(message: InboundMessage) -> bool:
    return message.metadata.get(VERIFIED_IDENTITY) is True


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """One reply or push to a resident (or a group)."""

    recipient_id: str
    text: str = ""
    buttons: tuple[Button, ...] = ()
    image: str | None = None
    # A link the channel may render as a card, e.g. to continue privately.
    link: str | None = None
    # Set when the message must go to a group rather than to the recipient privately.
    group_id: str | None = None
    custom: dict[str, Any] = field(default_factory=dict)

    def as_plain_text(self) -> str:
        """Buttons fall back to numbered text on channels without quick replies."""
        if not self.buttons:
            return self.text
        options = "\n".join(f"{i}. {b.title}" for i, b in enumerate(self.buttons, start=1))
        return f"{self.text}\n{options}" if self.text else options


def outbound_to_dict(message: OutboundMessage) -> dict[str, Any]:
    """JSON form used for cached replies and the web inbox (Rasa's REST reply shape + extras)."""
    data: dict[str, Any] = {"recipient_id": message.recipient_id, "text": message.text}
    if message.buttons:
        data["buttons"] = [{"title": b.title, "payload": b.payload} for b in message.buttons]
    if message.image:
        data["image"] = message.image
    if message.link:
        data["link"] = message.link
    if message.group_id:
        data["group_id"] = message.group_id
    if message.custom:
        data["custom"] = message.custom
    return data


def outbound_from_dict(data: dict[str, Any]) -> OutboundMessage:
    return OutboundMessage(
        recipient_id=str(data["recipient_id"]),
        text=str(data.get("text") or ""),
        buttons=tuple(Button(str(b["title"]), str(b["payload"])) for b in data.get("buttons", ())),
        image=data.get("image"),
        link=data.get("link"),
        group_id=data.get("group_id"),
        custom=dict(data.get("custom") or {}),
    )
