"""The web channel: chat page and Rasa-compatible REST webhook (see :mod:`.connector`)."""

from connectors.web.connector import WebConnector

CONNECTOR = WebConnector

__all__ = ["CONNECTOR", "WebConnector"]
