"""The exception tree of minsheng.

::

    MinshengError
    ├── ConfigError            a setting is missing or malformed (names the variable)
    ├── SignatureError         a webhook's signature does not verify
    ├── BadInput               a request or upload we refuse (carries a code for API callers)
    ├── RateLimited            slow down; carries ``retry_after`` seconds
    ├── FlowError              a flow definition is invalid
    ├── AddressError           an address file or code is invalid
    ├── TicketError
    │   ├── TicketNotFound
    │   └── InvalidTransition  a status change the state machine forbids
    └── HandoffError
        ├── HandoffNotFound
        └── HandoffNotOpen     the handoff already ended (closed or expired)

    NLUError                   the model is missing, corrupt or cannot be trained: the root
                               of the NLU library (``nlu.errors``), which imports nothing of
                               the gateway; re-exported here. Catch :data:`EXPECTED_ERRORS`
                               where every error raised on purpose is reported.

Programmer mistakes stay ``TypeError`` / ``RuntimeError``.
"""

from __future__ import annotations

from nlu.errors import NLUError

__all__ = [
    "EXPECTED_ERRORS",
    "AddressError",
    "BadInput",
    "ConfigError",
    "FlowError",
    "HandoffError",
    "HandoffNotFound",
    "HandoffNotOpen",
    "InvalidTransition",
    "MinshengError",
    "NLUError",
    "RateLimited",
    "SignatureError",
    "TicketError",
    "TicketNotFound",
]


class MinshengError(Exception):
    """Root of every error minsheng raises on purpose."""

    code: str = "error"

    def __init__(self, message: str = "", *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class ConfigError(MinshengError):
    code = "config_error"


class SignatureError(MinshengError):
    code = "bad_signature"


class BadInput(MinshengError):
    code = "bad_input"


class RateLimited(MinshengError):
    code = "rate_limited"

    def __init__(self, message: str = "", *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class FlowError(MinshengError):
    code = "flow_error"


class AddressError(MinshengError):
    code = "address_error"


class TicketError(MinshengError):
    code = "ticket_error"


class TicketNotFound(TicketError):
    code = "ticket_not_found"


class InvalidTransition(TicketError):
    code = "invalid_transition"


# Every error minsheng raises on purpose: the gateway's own tree and the NLU library's root.
EXPECTED_ERRORS: tuple[type[Exception], ...] = (MinshengError, NLUError)


class HandoffError(MinshengError):
    code = "handoff_error"


class HandoffNotFound(HandoffError):
    code = "handoff_not_found"


class HandoffNotOpen(HandoffError):
    """The handoff already ended (closed or expired): it cannot be answered or closed."""

    code = "handoff_not_open"
