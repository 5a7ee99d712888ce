"""Evidence uploads: sniff the real type from the bytes, never trust the declared one."""

from __future__ import annotations

from dataclasses import dataclass

from bot.messages import MediaKind


@dataclass(frozen=True, slots=True)
class SniffedType:
    kind: MediaKind
    content_type: str
    extension: str


def sniff(head: bytes) -> SniffedType | None:
    """The media type of a file from its first bytes, or None when we do not accept it."""
    if head.startswith(b"\xff\xd8\xff"):
        return SniffedType(MediaKind.IMAGE, "image/jpeg", "jpg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return SniffedType(MediaKind.IMAGE, "image/png", "png")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return SniffedType(MediaKind.IMAGE, "image/gif", "gif")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return SniffedType(MediaKind.IMAGE, "image/webp", "webp")
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand.startswith(b"M4A"):
            return SniffedType(MediaKind.VOICE, "audio/mp4", "m4a")
        if brand in (b"heic", b"heix", b"mif1"):
            return SniffedType(MediaKind.IMAGE, "image/heic", "heic")
        return SniffedType(MediaKind.VIDEO, "video/mp4", "mp4")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return SniffedType(MediaKind.VIDEO, "video/webm", "webm")
    if head.startswith(b"#!AMR"):
        return SniffedType(MediaKind.VOICE, "audio/amr", "amr")
    if head.startswith(b"OggS"):
        return SniffedType(MediaKind.VOICE, "audio/ogg", "ogg")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return SniffedType(MediaKind.VOICE, "audio/wav", "wav")
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return SniffedType(MediaKind.VOICE, "audio/mpeg", "mp3")
    return None
