"""minsheng's actions for a Rasa assistant, run through the core's services.

Tickets filed here are the ``callback`` channel's (the resident is ``sender_id``): with
``MINSHENG_CALLBACK_URL`` set, every later status change is POSTed to the assistant's
callback URL like any other bot message.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot.errors import MinshengError
from bot.tickets import TicketDraft
from connectors.rasa_actions import texts
from connectors.rasa_actions.protocol import ActionCall

if TYPE_CHECKING:
    from bot.gateway import Gateway

CHANNEL = "callback"
MIN_DESCRIPTION_CHARS = 4

Action = Callable[[ActionCall, "Gateway"], Awaitable[None]]


def _resolve_into(call: ActionCall, gateway: Gateway, text: str) -> str | None:
    """Resolve ``text`` to a building; set the address slots or ask with buttons."""
    resolution = gateway.addresses.resolve(text)
    code = resolution.building_code
    if code is not None:
        info = gateway.addresses.building(code)
        call.set_slot("building_code", code)
        call.set_slot("address", info.address if info else text)
        call.say(texts.ADDRESS_RESOLVED.format(address=info.address if info else text))
        return code
    if resolution.question_choices:
        buttons = [
            {"title": label, "payload": f'/inform{{"address": "{value}"}}'}
            for value, label in resolution.question_choices
        ]
        call.say(texts.ADDRESS_ASK, buttons)
    else:
        call.say(texts.ADDRESS_UNKNOWN)
    return None


async def action_resolve_address(call: ActionCall, gateway: Gateway) -> None:
    text = call.slot("address") or call.entity("address") or call.text
    _resolve_into(call, gateway, text)


async def action_file_ticket(call: ActionCall, gateway: Gateway) -> None:
    category = call.slot("category") or call.latest.get("intent", {}).get("name")
    description = call.slot("description") or call.text
    building = call.slot("building_code")
    catalog = gateway.tickets.catalog
    if not category or not catalog.has(str(category)):
        call.say(texts.NEED_CATEGORY)
        return
    if not description:
        call.say(texts.NEED_DESCRIPTION)
        return
    if not building:
        call.say(texts.NEED_BUILDING)
        return
    try:
        ticket = await gateway.tickets.file(
            TicketDraft(
                category=str(category),
                description=description,
                reporter_channel=CHANNEL,
                reporter_id=call.sender_id,
                building_code=building,
                unit=call.slot("unit"),
                room=call.slot("room"),
                source_message_id=call.message_id,
            )
        )
    except MinshengError as exc:
        call.say(texts.FILE_FAILED.format(reason=exc))
        return
    call.set_slot("ticket_number", ticket.number)
    call.say(
        texts.FILED.format(
            number=ticket.number,
            category=ticket.category_name_zh,
            deadline=ticket.deadline_text_zh,
        )
    )


async def action_ticket_status(call: ActionCall, gateway: Gateway) -> None:
    number = call.entity("ticket_number") or call.slot("ticket_number")
    # Only the resident's own (or followed) tickets: a number alone proves nothing.
    mine = await gateway.tickets.list_for_reporter(
        CHANNEL, call.sender_id, open_only=False, limit=20
    )
    if number:
        found = [t for t in mine if t.number == number]
        if not found:
            call.say(texts.NOT_YOURS.format(number=number))
            return
        mine = found
    if not mine:
        call.say(texts.NO_TICKETS)
        return
    for ticket in mine[:3]:
        call.say(
            texts.STATUS.format(
                number=ticket.number,
                category=ticket.category_name_zh,
                status=ticket.status_label_zh,
            )
        )


async def action_contact_secretary(call: ActionCall, gateway: Gateway) -> None:
    code = call.slot("building_code")
    if code is None:
        text = call.slot("address") or call.entity("address")
        code = _resolve_into(call, gateway, text) if text else None
    contact = None
    route = None
    if code is not None and gateway.addresses.building(code) is not None:
        route = gateway.addresses.route(code)
        contact = route.contact("secretary")
    if route is None or contact is None:
        call.say(texts.NO_SECRETARY)
        return
    call.say(
        texts.SECRETARY.format(
            community=route.community.name, name=contact.name, phone=contact.phone
        )
    )


async def validate_report_form(call: ActionCall, gateway: Gateway) -> None:
    """Validate the slots the resident just gave (rasa-sdk's FormValidationAction)."""
    for name, value in call.slots_to_validate().items():
        if value is None:
            continue
        text = str(value).strip()
        if name == "category":
            if gateway.tickets.catalog.has(text):
                call.set_slot(name, text)
            else:
                call.set_slot(name, None)
                call.say(texts.INVALID_CATEGORY.format(value=text))
        elif name == "description":
            if len(text) >= MIN_DESCRIPTION_CHARS:
                call.set_slot(name, text)
            else:
                call.set_slot(name, None)
                call.say(texts.INVALID_DESCRIPTION)
        elif name in ("address", "building_code"):
            if gateway.addresses.building(text) is not None:
                call.set_slot("building_code", text)
            elif _resolve_into(call, gateway, text) is None:
                call.set_slot(name, None)
        else:
            call.set_slot(name, value)


ACTIONS: dict[str, Action] = {
    "action_file_ticket": action_file_ticket,
    "action_ticket_status": action_ticket_status,
    "action_resolve_address": action_resolve_address,
    "action_contact_secretary": action_contact_secretary,
    "validate_report_form": validate_report_form,
}


def action_names() -> list[str]:
    return sorted(ACTIONS)
