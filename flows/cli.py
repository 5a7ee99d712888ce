"""``minsheng flows check`` and ``minsheng flows show NAME``: the trainer's view of flows.

``check`` loads every flow file, the responses file and the knowledge file exactly as the
gateway does at start-up and reports the first mistake with its file and line (exit 1), so
an edit can be checked before a restart. ``show`` prints a flow's steps with the questions
in their first wording.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.errors import FlowError
from flows import _cli_texts as texts
from flows._knowledge import Knowledge
from flows._loader import RESPONSES_FILE, load_flows
from flows._model import ActionStep, CollectStep, Flow, SayStep, Step, SwitchStep
from flows._registry import ACTIONS, VALIDATORS
from flows._responses import Responses

FLOWS_DIR = Path(__file__).resolve().parent


def _load(flows_dir: Path) -> tuple[Responses, dict[str, Flow]]:
    import flows._actions
    import flows._addressing
    import flows._validators  # noqa: F401 - registers the validators

    responses = Responses.load(flows_dir / RESPONSES_FILE)
    flowset = load_flows(flows_dir, responses, ACTIONS, VALIDATORS)
    return responses, dict(flowset.flows)


def _knowledge_path(args: argparse.Namespace) -> Path:
    if args.knowledge:
        return Path(args.knowledge)
    from bot.config import get_settings

    return get_settings().training_data_dir / "knowledge.yml"


def cmd_check(args: argparse.Namespace) -> int:
    try:
        responses, flows = _load(Path(args.dir))
        knowledge = Knowledge.load(_knowledge_path(args))
    except FlowError as exc:
        print(texts.CHECK_FAILED.format(problem=exc))
        return 1
    print(
        texts.CHECK_OK.format(
            flows=len(flows),
            steps=sum(len(f.steps) for f in flows.values()),
            responses=len(responses.response_keys()),
            buttons=len(responses.button_keys()),
            entries=len(knowledge),
        )
    )
    return 0


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else text


def _detail(step: Step, responses: Responses) -> str:
    if isinstance(step, CollectStep):
        return texts.DETAIL_ASK.format(text=_first_line(responses.variants(step.ask)[0]))
    if isinstance(step, ActionStep):
        return texts.DETAIL_ACTION.format(name=step.action)
    if isinstance(step, SayStep):
        return texts.DETAIL_SAY.format(text=_first_line(responses.variants(step.response)[0]))
    if isinstance(step, SwitchStep):
        return texts.DETAIL_SWITCH.format(flow=step.flow)
    return ""


def cmd_show(args: argparse.Namespace) -> int:
    try:
        responses, flows = _load(Path(args.dir))
    except FlowError as exc:
        print(texts.CHECK_FAILED.format(problem=exc))
        return 1
    flow = flows.get(args.name)
    if flow is None:
        print(texts.UNKNOWN_FLOW.format(name=args.name, names="、".join(sorted(flows))))
        return 1
    print(texts.FLOW_HEADER.format(
        name=flow.name, description=flow.description, file=flow.file, line=flow.line
    ))
    print(texts.FLOW_TRIGGERS.format(intents="、".join(flow.intents) or texts.NONE))
    for number, step in enumerate(flow.steps, start=1):
        detail = _detail(step, responses)
        if step.when is not None:
            detail += texts.DETAIL_WHEN.format(condition=step.when.source)
        kind = texts.KINDS.get(type(step).__name__, type(step).__name__)
        print(texts.STEP_LINE.format(number=number, kind=kind, id=step.id, detail=detail))
    return 0


def register_cli(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``flows check`` and ``flows show`` to the ``minsheng`` command."""
    parser = subparsers.add_parser("flows", help="check and show dialogue flows")
    sub = parser.add_subparsers(dest="flows_command", required=True, metavar="ACTION")
    check = sub.add_parser(
        "check", help="validate flows/*.yml, responses.yml and the knowledge file"
    )
    check.add_argument("--dir", default=str(FLOWS_DIR), help="folder of the flow files")
    check.add_argument("--knowledge", help="knowledge file (default: training_data/knowledge.yml)")
    check.set_defaults(handler=cmd_check)
    show = sub.add_parser("show", help="print the steps of one flow")
    show.add_argument("name", help="flow name, e.g. report_issue")
    show.add_argument("--dir", default=str(FLOWS_DIR), help="folder of the flow files")
    show.set_defaults(handler=cmd_show)
