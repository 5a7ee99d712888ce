"""Tickets (工单): routing, deadlines, escalation, clusters, status pushes and Open311.

Public surface::

    catalog = Catalog.load(settings.training_data_dir / "catalog.yml")
    service = TicketService(session_factory, catalog, address_book, settings=settings)
    view = await service.file(TicketDraft(category="report_lighting", ...))
    Dispatcher(session_factory, outputs).run_forever()      # delivers the outbox
    scheduler_loop(service, session_factory)                 # deadline scan, clusters, reminders
"""

from bot.tickets._ops import TicketPolicy
from bot.tickets.catalog import Catalog, CatalogItem, Department
from bot.tickets.clock import Clock, utcnow
from bot.tickets.deadlines import WorkCalendar, compute_deadline
from bot.tickets.dispatcher import Dispatcher, DispatchReport
from bot.tickets.outbox import DeadLetter, counts_by_status, dead_letters, requeue
from bot.tickets.routing import CONSOLE_CHANNEL, Placement, Router
from bot.tickets.scheduler import Job, Scheduler, scheduler_loop, ticket_jobs
from bot.tickets.service import TicketService, Urged
from bot.tickets.staff_inbox import ConsoleInbox, StaffNotice, staff_inbox
from bot.tickets.status import TRANSITIONS, TicketStatus, Tier, Urgency, check_transition
from bot.tickets.views import EventView, IncidentView, TicketDraft, TicketView

__all__ = [
    "CONSOLE_CHANNEL",
    "TRANSITIONS",
    "Catalog",
    "CatalogItem",
    "Clock",
    "ConsoleInbox",
    "DeadLetter",
    "Department",
    "DispatchReport",
    "Dispatcher",
    "EventView",
    "IncidentView",
    "Job",
    "Placement",
    "Router",
    "Scheduler",
    "StaffNotice",
    "TicketDraft",
    "TicketPolicy",
    "TicketService",
    "TicketStatus",
    "TicketView",
    "Tier",
    "Urged",
    "Urgency",
    "WorkCalendar",
    "check_transition",
    "compute_deadline",
    "counts_by_status",
    "dead_letters",
    "requeue",
    "scheduler_loop",
    "staff_inbox",
    "ticket_jobs",
    "utcnow",
]
