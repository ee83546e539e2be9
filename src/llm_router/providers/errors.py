"""The one place where anything an SDK or the transport raises becomes an ``UpstreamError`` (``map_error``,
given the SDK's exception classes), and the pieces it needs: safe text, Retry-After, kinds from status.
"""

from __future__ import annotations

import email.utils
import html
import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx2

from llm_router.core.logging import redact
from llm_router.providers.base import ErrorKind, UpstreamError
from llm_router.providers.config import ProviderConfig

_TOKENISH = re.compile(r"[A-Za-z0-9_\-*.]{8,}")
_CONTEXT_HINTS = re.compile(
    r"context[_ ]length|context window|maximum context|prompt is too long|too many tokens|"
    r"reduce the length|input is too long|exceeds the model|context size|context_length_exceeded",
    re.I,
)
MAX_MESSAGE = 300
_HTML_START = re.compile(r"^\s*<(?:!doctype\s+html|html|head|body|title|h1|center|p|div)\b", re.I)
_HTML_REASON = re.compile(r"<(title|h1|h2)\b[^>]*>(.*?)</\1\s*>", re.I | re.S)
_HTML_SKIPPED = re.compile(r"<(script|style)\b.*?</\1\s*>", re.I | re.S)
_HTML_TAG = re.compile(r"<[^>]+>")

# Errors raised while reading a stream come straight from the transport (httpx2, under both SDKs).
TIMEOUT_ERRORS: tuple[type[Exception], ...] = (httpx2.TimeoutException,)
TRANSPORT_ERRORS: tuple[type[Exception], ...] = (httpx2.HTTPError, httpx2.StreamError)
# What a malformed event turns into inside the SDKs or our parsing of it.
MALFORMED_ERRORS: tuple[type[Exception], ...] = (ValueError, KeyError, TypeError, AttributeError)


class _ApiError(Protocol):
    @property
    def message(self) -> str: ...
    @property
    def body(self) -> object | None: ...


class _StatusError(_ApiError, Protocol):
    @property
    def status_code(self) -> int: ...
    @property
    def response(self) -> httpx2.Response: ...


@dataclass(frozen=True, slots=True)
class SdkErrors:
    """One SDK's exception classes (``openai.X`` or ``anthropic.X``: the two SDKs have the same tree)."""

    api: type[_ApiError]  # the base class; alone it is an error event inside a stream
    status: type[_StatusError]
    timeout: type[Exception]
    connection: type[Exception]


def map_error(
    exc: Exception, config: ProviderConfig, model: str, *, mid_stream: bool, sdk: SdkErrors
) -> UpstreamError:
    """Anything the SDK or the transport raises, as an ``UpstreamError`` with a message that is safe to
    show (the key scrubbed) and says how to fix the problem where we know."""
    if isinstance(exc, UpstreamError):
        return exc
    status: int | None = None
    retry_after: float | None = None
    if isinstance(exc, sdk.status):
        # an ``error`` event inside a 200 stream arrives as a status error with the stream's status
        status = exc.status_code if exc.status_code >= 400 else None
        detail = upstream_message(exc.body) or exc.message
        kind = kind_for_status(status, detail, error_type(exc.body))
        if kind in ("rate_limit", "overloaded"):
            retry_after = retry_after_seconds(exc.response.headers)
    elif isinstance(exc, (sdk.timeout, *TIMEOUT_ERRORS)):
        kind, detail = "timeout", ""
    elif isinstance(exc, (sdk.connection, *TRANSPORT_ERRORS)):
        kind = "stream_cut" if mid_stream else "connection"
        detail = str(exc.__cause__ or exc)
    elif isinstance(exc, sdk.api):  # an error event inside a stream: no status
        detail = upstream_message(exc.body) or exc.message
        kind = kind_for_status(None, detail, error_type(exc.body))
    elif mid_stream and isinstance(exc, MALFORMED_ERRORS):
        kind, detail = "stream_cut", "malformed event"
    else:
        kind, detail = "upstream_error", type(exc).__name__
    message = explain(
        kind,
        provider=config.name,
        model=model,
        key_fix=config.how_to_set_key(),
        detail=safe_text(detail, config.api_key),
    )
    message = scrub_secret(message, config.api_key)
    return UpstreamError(
        kind, message, provider=config.name, model=model, status=status, retry_after=retry_after
    )


def scrub_secret(text: str, secret: str | None) -> str:
    """Remove a key and any partial echo of it (``sk-abc***wxyz``) from text meant for people or logs."""
    if secret:
        text = text.replace(secret, "…")
        text = _TOKENISH.sub(lambda m: "…" if _shares_secret(m.group(0), secret) else m.group(0), text)
    return redact(text)


def _shares_secret(word: str, secret: str) -> bool:
    # a masked echo keeps a prefix and a suffix of the key around the stars
    return any(len(piece) >= 6 and piece in secret for piece in word.split("*"))


def safe_text(text: str, secret: str | None) -> str:
    return scrub_secret(" ".join(one_line_reason(text).split()), secret)[:MAX_MESSAGE]


def one_line_reason(text: str) -> str:
    """An HTML error page (a reverse proxy's 502, a captive portal) reduced to its reason: the page's title
    or first heading, else its visible text. Quoting a whole page into a chat error helps nobody."""
    if not _HTML_START.match(text):
        return text
    reason = ""
    for match in _HTML_REASON.finditer(text):
        reason = _HTML_TAG.sub(" ", match.group(2)).strip()
        if reason:
            break
    if not reason:
        reason = _HTML_TAG.sub(" ", _HTML_SKIPPED.sub(" ", text))
    reason = " ".join(html.unescape(reason).split())
    return f"HTML page: {reason}" if reason else "an HTML page with no text"


