"""Read ``flows/*.yml`` into frozen :class:`Flow` objects and check them thoroughly.

A trainer edits these files, so every mistake we can see at start-up is reported with the
file and line instead of surfacing as a confused bot in front of a resident: unknown
responses, buttons, actions, validators, step targets and flows, conditions that read slots
nothing fills, placeholders without a value, duplicate step ids.

File shape::

    flows:
      - name: query_status
        description: 查询工单进度
        intents: [query_status]      # intents that start it; patterns like report_* allowed
        interrupts: true             # may pause a waiting interruptible flow
        steps:
          - action: lookup_status
          - collect: ticket_number
            expect: ticket_number
            ask: ask_ticket_number
            when: ticket_choices      # skip the step unless this holds
          - end
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from bot.errors import FlowError
from flows._conditions import Condition, parse_condition
from flows._model import (
    END,
    ActionStep,
    Arm,
    BranchStep,
    Choice,
    CollectStep,
    EndStep,
    Flow,
    FlowSet,
    SayStep,
    SetStep,
    Step,
    SwitchStep,
)
from flows._problems import PROBLEMS, problem
from flows._registry import ActionSpec, ValidatorSpec
from flows._responses import Responses
from flows._yaml import line_of, load_yaml

RESPONSES_FILE = "responses.yml"
_KINDS = ("collect", "confirm", "action", "say", "set", "branch", "switch", "end")
_COMMON = {"id", "next", "when"}
_KIND_KEYS: dict[str, set[str]] = {
    "collect": {"expect", "ask", "reask", "choices", "choices_from", "always_ask", "prefill"},
    "confirm": {"ask", "reask", "choices", "always_ask", "prefill"},
    "action": set(),
    "say": set(),
    "set": set(),
    "branch": set(),
    "switch": {"carry"},
    "end": set(),
}
_FLOW_KEYS = {
    "name",
    "description",
    "intents",
    "interruptible",
    "interrupts",
    "transient",
    "only_when_idle",
    "corrections",
    "resume",
    "cancelled",
    "busy",
    "later",
    "later_intro",
    "replies",
    "entities",
    "jumps",
    "leave_paused",
    "steps",
}
# Slots every frame has, filled by the interpreter itself.
BUILTIN_SLOTS = frozenset({"channel", "chat_type"})


class _Where:
    """Formats ``file:line`` prefixes for error messages."""

    def __init__(self, file: str) -> None:
        self.file = file

    def __call__(self, node: object, fallback: int = 0) -> str:
        line = line_of(node) or fallback
        return f"{self.file}:{line}" if line else self.file


def _str_list(value: object, what: str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise problem("names_list", where, what=what)
    return tuple(value)


def _jumps(value: object, where: str) -> dict[str, str]:
    """``jumps: {button: step}`` (checked against buttons and steps later)."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise problem("jumps_mapping", where)
    return dict(value)


