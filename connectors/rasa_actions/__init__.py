"""A Rasa action server inside the gateway: an existing Rasa assistant runs minsheng's
actions (file a ticket, ticket status, resolve an address, contact the secretary,
validate_report_form) over Rasa's action-server protocol (see :mod:`.connector`)."""

from connectors.rasa_actions.connector import RasaActionsConnector

CONNECTOR = RasaActionsConnector

__all__ = ["CONNECTOR", "RasaActionsConnector"]
