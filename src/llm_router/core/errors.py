"""Error types shared by every layer. The API layer renders them; nothing else formats HTTP errors.

::

    AppError                 a message safe to show, an HTTP status and a code
    ├── NotFound             404
    ├── Conflict             409
    ├── Unauthorized         401
    ├── Forbidden            403
    ├── TooManyRequests      429 with Retry-After
    └── PolicyRefusal        400: the routing policy will not serve this (``#no_cloud``, no local model)
    StartupError             one clear line for the operator; the server does not start

An upstream (provider) failure is ``providers.base.UpstreamError(kind)``: each adapter maps its SDK's
errors to one of its kinds once; each surface (``/api``, ``/v1`` OpenAI shape, ``/v1`` Anthropic shape)
renders all of these in one place (``api/errors.py``, ``api/v1/errors.py``).
"""

from __future__ import annotations


class AppError(Exception):
    """An error with a message safe to show to the user and an HTTP status."""

    status_code = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers
        if status_code is not None:
            self.status_code = status_code
        if code is not None:
            self.code = code


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class Unauthorized(AppError):
    status_code = 401
    code = "unauthorized"


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"


class TooManyRequests(AppError):
    """429 with ``Retry-After`` (whole seconds, at least 1)."""

    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: float) -> None:
        self.retry_after = max(1, int(retry_after + 0.999))
        super().__init__(message, headers={"Retry-After": str(self.retry_after)})


class PolicyRefusal(AppError):
    """The routing policy will not serve this request as asked (e.g. ``#no_cloud`` with no local model).

    Retrying the same request cannot succeed, so clients are told not to (``x-should-retry: false``).
    """

    status_code = 400
    code = "policy_refusal"


class StartupError(Exception):
    """A problem that stops the server from starting; its message is one clear line for the operator."""
