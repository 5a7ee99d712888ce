"""The keyboard under a reply: what the resident can tap instead of typing.

- the flow asks for a phone (``ask_phone``/``reask_phone``): a reply keyboard whose first
  button shares the resident's own number (``request_contact``);
- the flow asks where (``ask_address``, ``ask_landmark``, ...): one that sends the current
  location (``request_location``);
- otherwise the flow's buttons (categories, confirm, rating) as an inline keyboard: a tap
  comes back as a callback query carrying the button's payload.

Reply keyboards work in private chats only (Telegram's rule), and hide after one use; the
flow's own buttons ride along on them as plain keys (a key sends its title, the payload of
the flows' buttons). Which question a reply asks is in ``custom["responses"]``, the
response keys the flows used.
"""

from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.messages import OutboundMessage
from connectors.telegram import texts

__all__ = ["callback_data", "markup"]

PHONE_QUESTIONS = frozenset({"ask_phone", "reask_phone", "phone_invalid"})
WHERE_QUESTIONS = frozenset(
    {"ask_address", "reask_address", "ask_landmark", "ask_location_pin", "address_needed",
     "ask_address_for_contacts"}
)
#: Telegram's limit on callback data.
MAX_CALLBACK_BYTES = 64


def callback_data(payload: str, index: int) -> str:
    """The payload itself when it fits Telegram's 64 bytes, else the button's index (the
    title on the keyboard is then read back, see :func:`inbound.callback_payload`)."""
    if payload and len(payload.encode("utf-8")) <= MAX_CALLBACK_BYTES:
        return payload
    return f"#{index}"


def markup(message: OutboundMessage) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | None:
    asked = set(message.custom.get("responses") or ())
    private = message.group_id is None
    request: KeyboardButton | None = None
    if private and asked & PHONE_QUESTIONS:
        request = KeyboardButton(texts.SHARE_PHONE, request_contact=True)
    elif private and asked & WHERE_QUESTIONS:
        request = KeyboardButton(texts.SHARE_LOCATION, request_location=True)
    if request is not None:
        rows = [[request], *([KeyboardButton(b.title)] for b in message.buttons)]
        return ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True)
    if not message.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.title, callback_data=callback_data(b.payload, i))]
         for i, b in enumerate(message.buttons)]
    )
