"""JSON shapes of the mini-program API (documented in ``openapi.json``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.addresses.types import BuildingInfo, Route
from bot.tickets.views import TicketView


def _at(moment: datetime | None) -> str | None:
    return moment.isoformat() + "Z" if moment is not None else None


def ticket_summary(view: TicketView) -> dict[str, Any]:
    return {
        "number": view.number,
        "status": view.status,
        "status_label": view.status_label_zh,
        "category": view.category,
        "category_name": view.category_name_zh,
        "description": view.description,
        "address": view.address_text,
        "building_code": view.building_code,
        "responsible_unit": view.responsible_unit,
        "deadline": _at(view.deadline),
        "deadline_text": view.deadline_text_zh,
        "overdue": view.overdue,
        "rating": view.rating,
        "urge_count": view.urge_count,
        "created_at": _at(view.created_at),
        "updated_at": _at(view.updated_at),
    }


def ticket_detail(view: TicketView) -> dict[str, Any]:
    """A resident's own ticket: its evidence and history (without staff names)."""
    return {
        **ticket_summary(view),
        "evidence": [{"kind": kind, "url": url} for kind, url in view.evidence],
        "history": [
            {"at": _at(e.at), "kind": e.kind, "status": e.to_status, "note": e.note}
            for e in view.history
        ],
    }


def building(info: BuildingInfo, route: Route, role_labels: dict[str, str]) -> dict[str, Any]:
    """What the door plate shows: the standard address and who is in charge."""
    seen: dict[str, dict[str, Any]] = {}
    for contact in route.contacts:  # most local first: keep the first of each role
        seen.setdefault(
            contact.role,
            {
                "role": contact.role,
                "role_label": role_labels.get(contact.role, contact.role),
                "name": contact.name,
                "phone": contact.phone,
            },
        )
    return {
        "code": info.code,
        "address": info.address,
        "label": info.label,
        "units": info.units,
        "grid": {"code": info.grid_code, "name": info.grid_name},
        "community": {"code": info.community_code, "name": info.community_name},
        "street": {"code": info.street_code, "name": info.street_name},
        "district": {"code": info.district_code, "name": info.district_name},
        "location": {"lat": info.lat, "lng": info.lng},
        "contacts": list(seen.values()),
    }
