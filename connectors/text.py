"""Text helpers every connector applies to what a platform hands over.

PostgreSQL refuses NUL bytes and UTF-8 refuses lone surrogates: either would fail much later,
when a ticket is filed, so connectors clean text where it enters. Group chats write
``@社区小助手`` mentions that name the bot and are not the resident's words.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["clean_text", "has_unstorable", "without_mentions"]


def clean_text(text: str) -> str:
    """Text without control characters (newlines and tabs stay, NUL goes) and lone
    surrogates, stripped."""
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category == "Cs" or (category == "Cc" and char not in "\n\t"):
            continue
        kept.append(char)
    return "".join(kept).strip()


def has_unstorable(text: str) -> bool:
    """True when ``text`` holds a NUL or a lone surrogate: neither can be stored (PostgreSQL
    refuses NUL, UTF-8 refuses surrogates) and no keyboard types them, so a caller sending
    one is refused rather than silently corrected."""
    return any(char == "\x00" or "\ud800" <= char <= "\udfff" for char in text)


# "@社区小助手 " as group chats write an @-mention: at the start or after a space, and
# followed by a space (WeChat uses U+2005) or the end of the message.
_MENTION = re.compile(r"(?:^|(?<=[\s\u2005]))@[^\s\u2005@]{1,20}(?:[\s\u2005]+|$)")


def without_mentions(text: str) -> str:
    """The message without @-mentions: they name the bot, they are not the resident's words
    (and "@小助手" must not end up in a ticket's description). A bare mention stays."""
    stripped = _MENTION.sub("", text).strip()
    return stripped or text
