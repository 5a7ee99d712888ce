"""Hold the live model and swap in a new one without dropping a request."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Collection
from pathlib import Path
from typing import Protocol

from nlu.artifact import load_model
from nlu.errors import NLUError
from nlu.model import NLUModel
from nlu.types import ParseResult

log = logging.getLogger(__name__)


# The digests of trusted artifacts, fetched when a reload needs them (they may live in a
# database the library knows nothing of).
TrustedDigests = Callable[[], Awaitable[Collection[str]]]

# After a remote failure the embedded model answers alone for this long before the remote
# backend is tried again: during an outage no resident waits for the remote's timeout.
REMOTE_RETRY_SECONDS = 30.0


class RemoteParser(Protocol):
    """An NLU backend in another process (a Rasa server); raises NLUError when it fails."""

    backend: str

    async def parse(self, text: str, message_id: str | None = None) -> ParseResult: ...

    async def aclose(self) -> None: ...


#: Texts up to this long parse on the event loop (about 0.4 ms at 64 characters).
INLINE_MAX_CHARS = 64


class _Outage:
    """Logs a remote backend's outage once when it starts and once when it ends, and says
    when to try the remote again."""

    def __init__(self, name: str, retry_seconds: float, clock: Callable[[], float]) -> None:
        self._name = name
        self._retry = retry_seconds
        self._clock = clock
        self._since: float | None = None
        self._next_try = 0.0

    @property
    def ongoing(self) -> bool:
        return self._since is not None

    def should_try(self) -> bool:
        return self._since is None or self._clock() >= self._next_try

    def failed(self, error: Exception) -> None:
        now = self._clock()
        if self._since is None:
            self._since = now
            log.warning(
                "NLU backend %s failed (%s): the embedded model answers until it is back",
                self._name,
                error,
            )
        self._next_try = now + self._retry

    def recovered(self) -> None:
        if self._since is not None:
            log.warning(
                "NLU backend %s is back after %.0f s", self._name, self._clock() - self._since
            )
            self._since = None


class NLUService:
    """The gateway's NLU: ``parse`` with the current model, ``reload`` to replace it.

    A parse reads ``self._model`` once and uses that object to the end, and a reload
    builds the new model completely (in a worker thread) before one reference assignment
    publishes it: requests in flight finish on the old model, later ones use the new one.
    A failed reload leaves the old model serving.
    """

    def __init__(
        self,
        model: NLUModel,
        *,
        path: str | Path | None = None,
        fallback_threshold: float | None = None,
        ambiguity_threshold: float | None = None,
        trusted_digests: TrustedDigests | None = None,
        remote: RemoteParser | None = None,
        remote_retry_seconds: float = REMOTE_RETRY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Serve ``model``; thresholds left ``None`` keep the ones the model was loaded with.

        ``path`` is where :meth:`reload` reads from; it defaults to the file the model was
        loaded from (``model.source_path``). With ``trusted_digests`` (the digests of the
        artifacts the trainers' own command wrote), a reload refuses any other artifact:
        whoever can write to the model folder must not be able to run code here.

        With ``remote`` (an external Rasa server), :meth:`parse_message` asks it first and
        falls back to the embedded model when it fails; the embedded model stays loaded.
        """
        self.remote = remote
        self._outage = _Outage(
            remote.backend if remote is not None else "", remote_retry_seconds, clock
        )
        self._trusted_digests = trusted_digests
        source = path if path is not None else model.source_path
        self.path = Path(source) if source is not None else None
        self.fallback_threshold = (
            model.fallback_threshold if fallback_threshold is None else fallback_threshold
        )
        self.ambiguity_threshold = (
            model.ambiguity_threshold if ambiguity_threshold is None else ambiguity_threshold
        )
        self._model = model.with_thresholds(self.fallback_threshold, self.ambiguity_threshold)
        self._reload_lock = asyncio.Lock()

    @property
    def model(self) -> NLUModel:
        return self._model

    @property
    def version(self) -> str:
        return self._model.version

    def parse(self, text: str) -> ParseResult:
        return self._model.parse(text)

    @property
    def backend(self) -> str:
        """Which NLU answers messages now: the remote backend's name, or "embedded"."""
        if self.remote is None or self._outage.ongoing:
            return "embedded"
        return self.remote.backend

    async def parse_message(self, text: str, message_id: str | None = None) -> ParseResult:
        """Parse a resident's message with the configured backend.

        A remote backend that fails (down, slow, an error, garbage) is logged once per
        outage and the embedded model answers; the remote is tried again after
        ``remote_retry_seconds``.
        """
        if self.remote is not None and self._outage.should_try():
            try:
                result = await self.remote.parse(text, message_id)
            except NLUError as exc:
                self._outage.failed(exc)
            else:
                self._outage.recovered()
                return result
        return await self.parse_async(text)

    async def aclose(self) -> None:
        """Close the remote backend's client, if any."""
        if self.remote is not None:
            await self.remote.aclose()

    async def parse_async(self, text: str) -> ParseResult:
        """Parse a chat line on the event loop, a longer text off it.

        A long text is milliseconds of CPU (jieba, the classifier) during which every
        other conversation of this worker would wait; a chat line takes a tenth of one,
        less than handing it to a thread and back (bench/load.py).
        """
        model = self._model
        if len(text) <= INLINE_MAX_CHARS:
            return model.parse(text)
        return await asyncio.to_thread(model.parse, text)

    def swap(self, model: NLUModel) -> NLUModel:
        """Publish an already loaded model; returns the one it replaced."""
        old = self._model
        self._model = model.with_thresholds(self.fallback_threshold, self.ambiguity_threshold)
        log.info("NLU model %s replaced by %s", old.version, model.version)
        return old

    async def reload(self, path: str | Path | None = None) -> NLUModel:
        """Load the model at ``path`` (default: the path this service was given) and swap it in.

        Raises :class:`nlu.errors.NLUError` (and keeps the current model) if loading fails.
        """
        source = Path(path) if path is not None else self.path
        if source is None:
            raise ValueError("no model path to reload from")
        async with self._reload_lock:
            trusted = None
            if self._trusted_digests is not None:
                trusted = frozenset(await self._trusted_digests()).__contains__
            model = await asyncio.to_thread(load_model, source, trusted=trusted)
            self.swap(model)
            if path is not None:
                self.path = source
            return self._model

    def _stamp(self) -> tuple[int, int] | None:
        if self.path is None:
            return None
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    async def watch(self, interval: float = 5.0, stop: asyncio.Event | None = None) -> None:
        """Reload whenever the artifact at ``self.path`` changes (run as a background task).

        This is how a trainer updates a running gateway: ``minsheng nlu train`` writes the
        new artifact atomically to the same path and every process picks it up within
        ``interval`` seconds. A broken artifact is logged and the old model keeps serving.
        """
        stop = stop or asyncio.Event()
        seen = self._stamp()
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
                return
            stamp = self._stamp()
            if stamp is None or stamp == seen:
                continue
            seen = stamp
            try:
                await self.reload()
            except Exception:  # keep serving the old model; the trainer sees the log
                log.exception("could not reload the NLU model from %s", self.path)
