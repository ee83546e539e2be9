"""The OpenAI Chat Completions wire format, as api.openai.com writes it (field order included)."""

from __future__ import annotations

import base64
import hashlib
import struct
from typing import Any

import orjson

from llm_router.testing import media_parts
from llm_router.testing.script import Frame, InvalidRequest, Prompt, Script, TokenCounts, estimate_tokens

SYSTEM_FINGERPRINT = "fp_fake0000"
MALFORMED_FRAME = b'data: {"id":"chatcmpl-broken","object":"chat.completion.chunk","choices":[{\n\n'
DONE_FRAME = b"data: [DONE]\n\n"

# status -> (message, type, param, code), the bodies OpenAI sends for these statuses
_ERRORS: dict[int, tuple[str, str, str | None, str | None]] = {
    400: (
        "This model's maximum context length is 128000 tokens. However, your messages resulted in "
        "200000 tokens. Please reduce the length of the messages.",
        "invalid_request_error",
        "messages",
        "context_length_exceeded",
    ),
    401: (
        "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
        "invalid_request_error",
        None,
        "invalid_api_key",
    ),
    403: ("You are not allowed to sample from this model.", "invalid_request_error", None, None),
    404: (
        "The model does not exist or you do not have access to it.",
        "invalid_request_error",
        None,
        "model_not_found",
    ),
    429: (
        "Rate limit reached for requests. Please try again in 1s.",
        "requests",
        None,
        "rate_limit_exceeded",
    ),
    500: (
        "The server had an error while processing your request. Sorry about that!",
        "server_error",
        None,
        None,
    ),
    503: ("The engine is currently overloaded, please try again later.", "server_error", None, None),
    529: ("The engine is currently overloaded, please try again later.", "server_error", None, None),
}


def parse_request(body: Any) -> Prompt:
    if not isinstance(body, dict):
        raise InvalidRequest("We could not parse the JSON body of your request.")
    model = body.get("model")
    messages = body.get("messages")
    if not isinstance(model, str) or not model:
        raise InvalidRequest("you must provide a model parameter")
    if not isinstance(messages, list) or not messages:
        raise InvalidRequest("[] is too short - 'messages'")
    texts: list[str] = []
    images: list[str] = []
    last_user = ""
    for message in messages:
        if not isinstance(message, dict) or "role" not in message:
            raise InvalidRequest("Invalid 'messages': each message needs a 'role'.")
        text = _content_text(message.get("content"), images)
        texts.append(text)
        if message["role"] == "user":
            last_user = text
    options = body.get("stream_options")
    return Prompt(
        model=model,
        stream=body.get("stream") is True,
        last_user_text=last_user,
        input_text="\n".join(texts),
        images=images,
        include_usage=isinstance(options, dict) and options.get("include_usage") is True,
        logprobs=body.get("logprobs") is True,
    )


def _content_text(content: Any, images: list[str]) -> str:
    if content is None or isinstance(content, str):
        return content or ""
    if not isinstance(content, list):
        raise InvalidRequest("Invalid 'content': expected a string or an array of content parts.")
    texts = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            texts.append(str(part.get("text", "")))
        elif kind == "image_url":
            images.append(media_parts.openai_image(part))
        elif kind == "file":
            media_parts.openai_file(part)
        elif kind is None:
            raise InvalidRequest("Invalid content part: missing 'type'.")
    return "".join(texts)


def error_body(status: int, message: str | None = None) -> bytes:
    default_message, kind, param, code = _ERRORS.get(
        status, ("The fake provider failed.", "api_error", None, None)
    )
    error = {"message": message or default_message, "type": kind, "param": param, "code": code}
    return orjson.dumps({"error": error})


def stream_error_frame(status: int, message: str | None = None) -> bytes:
    """An error inside a 200 stream, as OpenAI sends it when generation fails midway."""
    return b"data: " + error_body(status, message) + b"\n\n"


def invalid_request_body(message: str) -> bytes:
    return orjson.dumps(
        {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}}
    )


def models_body(models: list[str], created: int) -> bytes:
    data = [{"id": m, "object": "model", "created": created, "owned_by": "fake-provider"} for m in models]
    return orjson.dumps({"object": "list", "data": data})


