"""Frozen flow declarations: what a flow file says, nothing about a running conversation.

A :class:`Flow` is a list of steps. Each step does one thing (collect a slot, run an action,
say something, set slots, switch to another flow, end) and then goes to the next step in the
list, or where its ``next`` arms point. All runtime state lives in the conversation state
(see ``_frames``); these objects are shared by every conversation and never change.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flows._conditions import Condition

END = "end"
"""The target name that ends a flow (``next: end``)."""


@dataclass(frozen=True, slots=True)
class Arm:
    """One arm of ``next``: go to ``target`` when ``condition`` holds (``None`` = else)."""

    target: str
    condition: Condition | None = None


@dataclass(frozen=True, slots=True)
class Choice:
    """A quick reply a collect step accepts.

    ``button`` names an entry of ``buttons:`` in responses.yml (its title and the other words
    residents use for it). ``intents`` also select it (e.g. ``affirm`` for 确认). ``value`` is
    what the slot gets.
    """

    button: str
    value: Any
    intents: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Step:
    """Fields every step has."""

    id: str
    line: int
    next: tuple[Arm, ...] = ()
    when: Condition | None = None


@dataclass(frozen=True, slots=True)
class CollectStep(Step):
    """Ask for a slot until a validator (``expect``) accepts an answer.

    Skipped when the slot is already filled (from the first message, a QR code, an earlier
    answer) unless ``always_ask``. ``choices_from`` names a slot holding ``[[title, value],
    ...]`` set by an action, for buttons that depend on the conversation.
    """

    slot: str = ""
    expect: str = "text"
    ask: str = ""
    reask: str | None = None
    choices: tuple[Choice, ...] = ()
    choices_from: str | None = None
    always_ask: bool = False
    # Try the message that started the flow as the answer first ("满意" starts the rating
    # flow and is its answer); the question is asked only if it does not fit.
    prefill: bool = False


@dataclass(frozen=True, slots=True)
class ActionStep(Step):
    """Run a Python action registered by name (see ``flows/_actions``)."""

    action: str = ""


@dataclass(frozen=True, slots=True)
class SayStep(Step):
    """Say a response from responses.yml; ``{slot}`` placeholders are filled from slots."""

    response: str = ""


@dataclass(frozen=True, slots=True)
class SetStep(Step):
    """Set slots to fixed values (``null`` clears one)."""

    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BranchStep(Step):
    """Only decide where to go (its ``next`` arms)."""


@dataclass(frozen=True, slots=True)
class SwitchStep(Step):
    """Replace this flow by another one, handing over the slots named in ``carry``."""

    flow: str = ""
    carry: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EndStep(Step):
    """End the flow (an interrupted flow below it then resumes)."""


@dataclass(frozen=True, slots=True)
class Flow:
    """One dialogue flow as declared in a ``flows/*.yml`` file."""

    name: str
    description: str
    file: str
    line: int
    steps: tuple[Step, ...]
    intents: tuple[str, ...] = ()
    # May this flow be paused for another one (and resumed afterwards)?
    interruptible: bool = False
    # May this flow pause an interruptible flow that is waiting for an answer?
    interrupts: bool = False
    # Started only when no question is pending: "好的" or "不是" answer the pending question
    # or are not understood; they never start this flow in the middle of another one.
    only_when_idle: bool = False
    # A transient flow (an offer, a menu) steps aside when its answer does not fit: it ends
    # and the message goes to the flow below, instead of being re-asked.
    transient: bool = False
    # Slots re-filled from any answer while the flow runs (corrections: "不对,是3号楼").
    corrections: tuple[str, ...] = ()
    # Said before re-asking the pending question when the flow resumes.
    resume: str | None = None
    # Said when the resident cancels this flow.
    cancelled: str | None = None
    # Said when, while this flow waits for an answer, the resident starts it again (a second
    # problem in the middle of a report): the pending question is asked again, no miss.
    busy: str | None = None
    # Actions that note the other matter a busy flow was told about, on a frame of its own
    # started when the stack empties ("还有个事,楼下垃圾也没人清" in the middle of a report
    # is reported next, not forgotten); ``later_intro`` is said when it starts.
    later: tuple[str, ...] = ()
    later_intro: str | None = None
    # Quick replies (button keys) that start this flow when typed or tapped with nothing
    # waiting, alone or at the start of a longer message: the buttons of a push such as
    # "请对办理结果进行评价" [满意|基本满意|不满意], answered after the conversation moved on.
    replies: tuple[str, ...] = ()
    # Entities that start this flow when the intent itself starts nothing in particular
    # (not understood, out of scope, details only): "帮我查一下20261121-0001" is a status
    # query whatever the classifier made of the words around the number.
    entities: tuple[str, ...] = ()
    # Quick replies that jump to a step from any question of the flow ("修改" in the middle
    # of a report goes to "what do you want to change?"), unless that question offers them.
    jumps: Mapping[str, str] = field(default_factory=dict)
    # Said instead of resuming the paused flow below when this one ends on top of it: "再见"
    # in the middle of a report says the report is kept, and does not ask its question again.
    leave_paused: str | None = None
    index: Mapping[str, int] = field(default_factory=dict)

    def step(self, step_id: str) -> Step:
        return self.steps[self.index[step_id]]

    def collect_step_for(self, slot: str) -> CollectStep | None:
        """The step that collects ``slot`` (used for corrections)."""
        for step in self.steps:
            if isinstance(step, CollectStep) and step.slot == slot:
                return step
        return None

    def trigger_rank(self, intent: str) -> int:
        """0 = not triggered; 2 = named exactly; 1 = matched by a pattern such as report_*."""
        best = 0
        for pattern in self.intents:
            if pattern == intent:
                return 2
            if fnmatch.fnmatchcase(intent, pattern):
                best = 1
        return best


@dataclass(frozen=True, slots=True)
class FlowSet:
    """All flows of a deployment, by name."""

    flows: Mapping[str, Flow]

    def __getitem__(self, name: str) -> Flow:
        return self.flows[name]

    def __contains__(self, name: object) -> bool:
        return name in self.flows

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.flows.values())

    def for_entities(self, names: set[str]) -> Flow | None:
        """The first flow (file order) started by one of these entities, if any."""
        for flow in self.flows.values():
            if names.intersection(flow.entities):
                return flow
        return None

    def for_intent(self, intent: str) -> Flow | None:
        """The flow an intent starts: an exact name beats a pattern; ties go to file order."""
        best: Flow | None = None
        best_rank = 0
        for flow in self.flows.values():
            rank = flow.trigger_rank(intent)
            if rank > best_rank:
                best, best_rank = flow, rank
        return best