def retry_after_seconds(headers: Mapping[str, str] | Any) -> float | None:
    """Seconds to wait from ``retry-after-ms``, ``retry-after`` (seconds or an HTTP date)."""
    try:
        if (ms := headers.get("retry-after-ms")) is not None:
            return max(0.0, float(ms) / 1000)
        value = headers.get("retry-after")
    except (TypeError, ValueError):
        return None
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def upstream_message(body: object) -> str:
    """The provider's own error text from an error body (``{"error": {"message": …}}`` or similar)."""
    if isinstance(body, Mapping):
        inner = body.get("error", body)
        if isinstance(inner, Mapping):
            message = inner.get("message")
            if isinstance(message, str):
                return message
        elif isinstance(inner, str):
            return inner
        message = body.get("message")
        if isinstance(message, str):
            return message
    if isinstance(body, str):
        return body
    return ""


def error_type(body: object) -> str:
    """``type``/``code`` of an error body, e.g. ``overloaded_error`` or ``context_length_exceeded``."""
    if isinstance(body, Mapping):
        inner = body.get("error", body)
        if isinstance(inner, Mapping):
            parts = [inner.get("type"), inner.get("code")]
            return " ".join(p for p in parts if isinstance(p, str))
        kind = body.get("type")
        return kind if isinstance(kind, str) else ""
    return ""


def kind_for_status(status: int | None, text: str, kind_hint: str) -> ErrorKind:
    """The error kind of an HTTP error answer (or of an error event in a stream: no status), from its
    status and what the body says."""
    if status is None:
        status = 400 if "invalid_request" in kind_hint else 500
    if status == 529 or "overloaded" in kind_hint:
        return "overloaded"
    if status in (401, 403) or "authentication" in kind_hint or "permission" in kind_hint:
        return "auth"
    if status == 429 or "rate_limit" in kind_hint:
        return "rate_limit"
    if status == 413 or "context_length" in kind_hint or _CONTEXT_HINTS.search(text):
        return "context_length"
    if status == 404 or "not_found" in kind_hint:
        return "not_found"
    if status == 408:
        return "timeout"
    if status >= 500:
        return "upstream_error"
    return "bad_request"


def explain(kind: ErrorKind, *, provider: str, model: str, key_fix: str, detail: str) -> str:
    """A message that says what happened and, when we know, how to fix it."""
    suffix = f" ({detail})" if detail else ""
    match kind:
        case "auth":
            return f"{provider} rejected the API key{suffix}: {key_fix}"
        case "rate_limit":
            return f"{provider} is rate-limiting requests{suffix}; wait and retry, or pick another model"
        case "overloaded":
            return f"{provider} is overloaded{suffix}; retry shortly or pick another model"
        case "context_length":
            return f"the conversation is too long for {model}{suffix}; shorten it or pick a larger model"
        case "not_found":
            return f"{provider} does not know model {model!r}{suffix}; see GET /api/models for available ones"
        case "timeout":
            return f"{provider} did not answer in time{suffix}; retry or raise the timeout"
        case "connection":
            return f"cannot reach {provider}{suffix}; check its base URL and that the server is running"
        case "stream_cut":
            return f"the answer from {provider} broke off mid-stream{suffix}; retry or continue"
        case "upstream_error":
            return f"{provider} failed with a server error{suffix}; retry later"
        case "bad_request":
            return f"{provider} refused the request{suffix}"


def cut_short(provider: str, model: str, *, empty: bool = False) -> UpstreamError:
    """A stream that ended cleanly but without the model's final event. One with nothing in it at all is
    how local servers (llama.cpp's) answer a prompt that does not fit their context window: reported as
    ``context_length`` with that advice, since "retry" would only overflow again."""
    if empty:
        return UpstreamError(
            "context_length",
            f"{provider} sent an empty answer, which usually means the conversation does not fit the "
            f"context window of {model}: start a new branch from a recent message, shorten the history, "
            "or pick a model with a larger window",
            provider=provider,
            model=model,
        )
    return UpstreamError(
        "stream_cut",
        f"the answer from {provider} ended before the model finished; retry or continue",
        provider=provider,
        model=model,
    )


def is_expected(exc: Exception, sdk: SdkErrors, *, mid_stream: bool) -> bool:
    """Whether a failure is the provider's or the network's (anything else is a bug worth a traceback)."""
    if isinstance(exc, (sdk.api, UpstreamError, *TIMEOUT_ERRORS, *TRANSPORT_ERRORS)):
        return True
    return mid_stream and isinstance(exc, MALFORMED_ERRORS)


def log_failure(
    logger: logging.Logger,
    exc: Exception,
    error: UpstreamError,
    sdk: SdkErrors,
    *,
    mid_stream: bool,
) -> UpstreamError:
    """One warning line per failed upstream call; a traceback only for what is not the provider's or the
    network's doing (that is a bug here). Returns ``error`` so adapters can ``raise`` it."""
    unexpected = not is_expected(exc, sdk, mid_stream=mid_stream)
    logger.warning(
        "upstream %s/%s failed: %s: %s",
        error.provider,
        error.model,
        error.kind,
        error.message,
        exc_info=exc if unexpected else None,
    )
    return error