def _parse_arms(value: object, where: str) -> tuple[Arm, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (Arm(value),)
    if not isinstance(value, list) or not value:
        raise problem("next_shape", where)
    arms: list[Arm] = []
    for item in value:
        if not isinstance(item, dict):
            raise problem("arm_mapping", where)
        if "else" in item:
            if set(item) != {"else"}:
                raise problem("else_alone", where)
            arms.append(Arm(str(item["else"])))
            continue
        if set(item) != {"if", "then"}:
            raise problem("arm_keys", where)
        try:
            condition = parse_condition(item["if"])
        except FlowError as exc:
            raise FlowError(f"{where}: {exc}") from exc
        arms.append(Arm(str(item["then"]), condition))
    for arm in arms[:-1]:
        if arm.condition is None:
            raise problem("else_last", where)
    return tuple(arms)


def _parse_choices(value: object, where: str) -> tuple[Choice, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise problem("choices_list", where)
    choices: list[Choice] = []
    for item in value:
        if not isinstance(item, dict) or "button" not in item:
            raise problem("choice_button", where)
        extra = set(item) - {"button", "value", "intents"}
        if extra:
            raise problem("choice_keys", where, keys=sorted(extra))
        value_ = item.get("value", item["button"])
        choices.append(
            Choice(
                str(item["button"]),
                value_,
                _str_list(item.get("intents"), "'intents'", where),
            )
        )
    return tuple(choices)


def _parse_step(raw: object, position: int, where: _Where, flow_line: int) -> Step:
    if raw == "end":
        return EndStep(id=f"end_{position}", line=flow_line)
    if not isinstance(raw, dict):
        raise problem("step_mapping", where(raw, flow_line))
    here = where(raw, flow_line)
    kinds = [k for k in _KINDS if k in raw]
    if len(kinds) != 1:
        raise problem("step_kind", here, kinds="、".join(_KINDS), found=kinds)
    kind = kinds[0]
    unknown = set(raw) - _COMMON - _KIND_KEYS[kind] - {kind}
    if unknown:
        raise problem("step_keys", here, kind=kind, keys=sorted(unknown))
    arms = _parse_arms(raw.get("next"), here)
    when: Condition | None = None
    if "when" in raw:
        try:
            when = parse_condition(raw["when"])
        except FlowError as exc:
            raise FlowError(f"{here}: {exc}") from exc
    line = line_of(raw) or flow_line
    value = raw[kind]
    step_id = raw.get("id")
    if step_id is not None and not isinstance(step_id, str):
        raise problem("step_id", here)

    if kind in ("collect", "confirm"):
        if not isinstance(value, str) or not value:
            raise problem("slot_name", here, kind=kind)
        if "ask" not in raw:
            raise problem("needs_ask", here, kind=kind)
        choices = _parse_choices(raw.get("choices"), here)
        expect = raw.get("expect", "text")
        if kind == "confirm":
            expect = "choice"
            choices = choices or (
                Choice("confirm_yes", True, ("affirm",)),
                Choice("confirm_no", False, ("deny",)),
            )
        return CollectStep(
            id=step_id or value,
            line=line,
            next=arms,
            when=when,
            slot=value,
            expect=str(expect),
            ask=str(raw["ask"]),
            reask=raw.get("reask"),
            choices=choices,
            choices_from=raw.get("choices_from"),
            always_ask=bool(raw.get("always_ask", False)),
            prefill=bool(raw.get("prefill", False)),
        )
    if kind == "action":
        if not isinstance(value, str):
            raise problem("action_name", here)
        return ActionStep(id=step_id or value, line=line, next=arms, when=when, action=value)
    if kind == "say":
        if not isinstance(value, str):
            raise problem("say_key", here)
        return SayStep(
            id=step_id or f"say_{position}", line=line, next=arms, when=when, response=value
        )
    if kind == "set":
        if not isinstance(value, dict) or not value:
            raise problem("set_mapping", here)
        return SetStep(
            id=step_id or f"set_{position}", line=line, next=arms, when=when, values=dict(value)
        )
    if kind == "branch":
        if "next" in raw:
            raise problem("branch_next", here)
        return BranchStep(
            id=step_id or f"branch_{position}",
            line=line,
            next=_parse_arms(value, here),
            when=when,
        )
    if kind == "switch":
        if not isinstance(value, str):
            raise problem("switch_name", here)
        return SwitchStep(
            id=step_id or f"switch_{position}",
            line=line,
            next=arms,
            when=when,
            flow=value,
            carry=_str_list(raw.get("carry"), "'carry'", here),
        )
    return EndStep(id=step_id or f"end_{position}", line=line, next=arms, when=when)


def _parse_flow(raw: object, where: _Where) -> Flow:
    if not isinstance(raw, dict):
        raise problem("flow_mapping", where(raw))
    here = where(raw)
    unknown = set(raw) - _FLOW_KEYS
    if unknown:
        raise problem("flow_keys", here, keys=sorted(unknown))
    name = raw.get("name")
    if not isinstance(name, str) or not name.isidentifier():
        raise problem("flow_name", here)
    raw_steps = raw.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise problem("flow_steps", here, name=name)
    steps = tuple(_parse_step(s, i, where, line_of(raw)) for i, s in enumerate(raw_steps))
    index: dict[str, int] = {}
    for i, step in enumerate(steps):
        if step.id in index or step.id == END:
            raise problem("duplicate_step", f"{where.file}:{step.line}", flow=name, id=step.id)
        index[step.id] = i
    return Flow(
        name=name,
        description=str(raw.get("description", "")),
        file=where.file,
        line=line_of(raw),
        steps=steps,
        intents=_str_list(raw.get("intents"), "'intents'", here),
        interruptible=bool(raw.get("interruptible", False)),
        interrupts=bool(raw.get("interrupts", False)),
        transient=bool(raw.get("transient", False)),
        only_when_idle=bool(raw.get("only_when_idle", False)),
        corrections=_str_list(raw.get("corrections"), "'corrections'", here),
        resume=raw.get("resume"),
        cancelled=raw.get("cancelled"),
        busy=raw.get("busy"),
        later=_str_list(raw.get("later"), "'later'", here),
        later_intro=raw.get("later_intro"),
        replies=_str_list(raw.get("replies"), "'replies'", here),
        entities=_str_list(raw.get("entities"), "'entities'", here),
        jumps=_jumps(raw.get("jumps"), here),
        leave_paused=raw.get("leave_paused"),
        index=index,
    )


def _known_slots(
    flow: Flow,
    actions: Mapping[str, ActionSpec],
    validators: Mapping[str, ValidatorSpec],
    carried_in: Iterable[str],
) -> set[str]:
    known = set(BUILTIN_SLOTS) | set(carried_in)
    for step in flow.steps:
        if isinstance(step, CollectStep):
            known.add(step.slot)
            if step.expect in validators:
                known |= validators[step.expect].sets
        elif isinstance(step, ActionStep) and step.action in actions:
            known |= actions[step.action].sets
        elif isinstance(step, SetStep):
            known |= set(step.values)
    return known


def _check_flow(
    flow: Flow,
    flows: Mapping[str, Flow],
    responses: Responses,
    actions: Mapping[str, ActionSpec],
    validators: Mapping[str, ValidatorSpec],
    carried_in: Iterable[str],
) -> None:
    known = _known_slots(flow, actions, validators, carried_in)

    def fail(step_line: int, code: str, **params: object) -> FlowError:
        text = PROBLEMS[code].format(**params)
        return problem("in_flow", f"{flow.file}:{step_line}", flow=flow.name, problem=text)

    def check_response(key: str | None, line: int, *, extra: Iterable[str] = ()) -> None:
        if key is None:
            return
        if key not in responses:
            raise fail(line, "unknown_response", key=key, file=RESPONSES_FILE)
        missing = responses.placeholders(key) - known - set(extra)
        if missing:
            raise fail(line, "placeholder_unfilled", key=key, names=sorted(missing))

    def check_condition(condition: Condition | None, line: int) -> None:
        if condition is not None and condition.names - known:
            names = sorted(condition.names - known)
            raise fail(line, "condition_slots", source=condition.source, names=names)

    check_response(flow.resume, flow.line)
    check_response(flow.cancelled, flow.line)
    check_response(flow.busy, flow.line)
    check_response(flow.later_intro, flow.line)
    check_response(flow.leave_paused, flow.line)
    for key in flow.replies:
        if not responses.has_button(key):
            raise fail(flow.line, "unknown_button", key=key, file=RESPONSES_FILE)
    for key, target in flow.jumps.items():
        if not responses.has_button(key):
            raise fail(flow.line, "unknown_button", key=key, file=RESPONSES_FILE)
        if target not in flow.index:
            raise fail(flow.line, "next_target", target=target)
    for name in flow.later:
        if name not in actions:
            raise fail(flow.line, "unknown_action", action=name, known="、".join(sorted(actions)))
    for slot in flow.corrections:
        if flow.collect_step_for(slot) is None:
            raise fail(flow.line, "correction_slot", slot=slot)
    for step in flow.steps:
        check_condition(step.when, step.line)
        for arm in step.next:
            check_condition(arm.condition, step.line)
            if arm.target != END and arm.target not in flow.index:
                raise fail(step.line, "next_target", target=arm.target)
        if isinstance(step, CollectStep):
            if step.expect not in validators:
                known_expect = "、".join(sorted(validators))
                raise fail(step.line, "unknown_expect", expect=step.expect, known=known_expect)
            # Questions may mention the options the validator or an action offered.
            check_response(step.ask, step.line)
            check_response(step.reask, step.line)
            for choice in step.choices:
                if not responses.has_button(choice.button):
                    raise fail(step.line, "unknown_button", key=choice.button, file=RESPONSES_FILE)
            if step.choices_from is not None and step.choices_from not in known:
                raise fail(step.line, "choices_from", slot=step.choices_from)
        elif isinstance(step, ActionStep):
            if step.action not in actions:
                known_actions = "、".join(sorted(actions))
                raise fail(step.line, "unknown_action", action=step.action, known=known_actions)
        elif isinstance(step, SayStep):
            check_response(step.response, step.line)
        elif isinstance(step, SwitchStep):
            if step.flow not in flows:
                raise fail(step.line, "unknown_switch", flow=step.flow)
            unknown = set(step.carry) - known
            if unknown:
                raise fail(step.line, "carry_slots", names=sorted(unknown))


def load_flow_file(path: Path) -> list[Flow]:
    """Parse one flow file (no cross-checks: those need every file, see :func:`load_flows`)."""
    data = load_yaml(path)
    where = _Where(f"{path.parent.name}/{path.name}")
    if not isinstance(data, dict) or set(data) != {"flows"} or not isinstance(data["flows"], list):
        raise problem("file_shape", where(data))
    return [_parse_flow(item, where) for item in data["flows"]]


def load_flows(
    flows_dir: Path,
    responses: Responses,
    actions: Mapping[str, ActionSpec],
    validators: Mapping[str, ValidatorSpec],
) -> FlowSet:
    """Load and cross-check every ``*.yml`` in ``flows_dir`` except the responses file."""
    files = sorted(p for p in flows_dir.glob("*.yml") if p.name != RESPONSES_FILE)
    if not files:
        raise problem("no_flow_files", str(flows_dir))
    flows: dict[str, Flow] = {}
    for path in files:
        for flow in load_flow_file(path):
            if flow.name in flows:
                other = flows[flow.name]
                raise problem(
                    "duplicate_flow",
                    f"{flow.file}:{flow.line}",
                    name=flow.name,
                    other=f"{other.file}:{other.line}",
                )
            flows[flow.name] = flow
    carried: dict[str, set[str]] = {name: set() for name in flows}
    for flow in flows.values():
        for step in flow.steps:
            if isinstance(step, SwitchStep) and step.flow in carried:
                carried[step.flow] |= set(step.carry)
    for flow in flows.values():
        _check_flow(flow, flows, responses, actions, validators, carried[flow.name])
    return FlowSet(flows)

