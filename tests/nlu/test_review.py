"""The review loop: masked storage of uncertain parses (bot.review) and their export as Rasa
YAML (nlu.review), through ``minsheng nlu review``."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from bot.cli import main as minsheng
from bot.db import create_engine_for, make_session_factory
from bot.privacy import mask_text as mask_personal_data
from bot.review import NluReviewItem, export_review, record_for_review
from nlu import NLUModel, load_data
from nlu.cli import main as nlu_main


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("电话13812345678", "电话138****5678"),
        ("打139-1234-5678找我", "打139****5678找我"),
        ("座机0533-2345678", "座机0533-****5678"),
        ("身份证370302199001011234", "身份证3****************4"),
        ("我叫王小明，住3号楼", "我叫***，住3号楼"),
        ("免贵姓李", "免贵姓*"),
        ("联系人：张三", "联系人：**"),
        ("找李师傅修", "找*师傅修"),
        ("楼道灯坏了", "楼道灯坏了"),
        ("工单20261121-0042", "工单20261121-0042"),
    ],
)
def test_mask_personal_data(text: str, masked: str) -> None:
    assert mask_personal_data(text) == masked


async def test_record_and_export(database_url: str, model: NLUModel, tmp_path: Path) -> None:
    engine = create_engine_for(database_url)
    sessions = make_session_factory(engine)
    try:
        unsure = model.parse(
            "我叫王小明，电话13812345678，那个东西又不行了", fallback_threshold=0.99
        )
        sure = model.parse("楼道灯坏了，晚上很黑")
        await record_for_review(sessions, unsure.text, unsure, "web", model_version=model.version)
        await record_for_review(sessions, sure.text, sure, "wechat")
        async with sessions() as session:
            rows = (await session.exec(select(NluReviewItem))).all()
        stored = {r.channel: r for r in rows}
        assert "13812345678" not in stored["web"].text and "王小明" not in stored["web"].text
        assert stored["web"].predicted_intent.startswith("nlu_fallback:")
        assert stored["web"].model_version == model.version
        assert stored["wechat"].predicted_intent == "report_lighting"

        out = tmp_path / "review.yml"
        assert await export_review(sessions, out) == 2
        exported = load_data(out)  # valid Rasa YAML a trainer can annotate and merge
        texts = {e.text for e in exported.examples}
        assert texts == {stored["web"].text, stored["wechat"].text}
        assert "report_lighting" in exported.intents
        assert await export_review(sessions, tmp_path / "again.yml") == 0  # marked exported
        assert await export_review(sessions, tmp_path / "all.yml", include_exported=True) == 2
    finally:
        await engine.dispose()


def test_review_cli(
    sqlite_url: str, model: NLUModel, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    async def seed() -> None:
        engine = create_engine_for(sqlite_url)
        try:
            result = model.parse("那个啥", fallback_threshold=0.99)
            await record_for_review(make_session_factory(engine), result.text, result, "web")
        finally:
            await engine.dispose()

    asyncio.run(seed())
    out = tmp_path / "review.yml"
    args = ["nlu", "review", "--database-url", sqlite_url, "--out", str(out)]
    assert minsheng(args) == 0
    assert "1" in capsys.readouterr().out
    assert load_data(out).examples[0].text == "那个啥"
    assert minsheng(args) == 0
    assert "没有待标注" in capsys.readouterr().out


def test_review_needs_the_gateway(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The NLU library alone has no database: its own CLI says where the queue is exported."""
    assert nlu_main(["nlu", "review", "--out", str(tmp_path / "review.yml")]) == 1
    assert "minsheng nlu review" in capsys.readouterr().err


@pytest.mark.parametrize("text", ["这位女士说", "修理师傅来了", "物业师傅"])
def test_titles_without_a_surname_stay(text: str) -> None:
    assert mask_personal_data(text) == text
