"""Dialogue flows: declared in ``flows/*.yml``, run by a small interpreter.

::

    from flows import DialogueManager, FlowServices, Knowledge

    knowledge = Knowledge.load(settings.training_data_dir / "knowledge.yml")
    services = FlowServices(tickets=..., addresses=..., catalog=..., knowledge=knowledge,
                            settings=settings, clock=utcnow)
    dialogue = DialogueManager.from_directory(Path("flows"), services)
    result = await dialogue.handle(state, message, parse)  # a bot.engine.DialogueResult

Every sentence the bot says is in ``flows/responses.yml``; the flows name responses by key.
Actions and validators (the Python a flow may call) live in ``flows/_actions`` and
``flows/_validators.py`` and are registered by name.
"""

from flows._danger import detect as detect_danger
from flows._knowledge import Knowledge, KnowledgeAnswer, KnowledgeEntry
from flows._loader import load_flow_file, load_flows
from flows._manager import FORWARDED_FROM, DialogueManager
from flows._model import Flow, FlowSet
from flows._responses import Responses
from flows._services import FlowServices
from flows._state import end_handoff

__all__ = [
    "FORWARDED_FROM",
    "DialogueManager",
    "Flow",
    "FlowServices",
    "FlowSet",
    "Knowledge",
    "KnowledgeAnswer",
    "KnowledgeEntry",
    "Responses",
    "detect_danger",
    "end_handoff",
    "load_flow_file",
    "load_flows",
]
