"""The exception tree of minsheng.

::

    MinshengError
    ├── ConfigError            a setting is missing or malformed (names the variable)
    ├── SignatureError         a webhook's signature does not verify
    ├── BadInput               a request or upload we refuse (carries a code for API callers)
    ├── RateLimited            slow down; carries ``retry_after`` seconds
    ├── NLUError               the model is missing, corrupt or cannot be trained
    ├── FlowError              a flow definition is invalid
    ├── AddressError           an address file or code is invalid
    └── TicketError
        ├── TicketNotFound
        └── InvalidTransition  a status change the state machine forbids

Programmer mistakes stay ``TypeError`` / ``RuntimeError``.
"""

from __future__ import annotations


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


class NLUError(MinshengError):
    code = "nlu_error"


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
