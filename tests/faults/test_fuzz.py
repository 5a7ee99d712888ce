"""Fuzzing of every inbound parser with hypothesis: the REST webhook (JSON), uploads
(multipart), Open311 forms, ``/model/parse``, the address CSV import and the Rasa YAML
reader. Whatever comes in, the answer is never a 500 and the log holds no trace.

The gateway runs once (SQLite, in-process state); hypothesis drives it from a thread and
hands each request to the app's event loop. Example counts stay small so CI stays quick.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import string
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import create_app
from bot.appkeys import RUNTIME
from bot.errors import AddressError
from bot.tickets.catalog import Catalog
from nlu.rasa_io import read_text

T = TypeVar("T")
API_KEY = "fuzz-key"
FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,  # no .hypothesis directory in the work tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Text with the characters that broke parsers before: NUL, lone surrogates, full-width
# digits, brackets, very large numbers.
nasty_text = st.lists(
    st.one_of(
        st.characters(codec=None, exclude_categories=()),
        st.sampled_from(["\0", "\ud800", "[", "{", "０", "１", "e999", "nan", "锦园", "\n"]),
    ),
    max_size=40,
).map("".join)
json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), nasty_text
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(nasty_text, inner, max_size=4),
    max_leaves=12,
)


@pytest.fixture
async def client(make_settings, aiohttp_client) -> TestClient:  # type: ignore[no-untyped-def]
    app = create_app(make_settings(open311_api_keys=[API_KEY]), background=False)
    return await aiohttp_client(app)


def no_traces(caplog: pytest.LogCaptureFixture) -> None:
    bad = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not bad, [f"{r.name}: {r.getMessage()}" for r in bad]


async def drive(client: TestClient, test: Callable[[Callable[[Awaitable[T]], T]], None]) -> None:
    """Run the hypothesis ``test`` in a thread; it sends each request to the app's loop."""
    loop = asyncio.get_running_loop()

    def on_loop(coroutine: Awaitable[T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout=60)  # type: ignore[arg-type]

    await asyncio.to_thread(test, on_loop)


async def status_of(client: TestClient, method: str, path: str, **kwargs: Any) -> int:
    async with client.request(method, path, **kwargs) as response:
        await response.read()
        return response.status


async def test_rest_webhook_json(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    bodies = st.one_of(
        json_values,
        st.fixed_dictionaries(
            {"sender": json_scalars, "message": json_scalars},
            optional={"metadata": json_values},
        ),
        st.fixed_dictionaries(
            {"sender": nasty_text, "message": nasty_text},
            optional={"metadata": st.dictionaries(
                st.sampled_from(["message_id", "attachments", "chat_type", "group_id"]),
                json_values, max_size=3)},
        ),
    )

    @FUZZ
    @given(body=bodies)
    def check(on_loop: Callable[[Awaitable[int]], int], body: Any) -> None:
        raw = json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")
        status = on_loop(status_of(client, "POST", "/webhooks/rest/webhook", data=raw))
        assert status < 500 or status == 503, (status, body)

    await drive(client, lambda on_loop: check(on_loop))
    no_traces(caplog)


async def test_raw_bodies_and_model_parse(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    @FUZZ
    @given(raw=st.binary(max_size=200), path=st.sampled_from(
        ["/webhooks/rest/webhook", "/model/parse"]))
    def check(on_loop: Callable[[Awaitable[int]], int], raw: bytes, path: str) -> None:
        status = on_loop(status_of(client, "POST", path, data=raw))
        assert status < 500, (status, raw)

    await drive(client, lambda on_loop: check(on_loop))
    no_traces(caplog)


async def test_multipart_upload(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    boundary = "fuzzboundary"

    @FUZZ
    @given(
        head=st.binary(max_size=120),
        payload=st.binary(max_size=200),
        content_type=st.sampled_from([
            f"multipart/form-data; boundary={boundary}",
            "multipart/form-data",
            "multipart/form-data; boundary=",
            "multipart/mixed; boundary=x",
        ]),
        well_formed=st.booleans(),
    )
    def check(
        on_loop: Callable[[Awaitable[int]], int],
        head: bytes, payload: bytes, content_type: str, well_formed: bool,
    ) -> None:
        if well_formed:
            body = (
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                f"filename=\"x.jpg\"\r\n\r\n".encode() + payload
                + f"\r\n--{boundary}--\r\n".encode()
            )
        else:
            body = head + payload
        status = on_loop(status_of(
            client, "POST", "/webhooks/rest/upload", data=body,
            headers={"Content-Type": content_type},
        ))
        assert status < 500, (status, body[:80])

    await drive(client, lambda on_loop: check(on_loop))
    no_traces(caplog)


async def test_open311_forms(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    catalog: Catalog = client.app[RUNTIME].catalog
    codes = sorted(item.intent for item in catalog.items())
    numbers = st.one_of(
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.sampled_from(["nan", "1e999", "-1e999", "", "３６.６", "0x10"]),
        nasty_text,
    )
    dates = st.one_of(
        st.sampled_from(["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", ""]),
        nasty_text,
    )

    @FUZZ
    @given(
        form=st.fixed_dictionaries(
            {"api_key": st.just(API_KEY)},
            optional={
                "service_code": st.one_of(st.sampled_from(codes), nasty_text),
                "lat": numbers, "long": numbers,
                "address_string": nasty_text, "address_id": nasty_text,
                "description": nasty_text, "phone": nasty_text, "media_url": nasty_text,
                "first_name": nasty_text, "device_id": nasty_text,
            },
        ),
        query=st.dictionaries(
            st.sampled_from(["start_date", "end_date", "status", "service_code",
                             "service_request_id"]),
            dates, max_size=3,
        ),
    )
    def check(
        on_loop: Callable[[Awaitable[int]], int], form: dict[str, str], query: dict[str, str]
    ) -> None:
        clean = {k: v.encode("utf-8", "replace").decode() for k, v in form.items()}
        data = FormData(clean)
        status = on_loop(status_of(client, "POST", "/open311/v2/requests.json", data=data))
        assert status < 500, (status, form)
        params = {k: v.encode("utf-8", "replace").decode() for k, v in query.items()}
        status = on_loop(status_of(client, "GET", "/open311/v2/requests.json", params=params))
        assert status < 500, (status, query)

    await drive(client, lambda on_loop: check(on_loop))
    no_traces(caplog)


CSV_CELLS = st.one_of(
    st.text(alphabet=string.printable + "锦园小区楼号,\"\0０", max_size=12),
    st.sampled_from(["", "nan", "1e999", "-91", "116.4", "B001", "锦园小区"]),
)


async def test_address_csv_import(
    client: TestClient, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.addresses.importer import (
        REQUIRED_BUILDING_COLUMNS,
        REQUIRED_PEOPLE_COLUMNS,
        import_csv,
    )

    sessions = client.app[RUNTIME].sessions
    headers = st.one_of(
        st.just(list(REQUIRED_BUILDING_COLUMNS)),
        st.just(list(REQUIRED_PEOPLE_COLUMNS)),
        st.lists(CSV_CELLS, max_size=5),
    )

    @FUZZ
    @given(header=headers, rows=st.lists(st.lists(CSV_CELLS, max_size=8), max_size=5),
           raw=st.one_of(st.none(), st.binary(max_size=100)))
    def check(
        on_loop: Callable[[Awaitable[Any]], Any],
        header: list[str], rows: list[list[str]], raw: bytes | None,
    ) -> None:
        path = tmp_path / "import.csv"
        if raw is not None:
            path.write_bytes(raw)
        else:
            lines = [header, *rows]
            text = "\n".join(",".join(json.dumps(cell) for cell in line) for line in lines)
            path.write_text(text, encoding="utf-8", errors="replace")

        async def run() -> None:
            # A file that is unusable as a whole is refused with a reason (AddressError).
            with contextlib.suppress(AddressError):
                await import_csv(sessions, path, dry_run=True)

        on_loop(run())

    await drive(client, lambda on_loop: check(on_loop))
    no_traces(caplog)


def test_rasa_yaml_reader() -> None:
    yaml_like = st.one_of(
        nasty_text,
        st.builds(
            lambda intent, examples: (
                "version: \"3.1\"\nnlu:\n- intent: " + intent + "\n  examples: |\n"
                + "".join(f"    - {e}\n" for e in examples)
            ),
            nasty_text, st.lists(nasty_text, max_size=4),
        ),
        json_values.map(lambda v: json.dumps({"nlu": v}, ensure_ascii=False)),
    )

    @FUZZ
    @given(text=yaml_like, suffix=st.sampled_from([".yml", ".json"]))
    def check(text: str, suffix: str) -> None:
        problems: list[Any] = []
        # With a problems list the reader reports and goes on; it raises nothing.
        read_text(text, "fuzz.yml", problems, suffix=suffix)

    check()
