"""What the fake provider should answer: the scripted ``Behaviour`` and the ``Script`` resolved from it.

A ``Behaviour`` is what a test asks for (pieces of text, a fault, a delay). A ``Script`` is that behaviour
applied to one request: the exact text pieces, tool-call argument pieces and token counts, so that both
wire formats (``openai_wire``, ``anthropic_wire``) render the same answer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

PIECE_CHARS = 8  # JSON (tool arguments, json_answer) is streamed in pieces this long, like real services
DEFAULT_LOGPROB = -0.05
DEFAULT_RETRY_AFTER = 1.0  # seconds, sent with a 429 when the behaviour names none


Frame = tuple[bytes, bool]
"""Bytes to send, and whether they carry a content piece (pieces are what delays and faults count)."""


class InvalidRequest(ValueError):
    """The request body is not what the protocol accepts; answered with a 400 in the protocol's shape."""


@dataclass(frozen=True, slots=True)
class FakeToolCall:
    """A tool call the fake model makes; ``arguments`` is JSON text, streamed in pieces."""

    name: str
    arguments: str = "{}"
    id: str | None = None  # default: call_<n> (OpenAI) / toolu_<n> (Anthropic)


@dataclass(frozen=True, slots=True)
class FakeUsage:
    """Token counts to report instead of the ones estimated from text length (``None`` = estimate).

    ``input_tokens`` includes cached and cache-write tokens (as OpenAI counts); the Anthropic rendering
    subtracts them, as Anthropic reports uncached input separately. ``output_tokens`` includes reasoning.
    """

    input_tokens: int | None = None
    output_tokens: int | None = None
    cached_tokens: int = 0
    reasoning_tokens: int | None = None
    cache_write_tokens: int = 0


@dataclass(frozen=True, slots=True)
class Behaviour:
    """How the fake answers one request. Counts (``malformed_at``, ``cut_after``, ``error_after``,
    ``pause_after``) are
    content pieces: reasoning, text and tool-argument pieces, in the order they are streamed; a count
    past the last piece means "after the last piece, before the closing events". Without streaming,
    ``malformed_at`` truncates the JSON body, ``cut_after`` drops the connection halfway through it, and
    ``delay`` is spent once per piece before answering."""

    chunks: Sequence[str] | None = None  # None: "Echo: <last user text>", one piece per word
    reasoning_chunks: Sequence[str] = ()
    tool_calls: Sequence[FakeToolCall] = ()
    delay: float = 0.0  # seconds before each content piece
    first_byte_delay: float = 0.0  # seconds before the status line: nothing at all is sent before it
    status: int = 200  # an error status answers with the protocol's error body (or, with
    # ``error_after``, names the error sent inside the stream: default 500 OpenAI, 529 Anthropic)
    error_message: str | None = None  # replaces the protocol's usual message for ``status``
    error_html: str | None = None  # the error answer is this HTML page instead (a proxy's, nginx's…)
    retry_after: float | None = None  # ``retry-after`` header on errors (429 defaults to 1 s)
    malformed_at: int | None = None  # a line that is not JSON is sent before piece K
    cut_after: int | None = None  # the connection is dropped after K pieces (no final events)
    error_after: int | None = None  # after K pieces the stream carries the protocol's error event and ends
    pause_after: int | None = None  # after K pieces the stream waits for ``FakeProvider.release()``
    usage: FakeUsage | None = None
    logprobs: Sequence[float] | None = None  # per text piece, when the request asks for logprobs
    json_answer: Any = None  # convenience: the reply is this value as JSON text
    finish: Literal["stop", "length"] = "stop"
    # False: behave like a local server (llama.cpp's, several others): no usage chunk in an OpenAI stream
    # even when the request asks for one with ``stream_options.include_usage``
    stream_usage: bool = True
    # a local server's context window (tokens, estimated at 4 chars each): a longer prompt is answered as
    # llama.cpp's server does, with an empty 200 stream, or without streaming a 400 naming the context size
    context_window: int | None = None
    # like llama.cpp's server by default: any other request arriving while this answer streams (another
    # chat, a ``/models`` listing) interrupts it; the stream is cut where it was
    interruptible: bool = False

    def overflows(self, prompt: Prompt) -> bool:
        return self.context_window is not None and estimate_tokens(prompt.input_text) > self.context_window

    def error_status(self, stream_default: int) -> int | None:
        """The error to answer with: ``status``, or for ``error_after`` the in-stream error's status."""
        if self.error_after is not None:
            return self.status if self.status != 200 else stream_default
        return self.status if self.status != 200 else None

    def retry_after_header(self) -> str | None:
        seconds = self.retry_after
        if seconds is None and self.status == 429:
            seconds = DEFAULT_RETRY_AFTER
        if seconds is None:
            return None
        return str(int(seconds)) if float(seconds).is_integer() else str(seconds)


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request the fake received. Credentials are redacted from ``headers``; ``api_key`` keeps the
    presented key (fake keys only) for assertions, and is left out of ``repr`` so it is never printed."""

    method: str
    path: str
    headers: dict[str, str]
    json: Any
    model: str | None = None
    images: list[str] = field(default_factory=list)  # image URLs / data URLs found in the messages
    api_key: str | None = field(default=None, repr=False)
    peer: str | None = None  # the client's address and port: one per connection (keep-alive shows)


@dataclass(frozen=True, slots=True)
class Prompt:
    """What a request asked for, independent of its wire format."""

    model: str
    stream: bool
    last_user_text: str
    input_text: str  # every message and the system prompt, for the token estimate
    images: list[str]
    include_usage: bool = False
    logprobs: bool = False


@dataclass(frozen=True, slots=True)
class ScriptedToolCall:
    index: int
    id: str
    name: str
    arguments: str
    pieces: list[str]


@dataclass(frozen=True, slots=True)
class TokenCounts:
    input: int
    output: int
    cached: int
    reasoning: int
    cache_write: int


@dataclass(frozen=True, slots=True)
class Script:
    """One request's answer, ready to render in either wire format."""

    text_chunks: list[str]
    reasoning_chunks: list[str]
    tool_calls: list[ScriptedToolCall]
    usage: TokenCounts
    logprobs: list[float] | None  # one per text chunk, only when the request asked for them
    finish: Literal["stop", "length", "tool_calls"]
    stream_usage: bool = True

    @property
    def text(self) -> str:
        return "".join(self.text_chunks)

    @property
    def reasoning(self) -> str:
        return "".join(self.reasoning_chunks)

    @property
    def piece_count(self) -> int:
        return (
            len(self.text_chunks) + len(self.reasoning_chunks) + sum(len(c.pieces) for c in self.tool_calls)
        )


