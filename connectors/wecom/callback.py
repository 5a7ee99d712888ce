"""``/webhooks/wecom``: the self-built app's callback URL (safe mode only).

* ``GET ?msg_signature&timestamp&nonce&echostr`` — URL verification: the decrypted echostr.
* ``POST ?msg_signature&timestamp&nonce`` — an encrypted message from a staff member; text
  messages are commands (:mod:`.commands`), answered with an encrypted passive reply.

A wrong signature is 403 and changes nothing. WeCom waits 5 seconds and retries the same
MsgId: a retry joins the first delivery's work instead of running the command again, and a
command that outlasts the wait is answered "" at once and its result sent through the
message API when it is done. Across worker processes the first to claim a MsgId in the
state store (Redis when ``MINSHENG_REDIS_URL`` is set) runs it and shares its answer there;
a retry landing on another worker answers with that, or "" while it is still running.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.errors import BadInput, MinshengError, SignatureError
from bot.gateway import Gateway
from bot.state import StateStore
from connectors.errors import error_response
from connectors.text import clean_text
from connectors.wecom import texts
from connectors.wecom.actions import console_link, run
from connectors.wecom.commands import Refusal, parse
from connectors.wecom.crypto import CallbackCrypto
from connectors.wecom.staff import staff_for_userid

log = logging.getLogger(__name__)

#: A callback is a few hundred bytes; anything near this is not WeCom.
MAX_BODY = 64 * 1024
#: Seconds we spend on a command before answering "" (WeCom gives up at 5).
PATIENCE = 4.0
#: How many recent MsgIds each worker remembers (WeCom retries within ~15 s).
_REMEMBERED = 2048
#: How long a claimed MsgId and its answer are kept in the shared store.
_SHARED_TTL = 600.0
#: How often a worker that lost the claim looks for the winner's answer.
_POLL = 0.05

Sender = Callable[[str, str], Awaitable[None]]


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply_xml(to_user: str, from_corp: str, content: str) -> str:
    return (
        f"<xml><ToUserName>{_cdata(to_user)}</ToUserName>"
        f"<FromUserName>{_cdata(from_corp)}</FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime>"
        f"<MsgType>{_cdata('text')}</MsgType>"
        f"<Content>{_cdata(content)}</Content></xml>"
    )


class Callback:
    """The request handlers of one app (one corp id, token and AES key)."""

    def __init__(
        self,
        crypto: CallbackCrypto,
        corp_id: str,
        gateway_key: web.AppKey[Gateway],
        send_later: Callable[[], Sender | None],
        store: Callable[[], StateStore | None],
    ) -> None:
        self.crypto = crypto
        self.corp_id = corp_id
        self.gateway_key = gateway_key
        self._send_later = send_later
        self._store = store
        self._work: OrderedDict[str, asyncio.Task[str]] = OrderedDict()
        self._late: set[asyncio.Task[None]] = set()
        #: MsgIds whose answer goes out through the message API (sent once, retries or not).
        self._promised: set[str] = set()

    @staticmethod
    def _query(request: web.Request, *names: str) -> list[str]:
        values = [request.query.get(name, "") for name in names]
        if not all(values):
            raise BadInput("missing callback parameters", code="bad_input")
        return values

    async def verify(self, request: web.Request) -> web.Response:
        try:
            signature, timestamp, nonce, echostr = self._query(
                request, "msg_signature", "timestamp", "nonce", "echostr"
            )
            plain = self.crypto.verify_url(signature, timestamp, nonce, echostr)
        except MinshengError as exc:
            log.info("wecom URL verification refused: %s", exc.code)
            return error_response(exc, context="wecom verify")
        return web.Response(text=plain)

    async def receive(self, request: web.Request) -> web.Response:
        try:
            signature, timestamp, nonce = self._query(
                request, "msg_signature", "timestamp", "nonce"
            )
            if (request.content_length or 0) > MAX_BODY:
                raise BadInput("callback body too large", code="too_large")
            body = await request.content.read(MAX_BODY + 1)
            if len(body) > MAX_BODY:
                raise BadInput("callback body too large", code="too_large")
            fields = self.crypto.decrypt(body, signature, timestamp, nonce)
        except MinshengError as exc:
            if isinstance(exc, SignatureError):
                log.warning("wecom callback with a bad signature refused")
            return error_response(exc, context="wecom callback")
        user_id = fields.get("FromUserName", "")
        if fields.get("MsgType") != "text" or not user_id:
            # Events (enter_agent, subscribe) and media need no answer; "" is WeCom's "ok".
            return web.Response(text="")
        key = fields.get("MsgId") or f"{user_id}:{fields.get('CreateTime', '')}"
        task = self._work.get(key)
        if task is None:
            store = self._store()
            if store is not None and not await store.add_if_absent(
                f"wecom:claim:{key}", ttl=_SHARED_TTL
            ):
                # Another worker runs this MsgId: answer with its result when it is there.
                shared = await self._shared_answer(store, key)
                if shared is None:
                    return web.Response(text="")
                reply = text_reply_xml(user_id, self.corp_id, shared)
                return web.Response(
                    text=self.crypto.encrypt(reply, nonce), content_type="text/xml"
                )
            gateway = request.app[self.gateway_key]
            task = asyncio.create_task(
                self._answer_and_share(
                    store, key, gateway, user_id, clean_text(fields.get("Content", ""))
                ),
                name="wecom-command",
            )
            self._remember(key, task)
        done, _ = await asyncio.wait({task}, timeout=PATIENCE)
        if not done:
            self._finish_later(key, task, user_id)
            return web.Response(text="")
        reply = text_reply_xml(user_id, self.corp_id, task.result())
        return web.Response(text=self.crypto.encrypt(reply, nonce), content_type="text/xml")

    def _remember(self, key: str, task: asyncio.Task[str]) -> None:
        self._work[key] = task
        while len(self._work) > _REMEMBERED:
            self._work.popitem(last=False)

    @staticmethod
    async def _shared_answer(store: StateStore, key: str) -> str | None:
        deadline = asyncio.get_running_loop().time() + PATIENCE
        while True:
            found = await store.get(f"wecom:answer:{key}")
            if found is not None and isinstance(found.get("text"), str):
                return str(found["text"])
            if asyncio.get_running_loop().time() >= deadline:
                return None
            await asyncio.sleep(_POLL)

    async def _answer_and_share(
        self, store: StateStore | None, key: str, gateway: Gateway, user_id: str, text: str
    ) -> str:
        reply = await self._answer(gateway, user_id, text)
        if store is not None:
            try:
                await store.set(f"wecom:answer:{key}", {"text": reply}, ttl=_SHARED_TTL)
            except Exception:  # the staff member still has the answer; a retry gets ""
                log.warning("could not share a WeCom answer", exc_info=True)
        return reply

    async def _answer(self, gateway: Gateway, user_id: str, text: str) -> str:
        try:
            staff = await staff_for_userid(gateway.sessions, user_id)
            if staff is None:
                return texts.NOT_BOUND
            command = parse(text)
            if isinstance(command, Refusal):
                return command.message
            return await run(gateway, staff, command)
        except Exception:  # the staff member still gets an answer, and the console link
            log.exception("wecom command failed")
            return texts.FAILED.format(link=console_link(gateway.settings.public_url))

    def _finish_later(self, key: str, task: asyncio.Task[str], user_id: str) -> None:
        if key in self._promised:
            return  # a retry of a command already promised for later
        self._promised.add(key)

        async def deliver() -> None:
            reply = await task
            sender = self._send_later()
            if sender is None:
                log.warning("a late WeCom answer could not be sent: no API client")
                return
            try:
                await sender(user_id, reply)
            except MinshengError:
                log.warning("a late WeCom answer could not be sent", exc_info=True)

        late = asyncio.create_task(deliver(), name="wecom-late")
        self._late.add(late)
        late.add_done_callback(self._late.discard)
        late.add_done_callback(lambda _: self._promised.discard(key))

    async def aclose(self) -> None:
        pending = list(self._late)
        if pending:
            await asyncio.wait(pending, timeout=10)
