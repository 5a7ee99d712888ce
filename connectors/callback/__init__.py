"""Rasa's callback channel: messages in at ``/webhooks/callback/webhook``, every bot message
POSTed to ``MINSHENG_CALLBACK_URL`` (see :mod:`.connector`)."""

from connectors.callback.connector import CallbackConnector

CONNECTOR = CallbackConnector

__all__ = ["CONNECTOR", "CallbackConnector"]
