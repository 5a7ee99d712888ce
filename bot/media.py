"""Where residents' evidence (photos, videos, voice) is kept: one storage interface.

Connectors store uploads and check attachments through :class:`MediaStore`, never through
the local disk, so several workers (or hosts) can share one store. :class:`LocalMediaStore`
keeps files in ``settings.upload_dir`` (the embedded default); an object-store
implementation only has to answer the same five calls.

A *key* is the stored name (``<32 hex>.<extension>``); its public address is
``/uploads/<key>``.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from bot.messages import MediaKind

__all__ = [
    "EXTENSIONS",
    "UPLOAD_PREFIX",
    "LocalMediaStore",
    "MediaStore",
    "StoredMedia",
    "content_type_of",
    "key_from_url",
]

UPLOAD_PREFIX = "/uploads/"
SAFE_KEY = re.compile(r"^[0-9a-f]{32}\.[a-z0-9]{2,5}$")

#: The stored extension of each accepted content type (what the upload sniffer reports).
EXTENSIONS: dict[str, str] = {
    "image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp",
    "image/heic": "heic", "video/mp4": "mp4", "video/webm": "webm", "audio/mp4": "m4a",
    "audio/amr": "amr", "audio/ogg": "ogg", "audio/wav": "wav", "audio/mpeg": "mp3",
    "audio/webm": "weba",
}
_CONTENT_TYPES = {extension: content_type for content_type, extension in EXTENSIONS.items()}


@dataclass(frozen=True, slots=True)
class StoredMedia:
    key: str
    url: str
    kind: MediaKind
    content_type: str
    size: int


def key_from_url(url: str) -> str | None:
    """The key of one of our uploads from its address, or None for another address."""
    if not url.startswith(UPLOAD_PREFIX):
        return None
    return url[len(UPLOAD_PREFIX):]


def content_type_of(key: str) -> str:
    return _CONTENT_TYPES.get(key.rsplit(".", 1)[-1], "application/octet-stream")


@runtime_checkable
class MediaStore(Protocol):
    """Stores evidence files by key."""

    async def save(self, data: bytes, kind: MediaKind, content_type: str) -> StoredMedia:
        """Store ``data`` under a new key. Raises ValueError for a content type we refuse."""

    async def open(self, key: str) -> bytes | None:
        """The stored bytes, or None when there is no such (well-formed) key."""

    async def exists(self, key: str) -> bool: ...

    async def delete(self, key: str) -> None: ...


class LocalMediaStore:
    """Files in one folder (``settings.upload_dir``); file I/O runs off the event loop."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, key: str) -> Path | None:
        # Only names we give: nothing like "../../etc/passwd" ever reaches the file system.
        return self.folder / key if SAFE_KEY.match(key) else None

    async def save(self, data: bytes, kind: MediaKind, content_type: str) -> StoredMedia:
        extension = EXTENSIONS.get(content_type)
        if extension is None:
            raise ValueError(f"unsupported content type {content_type!r}")
        key = f"{uuid.uuid4().hex}.{extension}"
        path = self.folder / key

        def write() -> None:
            self.folder.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)

        await asyncio.to_thread(write)
        return StoredMedia(key, UPLOAD_PREFIX + key, kind, content_type, len(data))

    async def open(self, key: str) -> bytes | None:
        path = self._path(key)
        if path is None:
            return None
        try:
            return await asyncio.to_thread(path.read_bytes)
        except (FileNotFoundError, IsADirectoryError):
            return None

    async def exists(self, key: str) -> bool:
        path = self._path(key)
        return path is not None and await asyncio.to_thread(path.is_file)

    async def delete(self, key: str) -> None:
        path = self._path(key)
        if path is not None:
            await asyncio.to_thread(path.unlink, True)
