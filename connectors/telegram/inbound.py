"""What a Telegram update means for the gateway.

:func:`classify` turns one :class:`telegram.Update` into an :class:`Action`:

======================  =================================================================
text (and captions)     the resident's words; a ``@bot`` mention is taken out of them
/start CODE             the deep link of a door-plate QR (``t.me/<bot>?start=CODE``): a
                        report starts at that building (``scene``, as web's ``?scene=``)
/start, /help           the welcome
photo, video,           evidence: fetched with getFile into the evidence store (the
video_note, voice,      caption, if any, is what was said)
audio, document
location, venue         a pin: the flows offer the nearest buildings
contact                 the sender's own number (the "share my phone" button)
callback_query          a tap on an inline button: its payload, as if typed; answered with
                        answerCallbackQuery
other updates           nothing to do (edited messages, member changes, polls ...)
======================  =================================================================

Group and supergroup chats become group messages (``group_id`` = the chat id), ``mentioned``
when the bot is @-mentioned, named in a command or replied to: the engine decides, with the
same etiquette as any group chat, whether to answer and what moves to the private chat.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from telegram import CallbackQuery, Message, MessageEntity, Update, User

from bot.messages import VERIFIED_IDENTITY, ChatType, InboundMessage, Location, MediaKind
from connectors.telegram import texts
from connectors.text import clean_text

__all__ = ["CHANNEL", "Action", "Me", "MediaRef", "callback_payload", "classify"]

CHANNEL = "telegram"
MAX_TEXT_CHARS = 2000
#: Telegram's deep-link parameter: up to 64 of A-Z a-z 0-9 _ -.
_START_PARAM = re.compile(r"[A-Za-z0-9_-]{1,64}")
#: The callback data of a button whose payload is over Telegram's 64 bytes: its index.
_INDEX = re.compile(r"#(\d{1,2})")
_GROUPS = frozenset({"group", "supergroup"})


@dataclass(frozen=True, slots=True)
class Me:
    """The bot itself, as getMe describes it (mentions are recognised by these)."""

    id: int
    username: str


@dataclass(frozen=True, slots=True)
class MediaRef:
    """A file to fetch with getFile before the message goes on. ``kind`` None: a document,
    whose kind the bytes decide."""

    kind: MediaKind | None
    file_id: str
    file_size: int | None


@dataclass(frozen=True, slots=True)
class Action:
    """What to do with one update.

    ``message`` goes to the gateway (after ``media`` is fetched); ``reply`` is a fixed
    answer of the connector's own to ``chat_id``; ``callback_id`` is answered first.
    """

    update_id: int
    chat_id: str = ""
    message: InboundMessage | None = None
    media: tuple[MediaRef, ...] = field(default_factory=tuple)
    reply: str | None = None
    callback_id: str | None = None


def _words(text: str) -> str:
    return clean_text(text)[:MAX_TEXT_CHARS]


def _mentions(message: Message, me: Me) -> tuple[bool, str]:
    """Whether the bot is addressed, and the text without the mention."""
    text = message.text or message.caption or ""
    entities = message.entities or message.caption_entities or ()
    mentioned = False
    handle = f"@{me.username}".lower()
    cuts: list[MessageEntity] = []
    for entity in entities:
        part = message.parse_entity(entity) if message.text else message.parse_caption_entity(
            entity
        )
        named = entity.type == MessageEntity.MENTION and part.lower() == handle
        linked = entity.type == MessageEntity.TEXT_MENTION and entity.user is not None and (
            entity.user.id == me.id
        )
        if named or linked:
            mentioned = True
            cuts.append(entity)
        elif entity.type == MessageEntity.BOT_COMMAND and part.lower().endswith(handle):
            mentioned = True
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == me.id:
        mentioned = True
    if cuts:
        # Entity offsets count UTF-16 code units; cut there and decode back.
        data = text.encode("utf-16-le")
        for entity in sorted(cuts, key=lambda e: e.offset, reverse=True):
            start, end = entity.offset * 2, (entity.offset + entity.length) * 2
            data = data[:start] + data[end:]
        text = data.decode("utf-16-le")
    return mentioned, text


def _media(message: Message, limit: int) -> tuple[MediaRef, ...]:
    if message.photo:
        # Sizes come smallest first: the largest one we may keep, else the smallest (which
        # is then refused as too large, and the resident told).
        fitting = [p for p in message.photo if p.file_size is None or p.file_size <= limit]
        best = fitting[-1] if fitting else message.photo[0]
        return (MediaRef(MediaKind.IMAGE, best.file_id, best.file_size),)
    for value, kind in (
        (message.video, MediaKind.VIDEO),
        (message.video_note, MediaKind.VIDEO),
        (message.voice, MediaKind.VOICE),
        (message.audio, MediaKind.VOICE),
        (message.document, None),
    ):
        if value is not None:
            return (MediaRef(kind, value.file_id, value.file_size),)
    return ()


def _location(message: Message) -> Location | None:
    point = message.venue.location if message.venue else message.location
    if point is None:
        return None
    lat, lng = float(point.latitude), float(point.longitude)
    if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180):
        return None
    label = _words(f"{message.venue.title} {message.venue.address}") if message.venue else None
    return Location(lat, lng, label[:200] if label else None)


def _phone(number: str) -> str:
    """A shared number as residents write it: mainland numbers without +86."""
    digits = re.sub(r"\D", "", number)
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits


def classify(update: Update, me: Me, *, media_limit: int) -> Action:
    """The action for one update (anything we do not use is acknowledged and dropped)."""
    if update.callback_query is not None:
        return _callback(update.update_id, update.callback_query)
    message = update.message
    if message is None or message.from_user is None or message.from_user.is_bot:
        return Action(update.update_id)
    sender = message.from_user
    chat_id = str(message.chat.id)
    group = message.chat.type in _GROUPS
    mentioned, text = _mentions(message, me) if group else (False, message.text or message.caption
                                                                or "")
    text = _words(text)
    values: dict[str, object] = {}
    if text.startswith("/"):
        command, _, rest = text.partition(" ")
        name = command[1:].split("@", 1)[0].lower()
        if name in ("start", "help"):
            param = rest.strip()
            if name == "start" and _START_PARAM.fullmatch(param) and not group:
                values["scene"] = param
                text = ""
            else:
                return Action(update.update_id, chat_id, reply=texts.WELCOME)
        else:
            text = rest.strip()  # an unknown command: its words, if any, are the message
    if message.contact is not None:
        if message.contact.user_id != sender.id:
            return Action(update.update_id, chat_id, reply=texts.NOT_YOUR_CONTACT)
        values["phone"] = _phone(message.contact.phone_number)
        text = text or str(values["phone"])
    location = _location(message)
    media = _media(message, media_limit)
    if group and not mentioned:
        # Neighbours' photos and pins in a group are not evidence for us unless the bot is
        # asked: nothing is downloaded; their words still reach the engine, which acts on a
        # confident demand only.
        location, media = None, ()
    if not (text or values or location or media):
        return Action(update.update_id, chat_id)
    inbound = InboundMessage(
        channel=CHANNEL,
        sender_id=str(sender.id),
        text=text,
        message_id=f"u{update.update_id}",
        chat_type=ChatType.GROUP if group else ChatType.PRIVATE,
        group_id=chat_id if group else None,
        mentioned=mentioned,
        location=location,
        metadata={"telegram_chat": chat_id, VERIFIED_IDENTITY: True},
        **values,  # type: ignore[arg-type]
    )
    return Action(update.update_id, chat_id, message=inbound, media=media)


def callback_payload(query: CallbackQuery) -> str:
    """The payload of the tapped button: its callback data, or (for a payload too long for
    Telegram's 64 bytes, sent as its index) the title on the keyboard."""
    data = query.data or ""
    found = _INDEX.fullmatch(data)
    markup = query.message.reply_markup if isinstance(query.message, Message) else None
    if found is not None and markup is not None:
        rows = markup.inline_keyboard
        buttons = [button for row in rows for button in row]
        index = int(found.group(1))
        if index < len(buttons) and buttons[index].callback_data == data:
            return str(buttons[index].text)
    return data


def _callback(update_id: int, query: CallbackQuery) -> Action:
    user: User = query.from_user
    payload = _words(callback_payload(query))
    chat = query.message.chat if query.message is not None else None
    if not payload or user.is_bot:
        return Action(update_id, callback_id=query.id)
    # A tap in a group is that resident's answer in the group's conversation with them.
    group = chat is not None and chat.type in _GROUPS
    chat_id = str(chat.id) if chat is not None else str(user.id)
    inbound = InboundMessage(
        channel=CHANNEL,
        sender_id=str(user.id),
        text=payload,
        message_id=f"u{update_id}",
        chat_type=ChatType.GROUP if group else ChatType.PRIVATE,
        group_id=chat_id if group else None,
        mentioned=group,
        metadata={"telegram_chat": chat_id, VERIFIED_IDENTITY: True},
    )
    return Action(update_id, chat_id, message=inbound, callback_id=query.id)

#: The update kinds we ask Telegram for (setWebhook and getUpdates).
ALLOWED_UPDATES = ("message", "callback_query")
