"""Database access: engine creation, URL handling and migrations."""

from bot.db.engine import async_url, create_engine_for, make_session_factory, sync_url
from bot.db.migrate import upgrade

__all__ = ["async_url", "create_engine_for", "make_session_factory", "sync_url", "upgrade"]
