"""The OpenAI Chat Completions protocol through the official SDK: OpenAI itself and every compatible
server (OpenRouter, Ollama's /v1, llama.cpp, vLLM, LM Studio, Groq…). Always streams; ``base.collect``
gathers.

The request: our ``ChatRequest`` as the JSON body of ``POST /chat/completions`` (what
``chat.completions.create`` would send), and what was decided on the way (reasoning effort, dropped
parameters) for ``Finish.metadata``. The answer: the stream's chunks as our events.
"""

from __future__ import annotations

import logging
from typing import Any

import openai
import orjson

from llm_router.providers import errors
from llm_router.providers._http import SdkStreamModel
from llm_router.providers.base import (
    ChatMessage,
    ChatRequest,
    ContentPart,
    DocumentPart,
    Finish,
    FinishReason,
    ImagePart,
    RawRequest,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from llm_router.providers.capabilities import Capabilities, capabilities_for, nearest_effort
from llm_router.providers.config import ProviderConfig, Timeouts
from llm_router.providers.upstream import HttpClients, UpstreamResponse

log = logging.getLogger(__name__)

SDK_ERRORS = errors.SdkErrors(
    api=openai.APIError,
    status=openai.APIStatusError,
    timeout=openai.APITimeoutError,
    connection=openai.APIConnectionError,
)
_FINISH: dict[str, FinishReason] = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
    "content_filter": "content_filter",
}


class OpenAIChatModel(SdkStreamModel):
    """A ``ChatModel`` for one OpenAI-protocol endpoint."""

    protocol = "openai"
    path = "/chat/completions"
    sdk_client = openai.AsyncOpenAI
    sdk_errors = SDK_ERRORS
    log = log

    def __init__(
        self,
        config: ProviderConfig,
        *,
        http_client: HttpClients | None = None,
        max_retries: int = 2,
        timeouts: Timeouts | None = None,
    ) -> None:
        super().__init__(config, http_client=http_client, max_retries=max_retries, timeouts=timeouts)
        if config.key_source != "env" or config.name != "openai":
            # the SDK adds OPENAI_ORG_ID / OPENAI_PROJECT_ID from the environment to every request;
            # they are OpenAI's business, not another vendor's
            self._client.organization = None
            self._client.project = None

    def prepare(self, request: ChatRequest) -> tuple[dict[str, Any], _StreamState]:
        body, metadata = build_params(request, capabilities_for(request.model))
        return body, _StreamState(metadata)

    def raw_body(self, raw: RawRequest, model: str) -> tuple[dict[str, Any], bool]:
        """The client's body; a stream always asks for usage (the usage row needs it), and the usage
        chunk is withheld from a client that did not ask for it."""
        body = {**raw.body, "model": model}
        options = body.get("stream_options")
        wants_usage = isinstance(options, dict) and options.get("include_usage") is True
        if body.get("stream") is not True or wants_usage or raw.path not in (None, self.path, "/completions"):
            return body, False
        body["stream_options"] = {**(options if isinstance(options, dict) else {}), "include_usage": True}
        return body, True

    def raw_reader(self) -> _StreamState:
        return _StreamState({})

    def unstreamed(self, body: dict[str, Any]) -> dict[str, Any]:
        """The same request for one whole answer (``stream_options`` is refused without a stream)."""
        whole = {k: v for k, v in body.items() if k != "stream_options"}
        whole["stream"] = False
        return whole

    def read_whole(self, body: Any) -> list[StreamEvent]:
        """A whole completion read as one chunk: the message as its delta."""
        state = _StreamState({})
        choices = [{**c, "delta": _as_delta(c)} for c in body.get("choices") or ()]
        events = state._on_chunk({"usage": body.get("usage"), "choices": choices})
        if body.get("object") == "list":  # embeddings: no choices, only usage
            state.finish_reason = "stop"
        return events + (state.end() or [Finish("stop")])

    async def list_models(self) -> list[str]:
        """The ids the server's ``/models`` lists."""
        try:
            return [model.id async for model in self._client.models.list()]
        except Exception as exc:
            raise self._fail(exc, "-", mid_stream=False) from None


# ---------------------------------------------------------------- the request


