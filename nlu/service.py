"""Hold the live model and swap in a new one without dropping a request."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Collection
from pathlib import Path

from nlu.artifact import load_model
from nlu.model import NLUModel
from nlu.types import ParseResult

log = logging.getLogger(__name__)


# The digests of trusted artifacts, fetched when a reload needs them (they may live in a
# database the library knows nothing of).
TrustedDigests = Callable[[], Awaitable[Collection[str]]]

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
    ) -> None:
        """Serve ``model``; thresholds left ``None`` keep the ones the model was loaded with.

        ``path`` is where :meth:`reload` reads from; it defaults to the file the model was
        loaded from (``model.source_path``). With ``trusted_digests`` (the digests of the
        artifacts the trainers' own command wrote), a reload refuses any other artifact:
        whoever can write to the model folder must not be able to run code here.
        """
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

    async def parse_async(self, text: str) -> ParseResult:
        """Parse off the event loop (for long texts or busy servers)."""
        model = self._model
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
