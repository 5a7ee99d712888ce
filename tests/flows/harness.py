"""Scripted conversations: read a YAML script, play it against the real gateway, check it.

A script (``tests/flows/conversations/*.yml``) says what the resident says or sends, what
the bot must answer (response keys from flows/responses.yml, substrings, buttons) and what
ends up in the database. See ``conversations/README.md`` for the format.

Two transports play a script: the channel-neutral :class:`~bot.engine.Engine` (most
scripts) and the Rasa-compatible REST channel over HTTP (``transport: rest``). Both run the
real runtime: NLU model, address book with the demo district, ticket service on SQLite or
PostgreSQL, in-process or Redis dialogue state.
"""

from __future__ import annotations

import itertools
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from bot.messages import (
    Attachment,
    ChatType,
    InboundMessage,
    Location,
    MediaKind,
    OutboundMessage,
    outbound_from_dict,
)
from bot.runtime import Runtime
from bot.tickets import TicketDraft, TicketView

CONVERSATIONS = Path(__file__).parent / "conversations"
_TURN_KEYS = {
    "say", "tap", "photo", "video", "voice", "location", "scene", "phone", "group",
    "mentioned", "stale", "expect", "resolve_ticket", "note", "when_asked",
}
_EXPECT_KEYS = {
    "responses", "not_responses", "says", "not_says", "regex", "buttons", "no_buttons",
    "silent", "to_group", "link", "private",
}
_ids = itertools.count(1)
# The first bytes of a real file of each kind (the upload endpoint sniffs them).
_SAMPLE_MEDIA = {
    MediaKind.IMAGE: b"\xff\xd8\xff\xe0\x00\x10JFIF",
    MediaKind.VIDEO: b"\x00\x00\x00\x18ftypmp42",
    MediaKind.VOICE: b"#!AMR\n",
}


@dataclass
class Script:
    name: str
    description: str
    transport: str
    databases: list[str]
    state_store: str
    setup: list[dict[str, Any]]
    turns: list[dict[str, Any]]
    tickets: list[dict[str, Any]] | None
    updates: dict[str, dict[str, Any]]
    state: dict[str, Any]

    @classmethod
    def load(cls, path: Path) -> Script:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        unknown = set(data) - {
            "description", "transport", "databases", "state_store", "setup", "turns", "db",
            "state",
        }
        assert not unknown, f"{path.name}: unknown keys {unknown}"
        for turn in data["turns"]:
            assert not set(turn) - _TURN_KEYS, f"{path.name}: unknown turn keys in {turn}"
            assert not set(turn.get("expect") or {}) - _EXPECT_KEYS, f"{path.name}: {turn}"
        db = data.get("db") or {}
        return cls(
            name=path.stem,
            description=data.get("description", ""),
            transport=data.get("transport", "engine"),
            databases=data.get("databases", ["sqlite"]),
            state_store=data.get("state_store", "memory"),
            setup=data.get("setup") or [],
            turns=data["turns"],
            tickets=db.get("tickets"),
            updates=db.get("updates") or {},
            state=data.get("state") or {},
        )


def all_scripts() -> list[Path]:
    return sorted(CONVERSATIONS.glob("*.yml"))


@dataclass
class Reply:
    """One bot message, the same shape whichever transport carried it."""

    text: str
    keys: list[str]
    buttons: list[tuple[str, str]]
    link: str | None
    group_id: str | None

    @classmethod
    def of(cls, message: OutboundMessage) -> Reply:
        return cls(
            text=message.text,
            keys=list(message.custom.get("responses", [])),
            buttons=[(b.title, b.payload) for b in message.buttons],
            link=message.link,
            group_id=message.group_id,
        )


