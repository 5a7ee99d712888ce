"""The responses file: every key the Python code says exists, every text renders."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from flows import Responses
from flows._responses import normalize_choice_text

ROOT = Path(__file__).resolve().parents[2]
RESPONSES = Responses.load(ROOT / "flows" / "responses.yml", seed=1)


def test_every_variant_renders_with_its_placeholders() -> None:
    for key in RESPONSES.response_keys():
        values = dict.fromkeys(RESPONSES.placeholders(key), "X")
        for index in range(len(RESPONSES.variants(key))):
            assert RESPONSES.render(key, values, variant=index).strip()


def test_response_and_button_keys_used_in_python_exist() -> None:
    """Actions talk only through responses.yml; a typo in a key must fail here, not live."""
    said = set()
    buttons = set()
    for path in (ROOT / "flows").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        said |= set(re.findall(r"""(?:say|render)\(\s*["']([a-z_]+)["']""", source))
        said |= set(re.findall(r"""FollowUp\(\s*["']([a-z_]+)["']""", source))
        said |= set(re.findall(r"""Miss\(\s*["']([a-z_]+)["']""", source))
        said |= set(re.findall(r"""ack=["']([a-z_]+)["']""", source))
        buttons |= set(re.findall(r"""button\(\s*["']([a-z_]+)["']\)""", source))
    assert said, "the scan found nothing: the pattern is broken"
    assert said - set(RESPONSES.response_keys()) == set()
    assert buttons <= set(RESPONSES.button_keys())


def test_no_chinese_text_in_flow_python() -> None:
    """Every word a resident reads lives in responses.yml (docstrings and comments aside;
    what trainers read has its own one place each: _cli_texts.py and _problems.py)."""
    han = re.compile(r"[\u4e00-\u9fff]")
    for path in (ROOT / "flows").rglob("*.py"):
        if path.name in ("_cli_texts.py", "_problems.py"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            literal = isinstance(node, ast.Constant) and isinstance(node.value, str)
            if literal and id(node) not in docstrings:
                assert not han.search(node.value), f"{path.name}:{node.lineno}: {node.value}"


def test_re_asking_picks_another_wording() -> None:
    key = "ask_address"
    assert len(RESPONSES.variants(key)) > 1
    for first in range(len(RESPONSES.variants(key))):
        assert RESPONSES.pick(key, avoid=first) != first


def test_button_titles_are_unique_and_match_loosely() -> None:
    titles = [RESPONSES.button(k).title for k in RESPONSES.button_keys()]
    assert len(titles) == len(set(titles))
    skip = RESPONSES.button("skip")
    assert skip.matches(" 跳过。") and skip.matches("没有照片")
    assert normalize_choice_text("不用，我再说说") == normalize_choice_text("不用,我再说说")


def test_particles_and_fillers_do_not_change_the_choice() -> None:
    assert RESPONSES.normalize("那就跳过吧") == RESPONSES.normalize("跳过")
    assert RESPONSES.button_matches("named", "嗯，实名啊")
    assert RESPONSES.button_matches("confirm_yes", "嗯")  # a filler alone is the answer
    assert not RESPONSES.button_matches("skip", "那个")
