"""Address codes and the many wrappers a building code arrives in.

One building code must survive every channel's QR or deep-link format:

* door-plate URL ``https://host/b/CODE`` (and the chat page ``/?scene=CODE``)
* WeChat parametric QR ``scene_str``: the subscribe event's EventKey is ``qrscene_CODE``,
  a scan by a follower carries the bare ``CODE``
* Telegram deep link ``https://t.me/<bot>?start=CODE`` -> the message ``/start CODE``
  (Telegram allows only ``A-Za-z0-9_-``, at most 64 characters)
* mini-program ``scene`` (at most 32 characters, URL-encoded), which we write as ``b_CODE``
  so other scene kinds can be added later

So a code is 4..32 characters of ``A-Za-z0-9_-`` starting with a letter or digit and
containing at least one digit (which keeps words such as ``start`` from passing as codes).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlsplit

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
BUILDING_CODE_RE = re.compile(r"^(?=.*[0-9])[A-Za-z0-9][A-Za-z0-9_-]{3,31}$")
PERSON_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
#: A channel name as connectors register it: ``wecom``, ``miniprogram``, ``telegram``.
CHANNEL_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")

_PREFIXES = ("qrscene_", "b_", "b-", "b=", "b:", "scene=", "scene_", "building=", "code=")


def is_code(value: str) -> bool:
    """A syntactically valid area or building code."""
    return bool(CODE_RE.match(value))


def parse_scene(value: str | None) -> str | None:
    """The building code carried by a QR scene, deep link or URL, or None.

    Accepts ``CODE``, ``qrscene_CODE``, ``/start CODE``, ``/start b_CODE``, ``b_CODE``,
    ``scene=CODE``, ``https://host/b/CODE``, ``https://host/?scene=CODE`` and URL-encoded
    forms of these. Whether the code exists is the address book's business, not this one's.
    """
    if not value:
        return None
    text = unquote(value.strip())
    if not text:
        return None
    if "://" in text or text.startswith("/b/") or text.startswith("/?"):
        return _from_url(text)
    if text.startswith("/start"):
        parts = text.split(maxsplit=1)
        if parts[0] not in {"/start"} and not parts[0].startswith("/start@"):
            return None
        if len(parts) < 2:
            return None
        text = parts[1].strip()
    return _strip_prefix(text)


def _strip_prefix(text: str) -> str | None:
    lowered = text.lower()
    for prefix in _PREFIXES:
        if lowered.startswith(prefix):
            text = text[len(prefix):]
            break
    return text if BUILDING_CODE_RE.match(text) else None


def _from_url(text: str) -> str | None:
    parts = urlsplit(text)
    query = parse_qs(parts.query)
    for key in ("scene", "start", "code", "b"):
        if query.get(key):
            return parse_scene(query[key][0])
    segments = [segment for segment in parts.path.split("/") if segment]
    if len(segments) >= 2 and segments[-2] == "b":
        return _strip_prefix(segments[-1])
    return None


def wechat_scene_str(code: str) -> str:
    """``scene_str`` for WeChat's parametric QR API (the EventKey comes back with or
    without the ``qrscene_`` prefix; :func:`parse_scene` takes both)."""
    return code


def telegram_deep_link(bot_username: str, code: str) -> str:
    """``https://t.me/<bot>?start=CODE``: Telegram sends ``/start CODE`` on the first tap."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={code}"


def miniprogram_scene(code: str) -> str:
    """The mini-program code's ``scene`` (32 characters at most)."""
    scene = f"b_{code}"
    if len(scene) > 32:
        raise ValueError(f"building code {code!r} is too long for a mini-program scene")
    return scene
