"""Every table model, imported so Alembic and tests see one complete metadata."""

from sqlmodel import SQLModel

import bot.review  # noqa: F401

target_metadata = SQLModel.metadata
