"""The one interface every provider adapter implements, and the normalized request/event types.

An adapter (one per wire protocol: ``providers.openai``, ``providers.anthropic``) turns a ``ChatRequest`` into
the protocol's call through the official SDK and yields ``StreamEvent``s. Every SDK or HTTP failure is
mapped, in one place per adapter, to ``UpstreamError``. Non-streaming calls use the same stream and
collect it (``collect``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

ReasoningLevel = Literal["none", "minimal", "low", "medium", "high"]
REASONING_LEVELS: tuple[ReasoningLevel, ...] = (
    "none",
    "minimal",
    "low",
    "medium",
    "high",
)

ErrorKind = Literal[
    "auth",
    "rate_limit",
    "overloaded",
    "context_length",
    "bad_request",
    "not_found",
    "timeout",
    "connection",
    "upstream_error",
    "stream_cut",
]

RETRYABLE_KINDS: frozenset[str] = frozenset(
    {"rate_limit", "overloaded", "upstream_error", "timeout", "connection"}
)
"""Kinds on which a fallback chain tries the next model (when no token has been produced yet)."""


# ---------------------------------------------------------------- request


@dataclass(frozen=True, slots=True)
class TextPart:
    text: str
    type: Literal["text"] = "text"


@dataclass(frozen=True, slots=True)
class ImagePart:
    """An image as a URL (``https:`` or a ``data:`` URL with base64 content)."""

    url: str
    media_type: str | None = None
    type: Literal["image"] = "image"


@dataclass(frozen=True, slots=True)
class DocumentPart:
    """A document for the model to read: a PDF (``data`` is base64) or plain text (``data`` is the text).
    Anthropic takes both as ``document`` blocks; OpenAI takes a PDF as a ``file`` part and text inline."""

    data: str
    media_type: str  # application/pdf | text/plain
    name: str = "document"
    type: Literal["document"] = "document"


ContentPart = TextPart | ImagePart | DocumentPart


@dataclass(frozen=True, slots=True)
class ToolCall:
    id: str
    name: str
    arguments: str  # JSON text, as the model produced it


@dataclass(frozen=True, slots=True)
class ThinkingBlock:
    """A model's thinking as its provider returned it, carried back unchanged in later turns: Anthropic
    refuses a tool loop whose thinking lost its signature. ``redacted``: the opaque data of a
    ``redacted_thinking`` block (then ``text`` is empty)."""

    text: str = ""
    signature: str = ""
    redacted: str | None = None


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One turn. ``content`` is a string or a list of parts; tool turns carry their ids; an assistant
    turn carries its thinking blocks (they go back only to a protocol that has them)."""

    role: Literal["user", "assistant", "tool"]
    content: str | list[ContentPart] = ""
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    thinking: tuple[ThinkingBlock, ...] = ()

    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        return "".join(p.text for p in self.content if isinstance(p, TextPart))


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A function tool, in the neutral shape both protocols can express."""

    name: str
    description: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)  # JSON schema


@dataclass(frozen=True, slots=True)
class RawRequest:
    """A client's own request, to forward as it was sent when the upstream speaks the client's protocol
    (pass-through): the adapter changes only ``model``. Adapters of another protocol ignore it and build
    their body from the neutral fields."""

    protocol: str  # the client's wire protocol: "openai" | "anthropic"
    body: dict[str, Any]  # the client's JSON body (``#no_cloud`` already removed)
    headers: tuple[tuple[str, str], ...] = ()  # protocol headers to pass on (``anthropic-beta``…)
    path: str | None = None  # the upstream path below the base URL; None: the protocol's chat path
    translatable: bool = True  # False: only an upstream of ``protocol`` can serve it (embeddings…)


@dataclass(frozen=True, slots=True)
class ChatRequest:
    model: str  # the provider's own model id (no ``provider/`` prefix)
    messages: tuple[ChatMessage, ...]
    system: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    reasoning: ReasoningLevel | None = None
    stop: tuple[str, ...] = ()
    tools: tuple[ToolSpec, ...] = ()
    tool_choice: str | dict[str, Any] | None = None  # "auto" | "none" | "required" | {"name": ...}
    logprobs: bool = False
    timeout: float | None = None  # seconds; None = the adapter's default
    # the SDK's own retries of this call (429/5xx/connection); None = the adapter's default. A fallback
    # chain sets 0 for every model but its last, so a rate limit moves on instead of waiting to retry.
    max_retries: int | None = None
    raw: RawRequest | None = None  # the client's request, for an upstream of the same protocol


# ---------------------------------------------------------------- stream events


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str
    type: Literal["text"] = "text"


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    text: str
    signature: str = ""  # set on the piece that closes a thinking block whose provider signs it
    type: Literal["reasoning"] = "reasoning"


@dataclass(frozen=True, slots=True)
class ToolCallDelta:
    """A piece of a tool call; ``index`` identifies the call, ``id``/``name`` arrive with its first piece."""

    index: int
    id: str | None = None
    name: str | None = None
    arguments: str = ""
    type: Literal["tool_call"] = "tool_call"


@dataclass(frozen=True, slots=True)
class Usage:
    input_tokens: int = 0  # including cached input tokens
    output_tokens: int = 0  # including reasoning tokens
    reasoning_tokens: int = 0
    cached_tokens: int = 0  # input tokens read from the provider's prompt cache
    cache_write_tokens: int = 0
    type: Literal["usage"] = "usage"


FinishReason = Literal["stop", "length", "tool_calls", "content_filter", "error"]


@dataclass(frozen=True, slots=True)
class Finish:
    reason: FinishReason
    # what the adapter decided, e.g. {"dropped": ["temperature"], "reasoning_effort": "low"}
    metadata: dict[str, Any] = field(default_factory=dict)
    logprobs: list[float] | None = None  # per-token logprobs of the answer, when requested and returned
    type: Literal["finish"] = "finish"


@dataclass(frozen=True, slots=True)
class WireBytes:
    """Upstream bytes to forward as they came (pass-through): one SSE event, or a whole JSON body. The
    adapter yields it before the neutral events read from the same bytes (which feed the run's report)."""

    data: bytes
    name: bytes = b""  # the SSE event's name, when the protocol names events
    type: Literal["wire"] = "wire"


StreamEvent = TextDelta | ReasoningDelta | ToolCallDelta | Usage | Finish | WireBytes


# ---------------------------------------------------------------- errors


class UpstreamError(Exception):
    """Any failure talking to a provider. ``message`` is safe to show: it never contains a key."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        provider: str,
        model: str,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.message = message
        self.provider = provider
        self.model = model
        self.status = status
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE_KINDS

    def __str__(self) -> str:
        return f"{self.provider}/{self.model}: {self.kind}: {self.message}"


# ---------------------------------------------------------------- the adapter interface


class ChatModel(Protocol):
    """A provider endpoint speaking one wire protocol."""

    provider: str  # the configured provider name, e.g. "openai", "ollama", "groq"

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        """Yield events as they arrive; raise ``UpstreamError`` on any failure (also mid-stream)."""
        ...


@dataclass(slots=True)
class ChatResult:
    """A whole answer, collected from the stream."""

    text: str = ""
    reasoning: str = ""
    reasoning_signature: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    finish: Finish | None = None


async def collect(events: AsyncIterator[StreamEvent]) -> ChatResult:
    """Non-streaming calls use the streaming path and gather it here."""
    result = ChatResult()
    text: list[str] = []
    reasoning: list[str] = []
    calls: dict[int, dict[str, str]] = {}
    async for event in events:
        match event:
            case TextDelta(text=t):
                text.append(t)
            case ReasoningDelta(text=t, signature=signature):
                reasoning.append(t)
                result.reasoning_signature = signature or result.reasoning_signature
            case ToolCallDelta(index=i, id=call_id, name=name, arguments=args):
                call = calls.setdefault(i, {"id": "", "name": "", "arguments": ""})
                call["id"] = call_id or call["id"]
                call["name"] = name or call["name"]
                call["arguments"] += args
            case Usage():
                result.usage = event
            case Finish():
                result.finish = event
    result.text = "".join(text)
    result.reasoning = "".join(reasoning)
    result.tool_calls = [ToolCall(c["id"], c["name"], c["arguments"]) for _, c in sorted(calls.items())]
    return result
