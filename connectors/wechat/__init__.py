"""The WeChat Official Account channel (公众号) and micro-grid group announcements
(see :mod:`.connector`)."""

from connectors.wechat.connector import WeChatConnector

CONNECTOR = WeChatConnector

__all__ = ["CONNECTOR", "WeChatConnector"]
