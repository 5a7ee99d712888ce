"""Typed errors of staff sign-in; each message is the Chinese sentence the staff member reads."""

from __future__ import annotations

from datetime import datetime

from bot.errors import BadInput, MinshengError, RateLimited
from bot.staff import texts
from bot.tickets.clock import local_text


class StaffError(MinshengError):
    code = "staff_error"


class BadCredentials(StaffError):
    """Unknown username or wrong password (deliberately indistinguishable)."""

    code = "bad_credentials"

    def __init__(self) -> None:
        super().__init__(texts.WRONG_CREDENTIALS)


class AccountDisabled(StaffError):
    """The password was right but the account is switched off."""

    code = "account_disabled"

    def __init__(self) -> None:
        super().__init__(texts.ACCOUNT_DISABLED)


class LoginLocked(RateLimited):
    """Too many failures for this username or this client address; ``until`` is naive UTC."""

    code = "login_locked"

    def __init__(self, until: datetime, now: datetime) -> None:
        seconds = max(1.0, (until - now).total_seconds())
        minutes = max(1, round(seconds / 60))
        super().__init__(
            texts.LOCKED.format(until=local_text(until), minutes=minutes), retry_after=seconds
        )
        self.until = until


class StaffInputError(BadInput):
    """An account cannot be created or changed as asked (message in Chinese)."""

    code = "staff_bad_input"
