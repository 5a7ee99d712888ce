"""Staff accounts and console sessions: create, sign in (rate-limited), look up, log out.

Sessions live in the database (``staff_session``), so every worker of a city deployment
sees the same ones and "log out everywhere" takes effect at once. The cookie holds a
random token; the table keeps only its SHA-256. Expiry slides: each use pushes it
``session_idle`` further, never past ``session_max_age`` after sign-in.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.staff import texts
from bot.staff.errors import AccountDisabled, BadCredentials, LoginLocked, StaffInputError
from bot.staff.models import StaffAccount, StaffLoginThrottle, StaffSession
from bot.staff.passwords import Passwords
from bot.staff.roles import ROLE_LEVELS, Role
from bot.staff.scope import Scope
from bot.tickets.clock import utcnow

if TYPE_CHECKING:
    from bot.config import Settings

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")


@dataclass(frozen=True, slots=True)
class StaffPolicy:
    """Session lifetimes and the sign-in rate limit (from ``MINSHENG_STAFF_*`` settings)."""

    session_idle: timedelta = timedelta(hours=2)
    session_max_age: timedelta = timedelta(hours=12)
    max_failures: int = 5
    failure_window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=15)
    min_password_length: int = 8
    # A session's last_seen_at is written at most this often (not on every request).
    touch_interval: timedelta = timedelta(seconds=60)

    @classmethod
    def from_settings(cls, settings: Settings) -> StaffPolicy:
        return cls(
            session_idle=timedelta(minutes=settings.staff_session_idle_minutes),
            session_max_age=timedelta(hours=settings.staff_session_max_hours),
            max_failures=settings.staff_login_max_failures,
            failure_window=timedelta(minutes=settings.staff_login_window_minutes),
            lockout=timedelta(minutes=settings.staff_login_lockout_minutes),
        )


@dataclass(frozen=True, slots=True)
class StaffIdentity:
    """Who a signed-in staff member is; satisfies :class:`bot.staff.scope.ScopedAccount`."""

    account_id: int
    username: str
    display_name: str
    role: Role
    scope: Scope
    person_code: str | None
    active: bool = True

    @property
    def scope_level(self) -> str:
        return self.scope.level.value

    @property
    def scope_code(self) -> str:
        return self.scope.code

    @classmethod
    def of(cls, row: StaffAccount) -> StaffIdentity:
        assert row.id is not None
        return cls(
            account_id=row.id,
            username=row.username,
            display_name=row.display_name,
            role=Role(row.role),
            scope=Scope.of(row),
            person_code=row.person_code,
            active=row.active,
        )

    def as_json(self) -> dict[str, object]:
        return {
            "username": self.username,
            "display_name": self.display_name,
            "role": self.role.value,
            "role_label": texts.ROLE_LABELS[self.role.value],
            "person_code": self.person_code,
            "scope": self.scope.as_json(),
        }


@dataclass(frozen=True, slots=True)
class ConsoleSession:
    """A live session: whose it is, its CSRF token and when it ends (naive UTC)."""

    session_id: str
    staff: StaffIdentity
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Login:
    """A successful sign-in: the token for the cookie (shown once, never stored) and the
    session it opens."""

    token: str
    session: ConsoleSession


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def normalize_username(username: str) -> str:
    return username.strip().lower()


class StaffService:
    """Staff accounts, sign-in and sessions over one database."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        policy: StaffPolicy | None = None,
        passwords: Passwords | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sessions = sessions
        self.policy = policy or StaffPolicy()
        self.passwords = passwords or Passwords()
        self.clock = clock

    # -- accounts -------------------------------------------------------------------------

    async def create_account(
        self,
        username: str,
        password: str,
        *,
        role: Role | str,
        scope: Scope,
        display_name: str = "",
        person_code: str | None = None,
    ) -> StaffIdentity:
        """Create an account. Raises StaffInputError (Chinese message) when the username is
        malformed or taken, the role cannot sit at the scope's level, or the password is
        too short."""
        name = normalize_username(username)
        if not USERNAME_RE.match(name):
            raise StaffInputError(texts.CLI_BAD_USERNAME.format(username=username))
        role = Role(role)
        if not scope.allows_role(role):
            raise StaffInputError(
                texts.CLI_ROLE_LEVEL.format(
                    role=texts.ROLE_LABELS[role.value],
                    levels="、".join(texts.LEVEL_LABELS[level] for level in sorted(_levels(role))),
                )
            )
        self._check_password(password)
        hashed = await asyncio.to_thread(self.passwords.hash, password)
        row = StaffAccount(
            username=name,
            display_name=display_name.strip(),
            role=role.value,
            scope_level=scope.level.value,
            scope_code=scope.code,
            person_code=person_code or None,
            password_hash=hashed,
            created_at=self.clock(),
        )
        async with self.sessions() as session:
            session.add(row)
            try:
                await session.commit()
            except IntegrityError as exc:
                raise StaffInputError(texts.CLI_USERNAME_TAKEN.format(username=name)) from exc
            await session.refresh(row)
        return StaffIdentity.of(row)

    async def get_account(self, username: str) -> StaffIdentity | None:
        async with self.sessions() as session:
            row = await self._account_by_name(session, username)
        return StaffIdentity.of(row) if row else None

    async def list_accounts(self) -> list[StaffIdentity]:
        async with self.sessions() as session:
            rows = await session.exec(select(StaffAccount).order_by(col(StaffAccount.username)))
            return [StaffIdentity.of(row) for row in rows]

    async def set_active(self, username: str, active: bool) -> StaffIdentity:
        """Enable or disable an account; disabling ends all its sessions."""
        async with self.sessions() as session:
            row = await self._account_by_name(session, username)
            if row is None:
                raise StaffInputError(texts.CLI_NO_SUCH_USER.format(username=username))
            row.active = active
            if not active:
                row.session_epoch += 1
                await session.exec(
                    delete(StaffSession).where(col(StaffSession.account_id) == row.id)
                )
            session.add(row)
            await session.commit()
            await session.refresh(row)
            return StaffIdentity.of(row)

    # -- sign-in --------------------------------------------------------------------------

    async def authenticate(self, username: str, password: str, ip: str | None) -> Login:
        """Check a username and password from client address ``ip`` and open a session.

        Raises:
            LoginLocked: this username or this address failed too often lately (also
                raised by the failure that reaches the limit).
            BadCredentials: unknown username or wrong password.
            AccountDisabled: right password, but the account is switched off.
        """
        now = self.clock()
        name = normalize_username(username)
        keys = [("user", name[:128]), ("ip", (ip or "unknown")[:128])]
        await self._refuse_if_locked(keys, now)
        async with self.sessions() as session:
            row = await self._account_by_name(session, name)
        verdict = await asyncio.to_thread(
            self.passwords.verify, row.password_hash if row else None, password
        )
        if not verdict.ok or row is None:
            locks = [await self._record_failure(kind, key, now) for kind, key in keys]
            until = max((lock for lock in locks if lock is not None), default=None)
            if until is not None:
                raise LoginLocked(until, now)
            raise BadCredentials()
        if not row.active:
            raise AccountDisabled()
        await self._clear_failures("user", name)
        token = secrets.token_urlsafe(32)
        async with self.sessions() as session:
            account = await session.get(StaffAccount, row.id)
            assert account is not None
            if verdict.new_hash is not None:
                account.password_hash = verdict.new_hash
                session.add(account)
            record = StaffSession(
                id=token_hash(token),
                account_id=account.id,
                created_at=now,
                last_seen_at=now,
                expires_at=self._expiry(now, now),
                csrf_token=secrets.token_urlsafe(32),
                epoch=account.session_epoch,
            )
            session.add(record)
            await session.commit()
            return Login(token, self._console_session(record, account))

    async def _refuse_if_locked(self, keys: list[tuple[str, str]], now: datetime) -> None:
        async with self.sessions() as session:
            for kind, key in keys:
                row = await self._throttle(session, kind, key)
                if row is not None and row.locked_until is not None and row.locked_until > now:
                    raise LoginLocked(row.locked_until, now)

    async def _record_failure(self, kind: str, key: str, now: datetime) -> datetime | None:
        """Count one failure; returns the lock's end when this failure locks the key."""
        policy = self.policy
        for attempt in range(3):
            async with self.sessions() as session:
                row = await self._throttle(session, kind, key, for_update=True)
                if row is None:
                    row = StaffLoginThrottle(kind=kind, key=key, failures=0, window_start=now)
                if row.window_start + policy.failure_window <= now or (
                    row.locked_until is not None and row.locked_until <= now
                ):
                    row.failures, row.window_start, row.locked_until = 0, now, None
                row.failures += 1
                locked: datetime | None = None
                if row.failures >= policy.max_failures:
                    locked = row.locked_until = now + policy.lockout
                session.add(row)
                try:
                    await session.commit()
                except IntegrityError:
                    # Another worker inserted the first failure of this key meanwhile.
                    if attempt == 2:
                        raise
                    continue
                return locked
        return None

    async def _clear_failures(self, kind: str, key: str) -> None:
        async with self.sessions() as session:
            await session.exec(
                delete(StaffLoginThrottle).where(
                    col(StaffLoginThrottle.kind) == kind,
                    col(StaffLoginThrottle.key) == key,
                )
            )
            await session.commit()

    # -- sessions -------------------------------------------------------------------------

    async def session_for(self, token: str | None) -> ConsoleSession | None:
        """The live session behind a cookie token, sliding its expiry; None when the token is
        unknown, expired, from an older epoch ("logged out everywhere") or the account is
        disabled (such a row is deleted on the way)."""
        if not token:
            return None
        now = self.clock()
        async with self.sessions() as session:
            record = await session.get(StaffSession, token_hash(token))
            if record is None:
                return None
            account = await session.get(StaffAccount, record.account_id)
            if (
                account is None
                or not account.active
                or record.epoch != account.session_epoch
                or record.expires_at <= now
            ):
                await session.delete(record)
                await session.commit()
                return None
            if now - record.last_seen_at >= self.policy.touch_interval:
                record.last_seen_at = now
                record.expires_at = self._expiry(record.created_at, now)
                session.add(record)
                await session.commit()
            return self._console_session(record, account)

    async def logout(self, token: str | None) -> None:
        """End one session (the one this token opened). Unknown tokens are ignored."""
        if not token:
            return
        async with self.sessions() as session:
            await session.exec(
                delete(StaffSession).where(col(StaffSession.id) == token_hash(token))
            )
            await session.commit()

    async def logout_everywhere(self, account_id: int) -> None:
        """End every session of an account, on every device and worker (epoch bump)."""
        async with self.sessions() as session:
            await self._bump_epoch(session, account_id)
            await session.commit()

    async def logout_everywhere_by_name(self, username: str) -> StaffIdentity:
        found = await self.get_account(username)
        if found is None:
            raise StaffInputError(texts.CLI_NO_SUCH_USER.format(username=username))
        await self.logout_everywhere(found.account_id)
        return found

    async def change_password(
        self, account_id: int, old: str, new: str, *, keep_token: str | None = None
    ) -> None:
        """Change a password after checking the old one. Every other session ends; the one
        of ``keep_token`` (the device making the change) stays signed in."""
        self._check_password(new)
        async with self.sessions() as session:
            account = await session.get(StaffAccount, account_id)
            if account is None:
                raise StaffInputError(texts.OLD_PASSWORD_WRONG)
            stored = account.password_hash
        verdict = await asyncio.to_thread(self.passwords.verify, stored, old)
        if not verdict.ok:
            raise StaffInputError(texts.OLD_PASSWORD_WRONG)
        hashed = await asyncio.to_thread(self.passwords.hash, new)
        async with self.sessions() as session:
            account = await session.get(StaffAccount, account_id)
            assert account is not None
            account.password_hash = hashed
            session.add(account)
            epoch = await self._bump_epoch(session, account_id, keep=keep_token)
            if keep_token:
                await session.exec(
                    update(StaffSession)
                    .where(col(StaffSession.id) == token_hash(keep_token))
                    .values(epoch=epoch)
                )
            await session.commit()

    async def purge(self) -> int:
        """Delete expired sessions and spent rate-limit rows; returns sessions deleted."""
        now = self.clock()
        stale = now - max(self.policy.failure_window, self.policy.lockout)
        async with self.sessions() as session:
            result = await session.exec(
                delete(StaffSession).where(col(StaffSession.expires_at) <= now)
            )
            await session.exec(
                delete(StaffLoginThrottle).where(
                    col(StaffLoginThrottle.window_start) <= stale,
                    (col(StaffLoginThrottle.locked_until).is_(None))
                    | (col(StaffLoginThrottle.locked_until) <= now),
                )
            )
            await session.commit()
            return int(result.rowcount or 0)

    # -- helpers --------------------------------------------------------------------------

    def _expiry(self, created_at: datetime, now: datetime) -> datetime:
        return min(now + self.policy.session_idle, created_at + self.policy.session_max_age)

    def _check_password(self, password: str) -> None:
        if len(password) < self.policy.min_password_length:
            raise StaffInputError(
                texts.PASSWORD_TOO_SHORT.format(min=self.policy.min_password_length)
            )

    @staticmethod
    def _console_session(record: StaffSession, account: StaffAccount) -> ConsoleSession:
        return ConsoleSession(
            session_id=record.id,
            staff=StaffIdentity.of(account),
            csrf_token=record.csrf_token,
            expires_at=record.expires_at,
        )

    @staticmethod
    async def _account_by_name(session: AsyncSession, username: str) -> StaffAccount | None:
        query = select(StaffAccount).where(
            col(StaffAccount.username) == normalize_username(username)
        )
        return (await session.exec(query)).first()

    @staticmethod
    async def _throttle(
        session: AsyncSession, kind: str, key: str, *, for_update: bool = False
    ) -> StaffLoginThrottle | None:
        query = select(StaffLoginThrottle).where(
            col(StaffLoginThrottle.kind) == kind, col(StaffLoginThrottle.key) == key
        )
        if for_update:
            query = query.with_for_update()
        return (await session.exec(query)).first()

    @staticmethod
    async def _bump_epoch(
        session: AsyncSession, account_id: int, *, keep: str | None = None
    ) -> int:
        account = await session.get(StaffAccount, account_id)
        if account is None:
            raise StaffInputError(texts.CLI_NO_SUCH_USER.format(username=account_id))
        account.session_epoch += 1
        session.add(account)
        doomed = delete(StaffSession).where(col(StaffSession.account_id) == account_id)
        if keep:
            doomed = doomed.where(col(StaffSession.id) != token_hash(keep))
        await session.exec(doomed)
        return account.session_epoch


def _levels(role: Role) -> frozenset[str]:
    return frozenset(level.value for level in ROLE_LEVELS[role])
