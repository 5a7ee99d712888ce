"""The local media store behind the MediaStore interface."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.media import LocalMediaStore, MediaStore, content_type_of, key_from_url
from bot.messages import MediaKind


async def test_save_open_exists_delete(tmp_path: Path) -> None:
    store = LocalMediaStore(tmp_path / "uploads")
    assert isinstance(store, MediaStore)
    stored = await store.save(b"\xff\xd8\xffdata", MediaKind.IMAGE, "image/jpeg")
    assert stored.key.endswith(".jpg") and stored.url == f"/uploads/{stored.key}"
    assert key_from_url(stored.url) == stored.key and content_type_of(stored.key) == "image/jpeg"
    assert await store.exists(stored.key)
    assert await store.open(stored.key) == b"\xff\xd8\xffdata"
    await store.delete(stored.key)
    assert not await store.exists(stored.key) and await store.open(stored.key) is None


async def test_only_keys_it_gives_reach_the_disk(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("x")
    store = LocalMediaStore(tmp_path / "uploads")
    assert await store.open("../secret.txt") is None
    assert not await store.exists("../secret.txt")
    with pytest.raises(ValueError):
        await store.save(b"MZ", MediaKind.FILE, "application/x-msdownload")
