"""WeCom (企业微信) for staff: notices in the app, ticket commands back (see :mod:`.connector`)."""

from connectors.wecom.connector import WeComConnector

CONNECTOR = WeComConnector

__all__ = ["CONNECTOR", "WeComConnector"]
