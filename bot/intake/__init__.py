"""Intake: demands that arrive from other systems rather than from a resident's chat.

12345 hotline and platform orders, sensor alarms: each *source* is registered once
(:mod:`bot.intake.sources`) with its own API key and, optionally, a callback to which the
ticket's status changes are pushed back. What a source sends becomes an ordinary ticket in
the one queue, marked with ``Ticket.source`` and the source's own number.
"""