def build_params(request: ChatRequest, caps: Capabilities) -> tuple[dict[str, Any], dict[str, Any]]:
    """The request body, and what was decided about it (for ``Finish.metadata``)."""
    dropped: list[str] = []
    params: dict[str, Any] = {
        "model": request.model,
        "messages": _messages(request),
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    metadata: dict[str, Any] = {}
    if request.temperature is not None:
        if caps.temperature:
            params["temperature"] = request.temperature
        else:
            dropped.append("temperature")
    if request.max_tokens is not None:
        params[caps.max_tokens_param] = request.max_tokens
    if request.reasoning is not None:
        effort = nearest_effort(request.reasoning, caps.reasoning_efforts)
        if caps.reasoning_style == "effort" and effort is not None:
            params["reasoning_effort"] = metadata["reasoning_effort"] = effort
        elif request.reasoning != "none":
            dropped.append("reasoning")
    if request.stop:
        params["stop"] = list(request.stop)
    if request.tools:
        params["tools"] = [
            {
                "type": "function",
                "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
            }
            for t in request.tools
        ]
    if request.tool_choice is not None:
        params["tool_choice"] = _tool_choice(request.tool_choice)
    if request.logprobs:
        if caps.logprobs:
            params["logprobs"] = True
        else:
            dropped.append("logprobs")
    if dropped:
        metadata["dropped"] = dropped
    return params, metadata


def _tool_choice(choice: str | dict[str, Any]) -> Any:
    if isinstance(choice, dict) and "name" in choice:
        return {"type": "function", "function": {"name": choice["name"]}}
    return choice


def _messages(request: ChatRequest) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if request.system:
        out.append({"role": "system", "content": request.system})
    out.extend(_message(m) for m in request.messages)
    return out


def _message(message: ChatMessage) -> dict[str, Any]:
    if message.role == "tool":
        return {"role": "tool", "tool_call_id": message.tool_call_id or "", "content": message.text()}
    if message.role == "assistant":
        out: dict[str, Any] = {"role": "assistant", "content": message.text() or None}
        if message.tool_calls:
            out["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                for c in message.tool_calls
            ]
        return out
    if isinstance(message.content, str):
        return {"role": "user", "content": message.content}
    return {"role": "user", "content": [_part(p) for p in message.content]}


def _part(part: ContentPart) -> dict[str, Any]:
    if isinstance(part, ImagePart):
        return {"type": "image_url", "image_url": {"url": part.url}}
    if isinstance(part, DocumentPart):
        if part.media_type == "application/pdf":  # Chat Completions' file input (PDF only)
            url = f"data:application/pdf;base64,{part.data}"
            return {"type": "file", "file": {"filename": part.name, "file_data": url}}
        return {"type": "text", "text": f'<document name="{part.name}">\n{part.data}\n</document>'}
    return {"type": "text", "text": part.text}


# ---------------------------------------------------------------- the stream


def _as_delta(choice: dict[str, Any]) -> dict[str, Any]:
    """A whole choice's message (or a completion's text) as one delta, its tool calls indexed."""
    message = choice.get("message")
    if not isinstance(message, dict):
        return {"content": choice.get("text")}
    calls = [{**call, "index": i} for i, call in enumerate(message.get("tool_calls") or ())]
    return {**message, "tool_calls": calls}


def _chunk(data: bytes, response: UpstreamResponse) -> dict[str, Any]:
    """One ``data:`` payload; an error object in the stream raises what the SDK's own stream would."""
    chunk = orjson.loads(data)
    if not isinstance(chunk, dict):
        raise TypeError("a stream chunk is not a JSON object")
    if error := chunk.get("error"):
        message = error.get("message") if isinstance(error, dict) else None
        if not isinstance(message, str) or not message:
            message = "An error occurred during streaming"
        raise openai.APIError(message, response.as_httpx().request, body=error)
    return chunk


class _StreamState:
    """Turns chunks into events and remembers what only arrives at the end (finish reason, usage)."""

    def __init__(self, metadata: dict[str, Any]) -> None:
        self.metadata = metadata
        self.finish_reason: FinishReason | None = None
        self.usage: Usage | None = None
        self.logprobs: list[float] | None = None
        self.done = False  # ``[DONE]`` seen

    def read(self, name: bytes, data: bytes, response: UpstreamResponse) -> list[StreamEvent]:
        if self.done:
            return []  # read to the end, so the connection goes back to the pool
        if data.startswith(b"[DONE]"):
            self.done = True
            return []
        return self._on_chunk(_chunk(data, response))

    def _on_chunk(self, chunk: dict[str, Any]) -> list[StreamEvent]:
        if usage := chunk.get("usage"):
            self.usage = _usage(usage)
        events: list[StreamEvent] = []
        for choice in chunk.get("choices") or ():
            if choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            # compatible servers stream thinking as reasoning_content (vLLM, llama.cpp, DeepSeek)
            # or reasoning (OpenRouter, Ollama)
            reasoning = delta.get("reasoning_content") or delta.get("reasoning")
            if isinstance(reasoning, str) and reasoning:
                events.append(ReasoningDelta(reasoning))
            if content := delta.get("content") or choice.get("text"):  # text: legacy /completions
                events.append(TextDelta(str(content)))
            if refusal := delta.get("refusal"):
                events.append(TextDelta(str(refusal)))
            for call in delta.get("tool_calls") or ():
                function = call.get("function") or {}
                events.append(
                    ToolCallDelta(
                        index=call.get("index", 0),
                        id=call.get("id"),
                        name=function.get("name"),
                        arguments=function.get("arguments") or "",
                    )
                )
            logprobs = choice.get("logprobs")
            if logprobs and logprobs.get("content"):
                self.logprobs = (self.logprobs or []) + [t["logprob"] for t in logprobs["content"]]
            if (reason := choice.get("finish_reason")) is not None:
                self.finish_reason = _FINISH.get(reason, "stop")
        return events

    def end(self) -> list[StreamEvent] | None:
        if self.finish_reason is None:
            return None
        events: list[StreamEvent] = [] if self.usage is None else [self.usage]
        events.append(Finish(self.finish_reason, dict(self.metadata), self.logprobs))
        return events


def _usage(raw: dict[str, Any]) -> Usage:
    prompt = raw.get("prompt_tokens_details") or {}
    completion = raw.get("completion_tokens_details") or {}
    return Usage(
        input_tokens=raw.get("prompt_tokens") or 0,
        output_tokens=raw.get("completion_tokens") or 0,
        reasoning_tokens=completion.get("reasoning_tokens") or 0,
        cached_tokens=prompt.get("cached_tokens") or 0,
        cache_write_tokens=prompt.get("cache_write_tokens") or 0,
    )
