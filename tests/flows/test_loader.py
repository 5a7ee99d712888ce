"""Loading flow files: the shipped flows load, and a trainer's mistakes name file and line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import flows._actions  # registers the actions
import flows._addressing  # registers the address validator
import flows._validators  # noqa: F401 - registers the validators
from bot.errors import FlowError
from flows import Responses, load_flows
from flows._model import ActionStep, CollectStep, EndStep
from flows._registry import ACTIONS, VALIDATORS

FLOWS_DIR = Path(__file__).resolve().parents[2] / "flows"

RESPONSES = """
responses:
  ask_name: [您叫什么？]
  hello: ["你好，{name}！"]
  bye: [再见]
buttons:
  confirm_yes: {title: 是的, also: [对]}
  confirm_no: 不是
"""


def write(tmp_path: Path, flow: str, responses: str = RESPONSES) -> Path:
    (tmp_path / "responses.yml").write_text(textwrap.dedent(responses), encoding="utf-8")
    (tmp_path / "test.yml").write_text(textwrap.dedent(flow), encoding="utf-8")
    return tmp_path


def load(directory: Path):  # type: ignore[no-untyped-def]
    responses = Responses.load(directory / "responses.yml")
    return load_flows(directory, responses, ACTIONS, VALIDATORS)


def test_the_shipped_flows_load_and_cover_the_issue() -> None:
    flowset = load(FLOWS_DIR)
    names = set(flowset.flows)
    assert {
        "report_issue", "query_status", "contact_secretary", "satisfaction", "ask_question",
        "request_human", "offer_human", "fallback",
    } <= names
    assert flowset.for_intent("report_lighting").name == "report_issue"
    # An exact intent beats a pattern: certificates are questions first.
    assert flowset.for_intent("report_certificate").name == "ask_question"
    assert flowset.for_intent("nlu_fallback").name == "fallback"
    report = flowset["report_issue"]
    assert report.interruptible and {"address", "phone", "evidence"} <= set(report.corrections)
    assert flowset["query_status"].interrupts and flowset["contact_secretary"].interrupts


def test_a_small_flow_loads_with_defaults(tmp_path: Path) -> None:
    write(tmp_path, """
    flows:
      - name: hello
        intents: [greet]
        steps:
          - collect: name
            ask: ask_name
          - say: hello
          - confirm: again
            ask: bye
          - end
    """)
    flow = load(tmp_path)["hello"]
    collect, _say, confirm, end = flow.steps
    assert isinstance(collect, CollectStep) and collect.id == "name" and collect.expect == "text"
    assert isinstance(confirm, CollectStep) and [c.value for c in confirm.choices] == [True, False]
    assert isinstance(end, EndStep)
    assert flow.trigger_rank("greet") == 2


@pytest.mark.parametrize(
    ("flow", "problem"),
    [
        ("""
        flows:
          - name: f
            steps:
              - say: helo
        """, "test.yml:5: 流程「f」：话术「helo」不存在"),
        ("""
        flows:
          - name: f
            steps:
              - action: no_such_action
        """, "未知的动作「no_such_action」"),
        ("""
        flows:
          - name: f
            steps:
              - collect: name
                ask: ask_name
                expect: telepathy
        """, "未知的 `expect`「telepathy」"),
        ("""
        flows:
          - name: f
            steps:
              - collect: name
                ask: ask_name
                next: nowhere
        """, "`next` 指向不存在的步骤「nowhere」"),
        ("""
        flows:
          - name: f
            steps:
              - say: bye
                when: mood == 'sad'
        """, "条件「mood == 'sad'」用到了没有步骤填写的信息 ['mood']"),
        ("""
        flows:
          - name: f
            steps:
              - say: hello
        """, "话术「hello」用到了 ['name']，但没有步骤填写它们"),
        ("""
        flows:
          - name: f
            steps:
              - say: bye
              - say: bye
                id: say_0
        """, "步骤编号「say_0」重复"),
        ("""
        flows:
          - name: f
            steps:
              - collect: name
        """, "collect 步骤需要 `ask`"),
        ("""
        flows:
          - name: f
            steps:
              - collect: name
                ask: ask_name
                choices:
                  - {button: maybe, value: 1}
        """, "按钮「maybe」在 responses.yml 中不存在"),
        ("""
        flows:
          - name: f
            steps:
              - say: bye
                action: request_handoff
        """, "每个步骤必须且只能含以下之一"),
        ("""
        flows:
          - name: f
            steps:
              - say: bye
                colour: red
        """, "say 步骤中有未知的键：['colour']"),
        ("""
        flows:
          - name: f
            steps:
              - switch: g
        """, "`switch` 转到不存在的流程「g」"),
        ("""
        flows:
          - name: f
            steps:
              - say: bye
          - name: f
            steps:
              - say: bye
        """, "流程「f」已经在"),
        ("""
        flows:
          - name: f
            steps:
              - say: bye
                  oops: [
        """, "YAML 语法错误"),
    ],
)
def test_mistakes_are_reported_with_file_and_line(tmp_path: Path, flow: str, problem: str) -> None:
    write(tmp_path, flow)
    with pytest.raises(FlowError) as raised:
        load(tmp_path)
    assert problem in str(raised.value)
    assert "test.yml" in str(raised.value)


def test_responses_file_mistakes_name_the_line(tmp_path: Path) -> None:
    write(tmp_path, "flows: []", responses="""
    responses:
      fine: [好]
      broken:
        - 第一种
        - 第二种: 冒号后有空格就成了字典
    """)
    with pytest.raises(FlowError, match=r"responses.yml:4: 话术「broken」有空的"):
        Responses.load(tmp_path / "responses.yml")


def test_actions_named_in_the_shipped_flows_are_registered() -> None:
    flowset = load(FLOWS_DIR)
    used = {s.action for f in flowset for s in f.steps if isinstance(s, ActionStep)}
    assert used <= set(ACTIONS)
    assert {"file_ticket", "check_duplicates", "follow_ticket", "lookup_status",
            "list_contacts", "answer_question", "request_handoff", "rate_ticket",
            "resolve_address"} <= used
