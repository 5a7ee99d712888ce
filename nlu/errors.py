"""The NLU library's own exception root.

``nlu`` is a library: it raises :class:`NLUError` (and subclasses such as
:class:`nlu.rasa_io.NLUDataError`) and knows nothing of the gateway around it. The gateway
re-exports this class as ``bot.errors.NLUError``, so ``except NLUError`` means the same thing
in the core and here.
"""

from __future__ import annotations


class NLUError(Exception):
    """The model is missing, corrupt or cannot be trained, or training data is invalid."""

    code: str = "nlu_error"

    def __init__(self, message: str = "", *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
