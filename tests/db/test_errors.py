"""Database errors end up in the log: they must not carry the residents' data they failed on."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.db import create_engine_for


async def test_database_errors_do_not_print_query_parameters(database_url: str) -> None:
    engine = create_engine_for(database_url)
    try:
        async with engine.connect() as connection:
            with pytest.raises(DBAPIError) as caught:
                await connection.execute(
                    text("INSERT INTO no_such_table (phone) VALUES (:phone)"),
                    {"phone": "13812345678"},
                )
    finally:
        await engine.dispose()
    assert "13812345678" not in str(caught.value)
    assert "hidden" in str(caught.value)
