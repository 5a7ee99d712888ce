"""Flow actions, registered by name for ``action:`` steps. Importing this package registers
them all; each module holds the actions of one conversation topic."""

from flows._actions import (
    contacts,
    emergency,
    fallback,
    handoff,
    questions,
    report,
    satisfaction,
    status,
    urge,
)

__all__ = [
    "contacts",
    "emergency",
    "fallback",
    "handoff",
    "questions",
    "report",
    "satisfaction",
    "status",
    "urge",
]
