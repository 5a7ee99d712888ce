"""Session tokens and the rate limiter of the mini-program API (pure, no server)."""

from __future__ import annotations

import pytest

from connectors.miniprogram.session import SessionSigner


def test_a_token_names_its_user_until_it_expires() -> None:
    signer = SessionSigner("s" * 20, lifetime_seconds=3600)
    token, expires = signer.issue("openid-1", now=1_000)
    assert expires == 4_600
    assert signer.verify(token, now=4_599) == "openid-1"
    assert signer.verify(token, now=4_600) is None


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature changed
        lambda t: "eyJvIjoib3RoZXIiLCJlIjo5OTk5OTk5OTk5fQ." + t.split(".")[1],  # payload swapped
        lambda t: t.replace(".", ""),
        lambda t: "",
        lambda t: "x" * 2000,
    ],
)
def test_a_tampered_token_is_refused(mangle) -> None:  # type: ignore[no-untyped-def]
    signer = SessionSigner("s" * 20, lifetime_seconds=3600)
    token, _ = signer.issue("openid-1", now=1_000)
    assert signer.verify(mangle(token), now=1_001) is None


def test_another_secret_does_not_verify() -> None:
    token, _ = SessionSigner("a" * 20, 3600).issue("openid-1", now=0)
    assert SessionSigner("b" * 20, 3600).verify(token, now=1) is None
