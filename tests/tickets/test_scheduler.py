"""Scheduled jobs run once across workers: lease rows, intervals, crashed holders, failures."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from bot.db import create_engine_for, make_session_factory
from bot.tickets import Job, Scheduler, scheduler_loop
from bot.tickets.models import SchedulerJob
from tests.tickets.conftest import World


def counting_jobs(counter: Counter[str], names: tuple[str, ...] = ("a", "b")) -> list[Job]:
    def job(name: str) -> Job:
        async def run(now: datetime) -> None:
            await asyncio.sleep(0.01)  # long enough for the other worker to try too
            counter[name] += 1

        return Job(name, timedelta(minutes=5), run)

    return [job(n) for n in names]


async def test_each_job_runs_once_across_workers(world: World) -> None:
    counter: Counter[str] = Counter()
    engines = [create_engine_for(world.url) for _ in range(3)]
    try:
        workers = [
            Scheduler(make_session_factory(e), counting_jobs(counter), holder=f"w{i}")
            for i, e in enumerate(engines)
        ]
        now = world.clock()
        ran = await asyncio.gather(*(w.run_due_jobs(now) for w in workers))
        assert counter == {"a": 1, "b": 1}
        assert sorted(name for names in ran for name in names) == ["a", "b"]
        # Not due again within the interval, on any worker.
        later = now + timedelta(minutes=4)
        assert await asyncio.gather(*(w.run_due_jobs(later) for w in workers)) == [[], [], []]
        # Due again after it, and again once only.
        again = now + timedelta(minutes=5)
        await asyncio.gather(*(w.run_due_jobs(again) for w in workers))
        assert counter == {"a": 2, "b": 2}
    finally:
        for engine in engines:
            await engine.dispose()


async def test_a_crashed_holder_blocks_only_until_its_lease_ends(world: World) -> None:
    started = asyncio.Event()

    async def hangs(now: datetime) -> None:
        started.set()
        await asyncio.Event().wait()

    crashed = Scheduler(
        world.sessions,
        [Job("scan", timedelta(minutes=1), hangs)],
        holder="dead",
        lease=timedelta(minutes=10),
    )
    task = asyncio.create_task(crashed.run_due_jobs(world.clock()))
    await started.wait()
    task.cancel()  # the worker dies in the middle of the job
    await asyncio.gather(task, return_exceptions=True)

    counter: Counter[str] = Counter()
    survivor = Scheduler(world.sessions, counting_jobs(counter, ("scan",)), holder="alive")
    assert await survivor.run_due_jobs(world.clock() + timedelta(minutes=9)) == []
    assert await survivor.run_due_jobs(world.clock() + timedelta(minutes=11)) == ["scan"]
    assert counter == {"scan": 1}


async def test_a_failing_job_is_recorded_and_does_not_stop_the_others(world: World) -> None:
    counter: Counter[str] = Counter()

    async def broken(now: datetime) -> None:
        raise RuntimeError("database on fire")

    jobs = [Job("broken", timedelta(minutes=1), broken), *counting_jobs(counter, ("fine",))]
    scheduler = Scheduler(world.sessions, jobs)
    assert await scheduler.run_due_jobs(world.clock()) == ["broken", "fine"]
    async with world.sessions() as session:
        row = await session.get(SchedulerJob, "broken")
    assert row is not None and row.last_error == "RuntimeError: database on fire"
    assert row.next_run_at == world.clock() + timedelta(minutes=1) and row.holder is None


def test_job_names_are_unique() -> None:
    async def nothing(now: datetime) -> None:
        return None

    with pytest.raises(ValueError, match="unique"):
        Scheduler(None, [Job("x", timedelta(1), nothing), Job("x", timedelta(1), nothing)])  # type: ignore[arg-type]


async def test_scheduler_loop_runs_the_ticket_jobs(world: World) -> None:
    task = asyncio.create_task(scheduler_loop(world.service, world.sessions, tick=0.01))
    try:
        for _ in range(500):
            async with world.sessions() as session:
                rows = list(await session.exec(select(SchedulerJob)))
            if len(rows) == 3 and all(r.last_run_at for r in rows):
                break
            await asyncio.sleep(0.01)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert sorted(r.name for r in rows) == [
        "cluster_check",
        "deadline_scan",
        "satisfaction_reminders",
    ]
    assert all(r.last_run_at == world.clock() and r.last_error is None for r in rows)