def echo_chunks(text: str) -> list[str]:
    """The default reply, ``Echo: <text>``, one piece per word (joined, they give the reply exactly)."""
    words = f"Echo: {text}".rstrip(" ").split(" ")
    return [words[0], *(" " + word for word in words[1:])]


def estimate_tokens(text: str) -> int:
    """About four characters a token, at least one: deterministic, so tests can predict it."""
    return max(1, math.ceil(len(text) / 4))


def split_pieces(text: str, size: int = PIECE_CHARS) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def build_script(behaviour: Behaviour, prompt: Prompt, id_prefix: str) -> Script:
    if behaviour.json_answer is not None:
        text_chunks = split_pieces(orjson.dumps(behaviour.json_answer).decode())
    elif isinstance(behaviour.chunks, str):  # a bare string is one piece, not one piece per character
        text_chunks = [behaviour.chunks]
    elif behaviour.chunks is not None:
        text_chunks = list(behaviour.chunks)
    elif behaviour.tool_calls:
        text_chunks = []
    else:
        text_chunks = echo_chunks(prompt.last_user_text)
    calls = [
        ScriptedToolCall(
            index=i,
            id=call.id or f"{id_prefix}{i}",
            name=call.name,
            arguments=call.arguments,
            pieces=split_pieces(call.arguments),
        )
        for i, call in enumerate(behaviour.tool_calls)
    ]
    reasoning = list(behaviour.reasoning_chunks)
    finish: Literal["stop", "length", "tool_calls"] = "tool_calls" if calls else behaviour.finish
    return Script(
        text_chunks=text_chunks,
        reasoning_chunks=reasoning,
        tool_calls=calls,
        usage=_count_tokens(behaviour.usage or FakeUsage(), prompt, text_chunks, reasoning, calls),
        logprobs=_logprobs(behaviour, len(text_chunks)) if prompt.logprobs else None,
        finish=finish,
        stream_usage=behaviour.stream_usage,
    )


def _count_tokens(
    usage: FakeUsage, prompt: Prompt, text: list[str], reasoning: list[str], calls: list[ScriptedToolCall]
) -> TokenCounts:
    reasoning_tokens = usage.reasoning_tokens
    if reasoning_tokens is None:
        reasoning_tokens = estimate_tokens("".join(reasoning)) if reasoning else 0
    output = usage.output_tokens
    if output is None:
        answer = "".join(text) + "".join(c.name + c.arguments for c in calls)
        output = estimate_tokens(answer) + reasoning_tokens
    return TokenCounts(
        input=estimate_tokens(prompt.input_text) if usage.input_tokens is None else usage.input_tokens,
        output=output,
        cached=usage.cached_tokens,
        reasoning=reasoning_tokens,
        cache_write=usage.cache_write_tokens,
    )


def _logprobs(behaviour: Behaviour, count: int) -> list[float]:
    values = list(behaviour.logprobs or [DEFAULT_LOGPROB])
    # shorter lists repeat their last value, so a single number means "every token"
    return [values[min(i, len(values) - 1)] for i in range(count)]
