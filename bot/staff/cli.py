"""``minsheng staff ...``: add, list, disable staff accounts and log them out everywhere.

Passwords are read from standard input (``--password-stdin``, first line) or typed twice
at a hidden prompt; they are never taken from the command line, which other users of the
machine can read, nor echoed.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.config import Settings
from bot.staff import texts
from bot.staff.errors import StaffInputError
from bot.staff.roles import Role
from bot.staff.scope import Scope
from bot.staff.service import StaffIdentity, StaffPolicy, StaffService

T = TypeVar("T")


def _settings(args: argparse.Namespace) -> Settings:
    from bot.db.command import command_settings

    return command_settings(args)


async def _with_service(
    args: argparse.Namespace, work: Callable[[StaffService], Awaitable[T]]
) -> T:
    from bot.db.command import command_database

    settings = _settings(args)
    async with command_database(settings) as sessions:
        return await work(StaffService(sessions, policy=StaffPolicy.from_settings(settings)))


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(texts.CLI_PASSWORD_PROMPT)
    if getpass.getpass(texts.CLI_PASSWORD_REPEAT) != first:
        raise StaffInputError(texts.CLI_PASSWORD_MISMATCH)
    return first


def _describe(staff: StaffIdentity) -> dict[str, str]:
    return {
        "username": staff.username,
        "name": staff.display_name or texts.CLI_NONE,
        "role": texts.ROLE_LABELS[staff.role.value],
        "scope": staff.scope.as_text(),
        "person": staff.person_code or texts.CLI_NONE,
        "state": texts.CLI_ACTIVE[staff.active],
    }


def cmd_add(args: argparse.Namespace) -> int:
    scope = Scope.parse(args.scope)
    password = _read_password(args)

    async def work(service: StaffService) -> StaffIdentity:
        return await service.create_account(
            args.username, password, role=Role(args.role), scope=scope,
            display_name=args.name or "", person_code=args.person,
        )

    staff = asyncio.run(_with_service(args, work))
    print(texts.CLI_ADDED.format(**_describe(staff)))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    accounts = asyncio.run(_with_service(args, lambda service: service.list_accounts()))
    if not accounts:
        print(texts.CLI_EMPTY)
        return 0
    print(texts.CLI_LIST_HEADER)
    for staff in accounts:
        print(texts.CLI_LIST_LINE.format(**_describe(staff)))
    return 0


def cmd_disable(args: argparse.Namespace) -> int:
    staff = asyncio.run(
        _with_service(args, lambda service: service.set_active(args.username, False))
    )
    print(texts.CLI_DISABLED.format(username=staff.username))
    return 0


def cmd_logout_all(args: argparse.Namespace) -> int:
    staff = asyncio.run(
        _with_service(args, lambda service: service.logout_everywhere_by_name(args.username))
    )
    print(texts.CLI_LOGGED_OUT_ALL.format(username=staff.username))
    return 0


def _db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", help="overrides MINSHENG_DATABASE_URL")


def register_cli(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``staff`` (add, list, disable, logout-all) to the ``minsheng`` command."""
    staff = subparsers.add_parser("staff", help="staff console accounts")
    actions = staff.add_subparsers(dest="staff_command", required=True, metavar="ACTION")

    add = actions.add_parser(
        "add", help="create a staff account bound to a scope",
        description="Create a console account. The password is read from standard input "
        "(--password-stdin) or typed twice at a hidden prompt.",
    )
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=[role.value for role in Role])
    add.add_argument(
        "--scope", required=True, metavar="LEVEL:CODE",
        help="e.g. community:370303001001 (levels: grid, community, street, district, "
        "department)",
    )
    add.add_argument("--person", metavar="CODE", help="person_code in the address registry")
    add.add_argument("--name", help="display name (姓名)")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    _db_option(add)
    add.set_defaults(handler=cmd_add)

    listing = actions.add_parser("list", help="list staff accounts")
    _db_option(listing)
    listing.set_defaults(handler=cmd_list)

    disable = actions.add_parser("disable", help="switch an account off and end its sessions")
    disable.add_argument("username")
    _db_option(disable)
    disable.set_defaults(handler=cmd_disable)

    logout_all = actions.add_parser("logout-all", help="end every session of an account")
    logout_all.add_argument("username")
    _db_option(logout_all)
    logout_all.set_defaults(handler=cmd_logout_all)
