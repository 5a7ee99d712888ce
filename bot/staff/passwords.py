"""Password hashing: Argon2id through argon2-cffi, with rehash-on-login.

The parameters are argon2-cffi's defaults (RFC 9106 "low memory" profile) unless a caller
passes its own hasher; when they change, :meth:`Passwords.verify` says the stored hash
should be replaced, and :class:`~bot.staff.service.StaffService` does so at the next login.
Hashing is CPU-bound (tens of milliseconds): async callers run it in a thread.
"""

from __future__ import annotations

import functools
from contextlib import suppress
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


@dataclass(frozen=True, slots=True)
class Verified:
    """Outcome of a check: whether the password matched, and a new hash when the stored
    one was made with outdated parameters (None otherwise)."""

    ok: bool
    new_hash: str | None = None


class Passwords:
    """Hash and verify staff passwords."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self.hasher = hasher or PasswordHasher()

    @functools.cached_property
    def _dummy(self) -> str:
        # Verified against when the username is unknown, so that a miss costs as much
        # time as a wrong password and does not reveal which usernames exist. Made on the
        # first miss, not at start-up: a hash costs as much as a login.
        return self.hasher.hash("minsheng-no-such-account")

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> Verified:
        if stored_hash is None:
            self._burn(password)
            return Verified(False)
        try:
            self.hasher.verify(stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return Verified(False)
        if self.hasher.check_needs_rehash(stored_hash):
            return Verified(True, self.hasher.hash(password))
        return Verified(True)

    def _burn(self, password: str) -> None:
        with suppress(VerificationError):
            self.hasher.verify(self._dummy, password + "\x00")
