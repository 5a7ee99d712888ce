"""The Telegram channel: webhook or long polling, through python-telegram-bot (see
:mod:`.connector`)."""

from connectors.telegram.connector import TelegramConnector

CONNECTOR = TelegramConnector

__all__ = ["CONNECTOR", "TelegramConnector"]