@dataclass
class Player:
    """Plays one script for one resident against a running gateway."""

    runtime: Runtime
    script: Script
    http: Any = None  # an aiohttp TestClient for transport: rest
    sender: str = field(default_factory=lambda: f"resident-{uuid.uuid4().hex[:8]}")
    numbers: dict[str, str] = field(default_factory=dict)
    last: list[Reply] = field(default_factory=list)
    transcript: list[str] = field(default_factory=list)

    # -- setup ----------------------------------------------------------------------------

    async def prepare(self) -> None:
        for item in self.script.setup:
            view = await self._setup_ticket(item)
            self.numbers[item["id"]] = view.number

    async def _setup_ticket(self, item: dict[str, Any]) -> TicketView:
        tickets = self.runtime.tickets
        reporter = item.get("reporter", "neighbour")
        view = await tickets.file(
            TicketDraft(
                category=item["category"],
                description=item.get("description", "测试用的既有工单"),
                reporter_channel="web",
                reporter_id=(
                    self.sender if reporter == "me" else f"{reporter}-{uuid.uuid4().hex[:6]}"
                ),
                building_code=item.get("building_code"),
                landmark=item.get("landmark"),  # outdoors: a landmark and a point
                lat=item.get("lat"),
                lng=item.get("lng"),
            )
        )
        status = item.get("status", "submitted")
        if status in ("accepted", "in_progress", "resolved"):
            view = await tickets.claim(view.number, "网格员")
        if status in ("in_progress", "resolved"):
            view = await tickets.start(view.number, "网格员")
        if status == "resolved":
            view = await tickets.resolve(view.number, "网格员", item.get("note"))
        return view

    def _fill(self, text: str) -> str:
        return re.sub(r"\{(\w+)\}", lambda m: self.numbers.get(m.group(1), m.group(0)), text)

    # -- turns ----------------------------------------------------------------------------

    def _message(self, turn: dict[str, Any]) -> InboundMessage:
        text = self._fill(str(turn.get("say", "")))
        if "tap" in turn:
            wanted = self._fill(str(turn["tap"]))
            offered = [b for r in self.last for b in r.buttons]
            match = [payload for title, payload in offered if wanted in title]
            assert match, f"no button like {wanted!r} among {[t for t, _ in offered]}"
            text = match[0]
        attachments: list[Attachment] = []
        for _ in range(int(turn.get("photo", 0))):
            attachments.append(Attachment(MediaKind.IMAGE, f"/uploads/{uuid.uuid4().hex}.jpg"))
        for _ in range(int(turn.get("video", 0))):
            attachments.append(Attachment(MediaKind.VIDEO, f"/uploads/{uuid.uuid4().hex}.mp4"))
        if "voice" in turn:
            attachments.append(
                Attachment(
                    MediaKind.VOICE,
                    f"/uploads/{uuid.uuid4().hex}.amr",
                    recognized_text=turn["voice"] or None,
                )
            )
        location = turn.get("location")
        group = turn.get("group")
        return InboundMessage(
            channel="web",
            sender_id=self.sender,
            text=text,
            message_id=f"{self.sender}-{next(_ids)}",
            chat_type=ChatType.GROUP if group else ChatType.PRIVATE,
            group_id=str(group) if group else None,
            mentioned=bool(turn.get("mentioned", False)),
            scene=turn.get("scene"),
            phone=turn.get("phone"),
            location=Location(**location) if location else None,
            attachments=tuple(attachments),
        )

    async def _age_state(self, message: InboundMessage) -> None:
        """Make the stored conversation look older than its time to live."""
        store, key = self.runtime.store, f"conv:{message.conversation_id}"
        state = await store.get(key)
        assert state is not None, "stale: has no stored conversation to age"
        ttl = self.runtime.settings.conversation_ttl_seconds
        from datetime import datetime

        updated = datetime.fromisoformat(state["updated_at"])
        state["updated_at"] = (updated - timedelta(seconds=ttl + 60)).isoformat()
        await store.set(key, state, ttl=24 * 3600)

    async def send(self, message: InboundMessage) -> list[Reply]:
        if self.http is not None:
            return await self._send_rest(message)
        replies = await self.runtime.engine.handle(message)
        return [Reply.of(r) for r in replies]

    async def _upload(self, kind: MediaKind) -> str:
        """Upload a tiny real file of this kind, as the chat page does before sending."""
        from aiohttp import FormData

        form = FormData()
        form.add_field("sender", self.sender)  # an upload is attachable by its sender only
        form.add_field("file", _SAMPLE_MEDIA[kind], filename="evidence")
        response = await self.http.post("/webhooks/rest/upload", data=form)
        assert response.status == 201, await response.text()
        return str((await response.json())["url"])

    async def _send_rest(self, message: InboundMessage) -> list[Reply]:
        metadata: dict[str, Any] = {"message_id": message.message_id}
        if message.chat_type is ChatType.GROUP:
            metadata.update(
                chat_type="group", group_id=message.group_id, mentioned=message.mentioned
            )
        if message.scene:
            metadata["scene"] = message.scene
        if message.phone:
            metadata["phone"] = message.phone
        if message.location:
            metadata["location"] = {"lat": message.location.lat, "lng": message.location.lng}
        if message.attachments:
            metadata["attachments"] = [
                {
                    "kind": a.kind.value,
                    "url": await self._upload(a.kind),
                    "recognized_text": a.recognized_text,
                }
                for a in message.attachments
            ]
        response = await self.http.post(
            "/webhooks/rest/webhook",
            json={"sender": message.sender_id, "message": message.text, "metadata": metadata},
        )
        assert response.status == 200, await response.text()
        body = await response.json()
        return [Reply.of(outbound_from_dict(item)) for item in body]

    async def play(self) -> None:
        for number, turn in enumerate(self.script.turns, start=1):
            asked = [k for r in self.last for k in r.keys]
            if "when_asked" in turn and turn["when_asked"] not in asked:
                continue  # an optional answer: the bot did not ask this time
            if "resolve_ticket" in turn:
                await self.runtime.tickets.resolve(
                    self.numbers[turn["resolve_ticket"]], "网格员", turn.get("note")
                )
                continue
            message = self._message(turn)
            if turn.get("stale"):
                await self._age_state(message)
            self.last = await self.send(message)
            # The engine stores the state as JSON (Redis); it must stay JSON in memory too.
            json.dumps(await self.runtime.engine.state_of(message.conversation_id))
            self.transcript.append(f"[{number}] >>> {message.text or '(media)'}")
            for reply in self.last:
                buttons = f"  {[t for t, _ in reply.buttons]}" if reply.buttons else ""
                where = " (group)" if reply.group_id else ""
                self.transcript.append(f"    <<<{where} {reply.text}{buttons}  {reply.keys}")
            self.check(number, turn.get("expect") or {})

    # -- checks ---------------------------------------------------------------------------

    def fail(self, number: int, problem: str) -> AssertionError:
        return AssertionError(
            f"{self.script.name}, turn {number}: {problem}\n" + "\n".join(self.transcript)
        )

    def check(self, number: int, expect: dict[str, Any]) -> None:
        keys = [k for r in self.last for k in r.keys]
        text = "\n".join(r.text for r in self.last)
        titles = [t for r in self.last for t, _ in r.buttons]
        if expect.get("silent"):
            if self.last:
                raise self.fail(number, "expected no reply")
            return
        if not self.last:
            raise self.fail(number, "every message gets an answer, got none")
        position = 0
        for key in expect.get("responses", []):
            try:
                position = keys.index(key, position) + 1
            except ValueError:
                problem = f"expected response {key!r} (in order), got {keys}"
                raise self.fail(number, problem) from None
        for key in expect.get("not_responses", []):
            if key in keys:
                raise self.fail(number, f"did not expect response {key!r}")
        for fragment in expect.get("says", []):
            if self._fill(fragment) not in text:
                raise self.fail(number, f"expected the bot to say {fragment!r}")
        for fragment in expect.get("not_says", []):
            if self._fill(fragment) in text:
                raise self.fail(number, f"the bot must not say {fragment!r}")
        for pattern in expect.get("regex", []):
            if not re.search(pattern, text):
                raise self.fail(number, f"expected text matching {pattern!r}")
        for title in map(self._fill, expect.get("buttons", [])):
            if not any(title in t for t in titles):
                raise self.fail(number, f"expected a button like {title!r}, got {titles}")
        if expect.get("no_buttons") and titles:
            raise self.fail(number, f"expected no buttons, got {titles}")
        if "to_group" in expect:
            group_replies = [r for r in self.last if r.group_id]
            if bool(group_replies) != bool(expect["to_group"]):
                raise self.fail(number, f"to_group={expect['to_group']} not met")
            # Nothing personal in a group: no phone numbers, no questions about them.
            for reply in group_replies:
                if re.search(r"1[3-9]\d{9}", reply.text) or "电话" in reply.text:
                    raise self.fail(number, f"personal data in a group reply: {reply.text}")
        if "private" in expect:
            private = [r for r in self.last if not r.group_id]
            if bool(private) != bool(expect["private"]):
                raise self.fail(number, f"private={expect['private']} not met")
        links = [r.link or "" for r in self.last]
        if "link" in expect and not any(link.startswith(expect["link"]) for link in links):
            raise self.fail(number, f"expected a link starting with {expect['link']!r}")

    async def check_database(self) -> None:
        tickets = self.runtime.tickets
        if self.script.tickets is not None:
            mine = await tickets.list_for_reporter("web", self.sender, open_only=False)
            own = [t for t in reversed(mine) if t.reporter_id == self.sender]
            if len(own) != len(self.script.tickets):
                raise self.fail(0, f"expected {len(self.script.tickets)} ticket(s), got {len(own)}")
            for expected, view in zip(self.script.tickets, own, strict=True):
                full = await tickets.get(view.number)
                self._check_ticket(full, expected)
        for name, expected in self.script.updates.items():
            self._check_ticket(await tickets.get(self.numbers[name]), expected)
        if self.script.state:
            conversation = f"web:{self.sender}"
            state = await self.runtime.engine.state_of(conversation) or {}
            for key, value in self.script.state.items():
                actual = len(state.get("stack") or []) if key == "stack_depth" else state.get(key)
                if actual != value:
                    raise self.fail(0, f"state {key}: expected {value!r}, got {actual!r}")

    def _check_ticket(self, view: TicketView, expected: dict[str, Any]) -> None:
        for key, value in expected.items():
            if key == "evidence":
                actual: Any = len(view.evidence)
            elif key == "description_contains":
                for fragment in value if isinstance(value, list) else [value]:
                    if fragment not in view.description:
                        raise self.fail(0, f"{view.number}: description lacks {fragment!r}: "
                                           f"{view.description!r}")
                continue
            elif key == "address_contains":
                if value not in view.address_text:
                    raise self.fail(0, f"{view.number}: address {view.address_text!r}")
                continue
            else:
                actual = getattr(view, key)
            if actual != value:
                raise self.fail(0, f"ticket {view.number}: {key} is {actual!r}, expected {value!r}")
