"""Argon2id hashing through argon2-cffi; stale parameters are upgraded at the next check."""

from __future__ import annotations

from argon2 import PasswordHasher

from bot.staff.passwords import Passwords
from tests.staff.conftest import cheap_passwords


def test_hash_is_argon2id_salted_and_verifies() -> None:
    passwords = cheap_passwords()
    first, second = passwords.hash("s3cret-密码"), passwords.hash("s3cret-密码")
    assert first.startswith("$argon2id$") and first != second
    assert passwords.verify(first, "s3cret-密码").ok
    assert passwords.verify(first, "s3cret-密码").new_hash is None
    assert not passwords.verify(first, "s3cret-密").ok
    assert not passwords.verify("not a hash", "s3cret-密码").ok
    assert not passwords.verify(None, "anything").ok


def test_changed_parameters_ask_for_a_rehash() -> None:
    old = cheap_passwords().hash("s3cret-密码")
    stronger = Passwords(PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1))
    verdict = stronger.verify(old, "s3cret-密码")
    assert verdict.ok and verdict.new_hash is not None
    assert "m=2048,t=2" in verdict.new_hash
    assert stronger.verify(verdict.new_hash, "s3cret-密码").new_hash is None


def test_default_parameters_are_the_library_defaults() -> None:
    assert Passwords().hash("x" * 8).startswith("$argon2id$v=19$m=65536,t=3,p=4$")
