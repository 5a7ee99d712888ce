"""Every table model, imported so Alembic and tests see one complete metadata."""

from sqlmodel import SQLModel

import bot.addresses.models
import bot.review
import bot.staff.models
import bot.tickets.models  # noqa: F401
import connectors.web.inbox  # noqa: F401

target_metadata = SQLModel.metadata
