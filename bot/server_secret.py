"""The server's signing secret: from the settings, or generated once and kept in ``var/``.

Everything the gateway signs or keys with a secret (web residents' session tokens, the
hashed client fingerprints) derives its key from this one secret with a purpose label, so
a key for one purpose never verifies another. Workers sharing ``var_dir`` share the
generated file; a deployment spread over hosts sets ``MINSHENG_SECRET_KEY``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from bot.errors import ConfigError

__all__ = ["derive_key", "load_secret"]

SECRET_FILE = "secret_key"
_MIN_CHARS = 16


def load_secret(configured: str, var_dir: Path) -> bytes:
    """The configured secret, or the one generated into ``var_dir`` (created on first use).

    Raises:
        ConfigError: the configured secret is too short to be one.
    """
    if configured:
        if len(configured) < _MIN_CHARS:
            raise ConfigError(f"MINSHENG_SECRET_KEY must be at least {_MIN_CHARS} characters")
        return configured.encode("utf-8")
    path = var_dir / SECRET_FILE
    var_dir.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two workers starting together create it once; the loser reads the winner's.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        value = path.read_text(encoding="ascii").strip()
        if len(value) >= _MIN_CHARS:
            return value.encode("ascii")
        # An empty file is a creator that died mid-write (or is still writing): replace it.
        value = secrets.token_urlsafe(32)
        path.write_text(value, encoding="ascii")
        return value.encode("ascii")
    value = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value)
    return value.encode("ascii")


def derive_key(secret: bytes, purpose: str) -> bytes:
    """A sub-key for one purpose (``"web-session"``, ``"client-key"`` ...)."""
    return hmac.new(secret, f"minsheng:{purpose}".encode(), hashlib.sha256).digest()
