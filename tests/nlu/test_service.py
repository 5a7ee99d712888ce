"""NLUService: hot reload swaps models under concurrent parses without dropping any."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import threading
from pathlib import Path

import pytest

from nlu import NLUModel, load_model, save_model, train_model
from nlu.errors import NLUError
from nlu.service import NLUService


@pytest.fixture
def second_model_path(tmp_path: Path, small_nlu_file: Path) -> Path:
    """A different model (three intents only) to reload into."""
    path = tmp_path / "small.tar.gz"
    save_model(train_model(small_nlu_file), path)
    return path


async def test_reload_under_concurrent_parses(
    model: NLUModel, model_path: Path, second_model_path: Path, tmp_path: Path
) -> None:
    live = tmp_path / "live.tar.gz"
    shutil.copy(model_path, live)
    service = NLUService(load_model(live), fallback_threshold=0.2)
    assert service.path == live
    first_version = service.version

    stop = threading.Event()
    failures: list[BaseException] = []
    answered: list[str] = []

    def hammer() -> None:
        while not stop.is_set():
            try:
                result = service.parse("锦园小区2号楼楼道灯坏了,晚上很黑")
                answered.append(result.intent.name)
            except BaseException as exc:  # any exception is a dropped request
                failures.append(exc)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        versions = {first_version}
        for source in (second_model_path, model_path, second_model_path):
            shutil.copy(source, live)  # a trainer drops a new artifact in place...
            reloaded = await service.reload()  # ...and the gateway reloads it
            versions.add(reloaded.version)
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join()

    assert failures == []
    assert len(answered) > 10
    assert set(answered) <= {"report_lighting", "nlu_fallback"}
    assert service.version == load_model(second_model_path).version != first_version
    assert len(versions) == 2
    assert service.model.fallback_threshold == 0.2  # the service's thresholds survive reloads


async def test_failed_reload_keeps_the_old_model(model: NLUModel, tmp_path: Path) -> None:
    service = NLUService(model)
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(b"garbage")
    with pytest.raises(NLUError):
        await service.reload(bad)
    assert service.version == model.version
    assert service.parse("是的").intent.name == "affirm"


async def test_parse_async_and_swap(model: NLUModel, second_model_path: Path) -> None:
    service = NLUService(model)
    assert (await service.parse_async("我的工单怎么样了")).intent.name == "query_status"
    old = service.swap(load_model(second_model_path))
    assert old.version == model.version
    assert "query_status" not in service.model.intents


async def test_reload_without_a_path_is_a_programming_error(small_nlu_file: Path) -> None:
    service = NLUService(train_model(small_nlu_file))  # trained in memory, never saved
    with pytest.raises(ValueError):
        await service.reload()


async def test_watch_reloads_a_changed_artifact(
    model_path: Path, second_model_path: Path, tmp_path: Path
) -> None:
    live = tmp_path / "watched.tar.gz"
    shutil.copy(model_path, live)
    service = NLUService(load_model(live))
    task = asyncio.create_task(service.watch(interval=0.02))
    try:
        (tmp_path / "garbage.tar.gz").write_bytes(b"garbage")
        shutil.copy(tmp_path / "garbage.tar.gz", live)  # a broken artifact: keep serving
        await asyncio.sleep(0.2)
        assert not task.done()
        assert service.parse("是的").intent.name == "affirm"
        shutil.copy(second_model_path, live)
        for _ in range(100):
            if "query_status" not in service.model.intents:
                break
            await asyncio.sleep(0.02)
        assert service.version == load_model(second_model_path).version
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
