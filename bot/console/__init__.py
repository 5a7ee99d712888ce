"""The staff console (``/console/...``): the ticket inbox and ticket pages (:mod:`.web`,
queries in :mod:`.inbox`), live handoff and the dashboard (their own modules).

Every route goes through :func:`bot.staff.web.console_route` with a role rule, and every
ticket query through :func:`bot.staff.scope.ticket_filter`.
"""
