"""Tickets: routing, deadlines, escalation, clusters, status pushes and Open311."""
