"""The mini-program HTTP API ``/mp/...`` for residents (see :mod:`.connector`)."""

from connectors.miniprogram.connector import MiniProgramConnector

CONNECTOR = MiniProgramConnector

__all__ = ["CONNECTOR", "MiniProgramConnector"]