def usage_object(usage: TokenCounts) -> dict[str, Any]:
    return {
        "prompt_tokens": usage.input,
        "completion_tokens": usage.output,
        "total_tokens": usage.input + usage.output,
        "prompt_tokens_details": {"cached_tokens": usage.cached, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": usage.reasoning,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _logprob_entry(token: str, logprob: float) -> dict[str, Any]:
    return {"token": token, "logprob": logprob, "bytes": list(token.encode()), "top_logprobs": []}


def completion_body(script: Script, prompt: Prompt, completion_id: str, created: int) -> bytes:
    message: dict[str, Any] = {
        "role": "assistant",
        "content": script.text if script.text_chunks or not script.tool_calls else None,
        "refusal": None,
        "annotations": [],
    }
    if script.reasoning_chunks:
        message["reasoning_content"] = script.reasoning  # as DeepSeek, vLLM and others send it
    if script.tool_calls:
        message["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in script.tool_calls
        ]
    logprobs = None
    if script.logprobs is not None:
        entries = [_logprob_entry(t, lp) for t, lp in zip(script.text_chunks, script.logprobs, strict=True)]
        logprobs = {"content": entries, "refusal": None}
    choice = {"index": 0, "message": message, "logprobs": logprobs, "finish_reason": script.finish}
    return orjson.dumps(
        {
            "id": completion_id,
            "object": "chat.completion",
            "created": created,
            "model": prompt.model,
            "choices": [choice],
            "usage": usage_object(script.usage),
            "service_tier": "default",
            "system_fingerprint": SYSTEM_FINGERPRINT,
        }
    )


class _ChunkWriter:
    """Renders ``chat.completion.chunk`` frames. Every chunk shares its id, created time and model, so
    that head is serialized once per stream and each chunk only serializes its choice (benchmarks)."""

    def __init__(self, prompt: Prompt, completion_id: str, created: int) -> None:
        head = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": prompt.model,
            "service_tier": "default",
            "system_fingerprint": SYSTEM_FINGERPRINT,
        }
        self.head = head
        self.prefix = b"data: " + orjson.dumps(head)[:-1] + b',"choices":['
        self.suffix = b'],"usage":null}\n\n' if prompt.include_usage else b"]}\n\n"

    def chunk(self, delta: dict[str, Any], finish: str | None = None, logprobs: Any = None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": logprobs, "finish_reason": finish}
        return self.prefix + orjson.dumps(choice) + self.suffix

    def usage_chunk(self, usage: TokenCounts) -> bytes:
        payload = {**self.head, "choices": [], "usage": usage_object(usage)}
        return b"data: " + orjson.dumps(payload) + b"\n\n"


def stream_frames(script: Script, prompt: Prompt, completion_id: str, created: int) -> list[Frame]:
    writer = _ChunkWriter(prompt, completion_id, created)
    frames: list[Frame] = [(writer.chunk({"role": "assistant", "content": "", "refusal": None}), False)]
    for piece in script.reasoning_chunks:
        frames.append((writer.chunk({"content": None, "reasoning_content": piece}), True))
    for i, piece in enumerate(script.text_chunks):
        logprobs = None
        if script.logprobs is not None:
            logprobs = {"content": [_logprob_entry(piece, script.logprobs[i])], "refusal": None}
        frames.append((writer.chunk({"content": piece}, logprobs=logprobs), True))
    for call in script.tool_calls:
        # OpenAI names the call in its first delta, then streams the arguments in pieces
        opening = {"index": call.index, "id": call.id, "type": "function"}
        opening["function"] = {"name": call.name, "arguments": ""}
        frames.append((writer.chunk({"tool_calls": [opening]}), False))
        for piece in call.pieces:
            delta = {"index": call.index, "function": {"arguments": piece}}
            frames.append((writer.chunk({"tool_calls": [delta]}), True))
    frames.append((writer.chunk({}, finish=script.finish), False))
    if prompt.include_usage and script.stream_usage:
        frames.append((writer.usage_chunk(script.usage), False))
    frames.append((DONE_FRAME, False))
    return frames


# ---------------------------------------------------------------- embeddings and legacy completions


def embeddings_body(body: dict[str, Any]) -> bytes:
    """``POST /v1/embeddings``: a deterministic vector per input (from its hash), as floats or as base64
    little-endian float32 (what the SDK asks for by default)."""
    inputs = body.get("input")
    items = [inputs] if isinstance(inputs, str) else list(inputs or [])
    dimensions = body.get("dimensions")
    size = dimensions if isinstance(dimensions, int) else 8
    data: list[dict[str, Any]] = []
    tokens = 0
    for index, item in enumerate(items):
        text = item if isinstance(item, str) else orjson.dumps(item).decode()
        tokens += estimate_tokens(text)
        digest = hashlib.sha256(text.encode()).digest()
        vector = [(digest[i % len(digest)] - 128) / 128 for i in range(size)]
        value: Any = vector
        if body.get("encoding_format") == "base64":
            value = base64.b64encode(struct.pack(f"<{size}f", *vector)).decode()
        data.append({"object": "embedding", "index": index, "embedding": value})
    usage = {"prompt_tokens": tokens, "total_tokens": tokens}
    return orjson.dumps({"object": "list", "data": data, "model": body.get("model"), "usage": usage})


def text_completion(body: dict[str, Any], pieces: list[str], completion_id: str, created: int) -> list[bytes]:
    """``POST /v1/completions``: the whole body, or its SSE frames (``text`` pieces, ``[DONE]``)."""
    prompt = body.get("prompt")
    prompt_tokens = estimate_tokens(prompt if isinstance(prompt, str) else orjson.dumps(prompt).decode())
    text = "".join(pieces)
    usage = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": estimate_tokens(text),
        "total_tokens": prompt_tokens + estimate_tokens(text),
    }
    head = {"id": completion_id, "object": "text_completion", "created": created, "model": body.get("model")}
    if body.get("stream") is not True:
        choice = {"text": text, "index": 0, "logprobs": None, "finish_reason": "stop"}
        return [orjson.dumps({**head, "choices": [choice], "usage": usage})]
    frames = []
    for piece, finish in [*((p, None) for p in pieces), ("", "stop")]:
        choice = {"text": piece, "index": 0, "logprobs": None, "finish_reason": finish}
        frames.append(b"data: " + orjson.dumps({**head, "choices": [choice]}) + b"\n\n")
    options = body.get("stream_options")
    if isinstance(options, dict) and options.get("include_usage"):
        frames.append(b"data: " + orjson.dumps({**head, "choices": [], "usage": usage}) + b"\n\n")
    return [*frames, DONE_FRAME]
