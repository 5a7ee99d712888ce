"""Every core table model, imported so Alembic and tests see the core's metadata.

Connectors own tables too (``Connector.models_module``); the core never imports connectors,
so composition roots and the Alembic environment add them with
:func:`connectors.import_models` before comparing or generating migrations.
"""

from sqlmodel import SQLModel

import bot.addresses.models
import bot.handoff.models
import bot.intake.alarms.models
import bot.intake.models
import bot.nlu_trust
import bot.review
import bot.staff.models
import bot.tickets.models
import bot.uploads  # noqa: F401

target_metadata = SQLModel.metadata
