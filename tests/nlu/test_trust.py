"""Only artifacts the trainers' own command wrote are loaded: an artifact is a pickle, and
whoever can write to the model folder must not run code in the gateway."""

from __future__ import annotations

import asyncio
import io
import json
import shutil
import tarfile
from pathlib import Path
from typing import Any

import joblib
import pytest

from bot.config import Settings
from bot.db import create_engine_for, make_session_factory, upgrade
from bot.nlu_setup import model_path, start_nlu
from bot.nlu_trust import trusted_digests
from nlu.artifact import artifact_digest, default_model_path, load_model, read_metadata
from nlu.cli import main as nlu_main
from nlu.errors import NLUError
from nlu.service import NLUService


class _Planted:
    """Unpickling this runs code: it touches a marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.marker,))


def plant(path: Path, marker: Path, metadata: dict[str, Any]) -> None:
    """A model artifact with the real model's metadata and a payload that runs code."""
    blob = io.BytesIO()
    joblib.dump({"tokenizer": _Planted(marker), "entities": None, "classifier": None}, blob)
    meta = json.dumps(metadata).encode()
    with tarfile.open(path, "w:gz") as tar:
        for name, data in (("metadata.json", meta), ("model.joblib", blob.getvalue())):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


async def _sessions(settings: Settings):  # type: ignore[no-untyped-def]
    await upgrade(settings.effective_database_url)
    return create_engine_for(settings.effective_database_url)


def test_load_model_refuses_an_untrusted_artifact(tmp_path: Path, default_model_dir: Path) -> None:
    real = default_model_path(default_model_dir)
    marker = tmp_path / "ran"
    planted = tmp_path / "nlu.tar.gz"
    plant(planted, marker, read_metadata(real))
    with pytest.raises(NLUError, match="不加载"):
        load_model(planted, trusted={artifact_digest(real)}.__contains__)
    assert not marker.exists()
    model = load_model(real, trusted={artifact_digest(real)}.__contains__)
    assert model.artifact_digest == artifact_digest(real)


async def test_a_planted_artifact_is_never_reloaded(
    tmp_path: Path, default_model_dir: Path
) -> None:
    real = default_model_path(default_model_dir)
    path = tmp_path / "nlu.tar.gz"
    shutil.copy(real, path)
    trusted = {artifact_digest(real)}

    async def known() -> set[str]:
        return trusted

    service = NLUService(load_model(path), trusted_digests=known)
    version = service.version
    marker = tmp_path / "ran"
    plant(path, marker, read_metadata(real))
    with pytest.raises(NLUError):
        await service.reload()
    assert not marker.exists()
    assert service.version == version and service.parse("你好").intent.name


async def test_start_retrains_instead_of_loading_an_untrusted_artifact(
    tmp_path: Path, make_settings: Any, default_model_dir: Path
) -> None:
    """Even with metadata claiming the current training data, a planted file is not loaded."""
    settings = make_settings(model_dir=tmp_path / "models", nlu_trusted_digests=[])
    target = model_path(settings)
    target.parent.mkdir(parents=True)
    marker = tmp_path / "ran"
    plant(target, marker, read_metadata(default_model_path(default_model_dir)))
    engine = await _sessions(settings)
    try:
        sessions = make_session_factory(engine)
        service = await start_nlu(settings, sessions)
        assert not marker.exists()
        assert service.parse("楼道灯坏了").intent.name
        # What the gateway trained for itself is recorded, so the next start loads it.
        assert artifact_digest(target) in await trusted_digests(sessions)
        again = await start_nlu(settings, sessions)
        assert again.version == service.version
    finally:
        await engine.dispose()


def test_the_trainers_command_records_what_it_wrote(tmp_path: Path, make_settings: Any) -> None:
    from bot.nlu_setup import cli_defaults

    settings = make_settings(model_dir=tmp_path / "models", nlu_trusted_digests=[])
    out = model_path(settings)
    code = nlu_main(
        ["nlu", "train", "--folds", "0", "--out", str(out)],
        defaults=lambda: cli_defaults(settings),
    )
    assert code == 0

    async def check() -> None:
        engine = await _sessions(settings)
        try:
            sessions = make_session_factory(engine)
            assert await trusted_digests(sessions) == {artifact_digest(out)}
            service = await start_nlu(settings, sessions)
            assert service.model.artifact_digest == artifact_digest(out)
        finally:
            await engine.dispose()

    asyncio.run(check())
