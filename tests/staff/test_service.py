"""StaffService on SQLite and PostgreSQL: accounts, sign-in, the rate limit per username and
per client address, sliding session expiry, logout, logout everywhere, password change."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.staff import (
    AccountDisabled,
    BadCredentials,
    LoginLocked,
    Role,
    Scope,
    StaffInputError,
)
from bot.staff.models import StaffAccount
from bot.staff.passwords import Passwords
from bot.staff.service import StaffService
from tests.staff.conftest import PASSWORD, StaffWorld

IP = "10.0.0.7"


async def test_create_and_sign_in(staff_world: StaffWorld) -> None:
    made = await staff_world.add("Li.Shuji", Role.SECRETARY, "community:370399001001")
    assert made.username == "li.shuji"  # usernames are case-insensitive
    login = await staff_world.service.authenticate("LI.SHUJI", PASSWORD, IP)
    assert len(login.token) >= 40
    assert login.session.staff.role is Role.SECRETARY
    assert login.session.staff.scope == Scope.parse("community:370399001001")
    idle = staff_world.service.policy.session_idle
    assert login.session.expires_at == staff_world.clock.now + idle
    found = await staff_world.service.session_for(login.token)
    assert found is not None and found.staff.username == "li.shuji"
    assert found.csrf_token == login.session.csrf_token
    assert await staff_world.service.session_for("forged-token") is None


async def test_accounts_are_validated(staff_world: StaffWorld) -> None:
    await staff_world.add("wang", Role.GRID_WORKER, "grid:370399001001W01")
    with pytest.raises(StaffInputError, match="已存在"):
        await staff_world.add("WANG", Role.GRID_WORKER, "grid:370399001001W01")
    with pytest.raises(StaffInputError, match="只能绑定"):
        await staff_world.add("zhao", Role.GRID_WORKER, "street:370399001")
    with pytest.raises(StaffInputError, match="至少需要 8"):
        await staff_world.add("qian", Role.ADMIN, "district:370399", password="short")
    with pytest.raises(StaffInputError, match="不合规"):
        await staff_world.add("有 空格", Role.ADMIN, "district:370399")


async def test_wrong_password_and_unknown_user_read_the_same(staff_world: StaffWorld) -> None:
    await staff_world.add("wang", Role.GRID_WORKER, "grid:370399001001W01")
    with pytest.raises(BadCredentials) as wrong:
        await staff_world.service.authenticate("wang", "not the password", IP)
    with pytest.raises(BadCredentials) as unknown:
        await staff_world.service.authenticate("nobody", PASSWORD, IP)
    assert str(wrong.value) == str(unknown.value) == "用户名或密码不正确，请重新输入。"


async def test_five_failures_lock_the_username_for_fifteen_minutes(
    staff_world: StaffWorld,
) -> None:
    service, clock = staff_world.service, staff_world.clock
    await staff_world.add("wang", Role.GRID_WORKER, "grid:370399001001W01")
    for attempt in range(4):
        with pytest.raises(BadCredentials):
            # A new address each time: this is the per-username limit.
            await service.authenticate("wang", "guess", f"10.0.1.{attempt}")
        clock.advance(minutes=1)
    with pytest.raises(LoginLocked) as locked:
        await service.authenticate("wang", "guess", "10.0.1.9")
    assert "登录失败次数过多" in str(locked.value) and "15 分钟" in str(locked.value)
    assert locked.value.retry_after == 15 * 60
    # Even the right password is refused while locked, from anywhere.
    clock.advance(minutes=14)
    with pytest.raises(LoginLocked) as still:
        await service.authenticate("wang", PASSWORD, "192.168.5.5")
    assert still.value.retry_after == 60
    clock.advance(minutes=1)
    assert (await service.authenticate("wang", PASSWORD, "192.168.5.5")).token


async def test_failures_outside_the_window_do_not_add_up(staff_world: StaffWorld) -> None:
    service, clock = staff_world.service, staff_world.clock
    await staff_world.add("wang", Role.GRID_WORKER, "grid:370399001001W01")
    for _ in range(4):
        with pytest.raises(BadCredentials):
            await service.authenticate("wang", "guess", IP)
    clock.advance(minutes=16)
    for _ in range(4):
        with pytest.raises(BadCredentials):
            await service.authenticate("wang", "guess", "10.9.9.9")
    assert (await service.authenticate("wang", PASSWORD, "10.9.9.8")).token


async def test_success_clears_the_username_count(staff_world: StaffWorld) -> None:
    service = staff_world.service
    await staff_world.add("wang", Role.GRID_WORKER, "grid:370399001001W01")
    for round_ in range(2):
        for attempt in range(4):
            with pytest.raises(BadCredentials):
                await service.authenticate("wang", "guess", f"10.{round_}.0.{attempt}")
        await service.authenticate("wang", PASSWORD, f"10.{round_}.1.1")


async def test_one_address_trying_many_usernames_is_locked(staff_world: StaffWorld) -> None:
    service = staff_world.service
    await staff_world.add("wang", Role.GRID_WORKER, "grid:370399001001W01")
    for name in ("a1", "a2", "a3", "a4"):
        with pytest.raises(BadCredentials):
            await service.authenticate(name, "guess", IP)
    with pytest.raises(LoginLocked):
        await service.authenticate("a5", "guess", IP)
    # The address stays locked for a real account too; another address is unaffected.
    with pytest.raises(LoginLocked):
        await service.authenticate("wang", PASSWORD, IP)
    assert (await service.authenticate("wang", PASSWORD, "10.0.0.8")).token


async def test_rehash_on_login_when_parameters_change(staff_world: StaffWorld) -> None:
    from argon2 import PasswordHasher

    await staff_world.add("wang", Role.GRID_WORKER, "grid:370399001001W01")
    stronger = StaffService(
        staff_world.service.sessions,
        passwords=Passwords(PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)),
        clock=staff_world.clock,
    )
    await stronger.authenticate("wang", PASSWORD, IP)
    async with staff_world.service.sessions() as session:
        row = (await session.exec(select(StaffAccount))).one()
    assert "m=2048,t=2" in row.password_hash
    assert (await staff_world.service.authenticate("wang", PASSWORD, IP)).token


async def test_sessions_slide_but_not_past_the_cap(staff_world: StaffWorld) -> None:
    service, clock = staff_world.service, staff_world.clock
    await staff_world.add("wang", Role.GRID_WORKER, "grid:370399001001W01")
    login = await service.authenticate("wang", PASSWORD, IP)
    # Used every 100 minutes (idle limit 120): alive until the 12-hour cap.
    for _ in range(7):
        clock.advance(minutes=100)
        assert await service.session_for(login.token) is not None
    clock.advance(minutes=100)  # 13h20 after sign-in
    assert await service.session_for(login.token) is None
    # Idle too long: gone, and stays gone.
    other = await service.authenticate("wang", PASSWORD, IP)
    clock.advance(minutes=121)
    assert await service.session_for(other.token) is None
    clock.advance(minutes=-60)
    assert await service.session_for(other.token) is None


async def test_logout_ends_one_session_logout_all_every(staff_world: StaffWorld) -> None:
    service = staff_world.service
    wang = await staff_world.add("wang", Role.GRID_WORKER, "grid:370399001001W01")
    await staff_world.add("li", Role.SECRETARY, "community:370399001001")
    phone, laptop, tablet = [await service.authenticate("wang", PASSWORD, IP) for _ in range(3)]
    li = await service.authenticate("li", PASSWORD, IP)
    await service.logout(phone.token)
    assert await service.session_for(phone.token) is None
    assert await service.session_for(laptop.token) is not None
    await service.logout_everywhere(wang.account_id)
    assert await service.session_for(laptop.token) is None
    assert await service.session_for(tablet.token) is None
    assert await service.session_for(li.token) is not None
    # Signing in again works and is not affected by the old epoch.
    assert await service.session_for(
        (await service.authenticate("wang", PASSWORD, IP)).token
    ) is not None


async def test_change_password_keeps_this_device_only(staff_world: StaffWorld) -> None:
    service = staff_world.service
    wang = await staff_world.add("wang", Role.GRID_WORKER, "grid:370399001001W01")
    here, there = [await service.authenticate("wang", PASSWORD, IP) for _ in range(2)]
    with pytest.raises(StaffInputError, match="原密码不正确"):
        await service.change_password(wang.account_id, "wrong", "new password 1")
    await service.change_password(
        wang.account_id, PASSWORD, "new password 1", keep_token=here.token
    )
    assert await service.session_for(here.token) is not None
    assert await service.session_for(there.token) is None
    with pytest.raises(BadCredentials):
        await service.authenticate("wang", PASSWORD, IP)
    assert (await service.authenticate("wang", "new password 1", IP)).token


async def test_disabled_account_cannot_sign_in_and_loses_sessions(
    staff_world: StaffWorld,
) -> None:
    service = staff_world.service
    await staff_world.add("wang", Role.GRID_WORKER, "grid:370399001001W01")
    login = await service.authenticate("wang", PASSWORD, IP)
    await service.set_active("wang", False)
    assert await service.session_for(login.token) is None
    with pytest.raises(AccountDisabled, match="已停用"):
        await service.authenticate("wang", PASSWORD, IP)
    await service.set_active("wang", True)
    assert (await service.authenticate("wang", PASSWORD, IP)).token


async def test_purge_drops_expired_sessions(staff_world: StaffWorld) -> None:
    service, clock = staff_world.service, staff_world.clock
    await staff_world.add("wang", Role.GRID_WORKER, "grid:370399001001W01")
    await service.authenticate("wang", PASSWORD, IP)
    live = await service.authenticate("wang", PASSWORD, IP)
    clock.advance(minutes=100)
    assert await service.session_for(live.token) is not None
    clock.advance(minutes=30)
    assert await service.purge() == 1
    assert await service.session_for(live.token) is not None


def test_policy_comes_from_minsheng_staff_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import timedelta

    from bot.config import load_settings
    from bot.staff import StaffPolicy

    monkeypatch.setenv("MINSHENG_STAFF_SESSION_IDLE_MINUTES", "30")
    monkeypatch.setenv("MINSHENG_STAFF_SESSION_MAX_HOURS", "8")
    monkeypatch.setenv("MINSHENG_STAFF_LOGIN_MAX_FAILURES", "3")
    monkeypatch.setenv("MINSHENG_STAFF_LOGIN_WINDOW_MINUTES", "10")
    monkeypatch.setenv("MINSHENG_STAFF_LOGIN_LOCKOUT_MINUTES", "60")
    policy = StaffPolicy.from_settings(load_settings())
    assert policy.session_idle == timedelta(minutes=30)
    assert policy.session_max_age == timedelta(hours=8)
    assert (policy.max_failures, policy.failure_window, policy.lockout) == (
        3, timedelta(minutes=10), timedelta(minutes=60)
    )
    assert StaffPolicy.from_settings(load_settings(staff_login_max_failures=5)).max_failures == 5
