"""Staff fixtures: a migrated database (SQLite and PostgreSQL), a StaffService on a settable
clock with cheap Argon2 parameters (the real defaults cost ~50 ms a hash), accounts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher

from bot.db import create_engine_for, make_session_factory
from bot.staff import Role, Scope, StaffIdentity, StaffPolicy, StaffService
from bot.staff.passwords import Passwords
from tests.tickets.conftest import Clock, local

PASSWORD = "correct horse 电池"


def cheap_passwords() -> Passwords:
    return Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@dataclass
class StaffWorld:
    service: StaffService
    clock: Clock

    async def add(
        self, username: str, role: Role, scope: str, password: str = PASSWORD
    ) -> StaffIdentity:
        return await self.service.create_account(
            username, password, role=role, scope=Scope.parse(scope), display_name=username
        )


def make_service(sessions, clock: Clock, **policy: object) -> StaffService:  # type: ignore[no-untyped-def]
    return StaffService(
        sessions, policy=StaffPolicy(**policy), passwords=cheap_passwords(), clock=clock  # type: ignore[arg-type]
    )


@pytest.fixture
async def staff_world(database_url: str) -> AsyncIterator[StaffWorld]:
    engine = create_engine_for(database_url)
    clock = Clock(local(2026, 12, 1, 9, 0))
    yield StaffWorld(make_service(make_session_factory(engine), clock), clock)
    await engine.dispose()
