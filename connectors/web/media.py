"""Evidence uploads: sniff the real type from the bytes, never trust the declared one.

WebM and MP4 are containers for both video and sound: a browser's voice recording
(MediaRecorder: WebM/Opus in Chromium and Firefox, MP4/AAC in Safari) is told from a video
by the tracks its header declares, so it is filed as a voice message, not a silent video.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.messages import MediaKind


@dataclass(frozen=True, slots=True)
class SniffedType:
    kind: MediaKind
    content_type: str
    extension: str


#: How many leading bytes :func:`sniff` wants: enough for a recording's track header.
SNIFF_BYTES = 4096

# Matroska CodecID element (0x86, a one-byte size, then "V_VP8", "A_OPUS" ...).
_WEBM_VIDEO_CODEC = re.compile(rb"\x86[\x81-\xff]V_")
_WEBM_AUDIO_CODEC = re.compile(rb"\x86[\x81-\xff]A_")
# An MP4 handler box: "hdlr", version and flags, pre_defined, then the track's kind.
_MP4_VIDEO_TRACK = re.compile(rb"hdlr.{8}vide", re.DOTALL)
_MP4_SOUND_TRACK = re.compile(rb"hdlr.{8}soun", re.DOTALL)


def _sound_only(head: bytes, video: re.Pattern[bytes], sound: re.Pattern[bytes]) -> bool:
    return sound.search(head) is not None and video.search(head) is None


def sniff(head: bytes) -> SniffedType | None:
    """The media type of a file from its first bytes (up to :data:`SNIFF_BYTES`), or None
    when we do not accept it."""
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
        if brand.startswith(b"M4A") or _sound_only(head, _MP4_VIDEO_TRACK, _MP4_SOUND_TRACK):
            return SniffedType(MediaKind.VOICE, "audio/mp4", "m4a")
        if brand in (b"heic", b"heix", b"mif1"):
            return SniffedType(MediaKind.IMAGE, "image/heic", "heic")
        return SniffedType(MediaKind.VIDEO, "video/mp4", "mp4")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        if _sound_only(head, _WEBM_VIDEO_CODEC, _WEBM_AUDIO_CODEC):
            return SniffedType(MediaKind.VOICE, "audio/webm", "weba")
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
