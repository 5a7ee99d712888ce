"""Staff accounts, sign-in, sessions and the scope policy of the console (issue 10).

A core package: it imports the ticket models (to scope ticket queries) but nothing of
``connectors/`` or ``flows/``.
"""

from bot.staff.errors import (
    AccountDisabled,
    BadCredentials,
    LoginLocked,
    StaffError,
    StaffInputError,
)
from bot.staff.roles import ALL_ROLES, ROLE_LEVELS, Role, ScopeLevel
from bot.staff.scope import Scope, can_see_ticket, ticket_filter
from bot.staff.service import (
    ConsoleSession,
    Login,
    StaffIdentity,
    StaffPolicy,
    StaffService,
)

__all__ = [
    "ALL_ROLES",
    "ROLE_LEVELS",
    "AccountDisabled",
    "BadCredentials",
    "ConsoleSession",
    "Login",
    "LoginLocked",
    "Role",
    "Scope",
    "ScopeLevel",
    "StaffError",
    "StaffIdentity",
    "StaffInputError",
    "StaffPolicy",
    "StaffService",
    "can_see_ticket",
    "ticket_filter",
]
