"""How a failure looks to a ``/v1`` client: status, each protocol's error type, headers."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from llm_router.core.errors import AppError
from llm_router.providers.base import UpstreamError


@dataclass(frozen=True, slots=True)
class Failure:
    status: int
    openai_type: str
    anthropic_type: str
    code: str | None
    message: str
    headers: dict[str, str] = field(default_factory=dict)


class PolicyRefusal(AppError):
    """The routing policy will not serve this request as asked (e.g. ``#no_cloud`` with no local model).

    Retrying the same request cannot succeed, so clients are told not to (``x-should-retry: false``).
    """

    status_code = 400
    code = "policy_refusal"


# kind -> (status, openai type, anthropic type)
_UPSTREAM: dict[str, tuple[int, str, str]] = {
    "rate_limit": (429, "rate_limit_error", "rate_limit_error"),
    "overloaded": (503, "server_error", "overloaded_error"),
    "context_length": (400, "invalid_request_error", "invalid_request_error"),
    "bad_request": (400, "invalid_request_error", "invalid_request_error"),
    "not_found": (404, "invalid_request_error", "not_found_error"),
    "timeout": (504, "server_error", "api_error"),
    # the router's own provider key was refused: the client's token is fine, so not a 401
    "auth": (502, "server_error", "api_error"),
}

_APP: dict[int, tuple[str, str]] = {
    400: ("invalid_request_error", "invalid_request_error"),
    401: ("authentication_error", "authentication_error"),
    403: ("permission_error", "permission_error"),
    404: ("invalid_request_error", "not_found_error"),
    413: ("invalid_request_error", "request_too_large"),
    422: ("invalid_request_error", "invalid_request_error"),
    429: ("rate_limit_error", "rate_limit_error"),
}


def upstream_failure(exc: UpstreamError) -> Failure:
    status, openai_type, anthropic_type = _UPSTREAM.get(exc.kind, (502, "server_error", "api_error"))
    headers: dict[str, str] = {}
    if exc.retry_after is not None:
        headers["retry-after"] = str(max(1, math.ceil(exc.retry_after)))
    message = f"upstream {exc.provider}/{exc.model} failed ({exc.kind}): {exc.message}"
    return Failure(status, openai_type, anthropic_type, exc.kind, message, headers)


def app_failure(exc: AppError) -> Failure:
    openai_type, anthropic_type = _APP.get(exc.status_code, ("server_error", "api_error"))
    headers = {"x-should-retry": "false"} if isinstance(exc, PolicyRefusal) else {}
    return Failure(exc.status_code, openai_type, anthropic_type, exc.code, exc.message, headers)


def plain_failure(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Failure:
    openai_type, anthropic_type = _APP.get(status, ("server_error", "api_error"))
    return Failure(status, openai_type, anthropic_type, code, message, dict(headers or {}))


def openai_error_body(failure: Failure) -> dict[str, object]:
    return {
        "error": {
            "message": failure.message,
            "type": failure.openai_type,
            "param": None,
            "code": failure.code,
        }
    }


def anthropic_error_body(failure: Failure) -> dict[str, object]:
    return {"type": "error", "error": {"type": failure.anthropic_type, "message": failure.message}}
