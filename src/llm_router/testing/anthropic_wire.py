"""The Anthropic Messages wire format, as api.anthropic.com writes it (named SSE events, typed blocks)."""

from __future__ import annotations

from typing import Any

import orjson

from llm_router.testing import media_parts
from llm_router.testing.script import Frame, InvalidRequest, Prompt, Script, TokenCounts, estimate_tokens

MALFORMED_FRAME = b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{\n\n'
PING_FRAME = b'event: ping\ndata: {"type": "ping"}\n\n'
SIGNATURE = "ZmFrZS1zaWduYXR1cmU="  # thinking blocks carry an opaque signature
MODELS_CREATED_AT = "2025-01-01T00:00:00Z"

# status -> (error type, message), the bodies Anthropic sends for these statuses
_ERRORS: dict[int, tuple[str, str]] = {
    400: ("invalid_request_error", "prompt is too long: 210000 tokens > 200000 maximum"),
    401: ("authentication_error", "invalid x-api-key"),
    403: ("permission_error", "Your API key does not have permission to use the specified resource."),
    404: ("not_found_error", "The requested resource could not be found."),
    413: ("request_too_large", "Request exceeds the maximum allowed number of bytes."),
    429: ("rate_limit_error", "This request would exceed the rate limit for your organization."),
    500: ("api_error", "Internal server error"),
    503: ("api_error", "Service unavailable"),
    529: ("overloaded_error", "Overloaded"),
}
# Older models' answer limits, as the real API enforces them (first matching prefix wins)
OUTPUT_LIMITS = (("claude-3-5-", 8192), ("claude-3-7-", 64000), ("claude-3-", 4096))
_STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use"}


def parse_request(body: Any) -> Prompt:
    if not isinstance(body, dict):
        raise InvalidRequest("Request body must be a JSON object")
    model = body.get("model")
    messages = body.get("messages")
    if not isinstance(model, str) or not model:
        raise InvalidRequest("model: Field required")
    if not isinstance(body.get("max_tokens"), int):
        raise InvalidRequest("max_tokens: Field required")
    limit = next((n for prefix, n in OUTPUT_LIMITS if model.startswith(prefix)), None)
    if limit is not None and body["max_tokens"] > limit:
        raise InvalidRequest(
            f"max_tokens: {body['max_tokens']} > {limit}, which is the maximum allowed number of output "
            f"tokens for {model}"
        )
    if not isinstance(messages, list):
        raise InvalidRequest("messages: Field required")
    _check_rules(body, messages)
    images: list[str] = []
    texts = [_content_text(body.get("system"), images)]
    last_user = ""
    for message in messages:
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            raise InvalidRequest("messages: each message needs a role of 'user' or 'assistant'")
        text = _content_text(message.get("content"), images)
        texts.append(text)
        if message["role"] == "user":
            last_user = text
    return Prompt(
        model=model,
        stream=body.get("stream") is True,
        last_user_text=last_user,
        input_text="\n".join(texts),
        images=images,
    )


MAX_CACHE_BREAKPOINTS = 4
THINKING_REQUIRED = (
    "messages.{index}.content.0.type: Expected `thinking` or `redacted_thinking`, but found `{found}`. "
    "When `thinking` is enabled, a final `assistant` message must start with a thinking block (preceeding "
    "the lastmost set of `tool_use` and `tool_result` blocks). We recommend you include thinking blocks "
    "from previous turns. To avoid this requirement, disable `thinking`. Please consult our documentation "
    "at https://docs.claude.com/en/docs/build-with-claude/extended-thinking"
)


def _check_rules(body: dict[str, Any], messages: list[Any]) -> None:
    """What the real API refuses and a router could get wrong: thinking blocks dropped or re-signed in a
    tool loop, more than four ``cache_control`` breakpoints."""
    blocks = [b for m in messages if isinstance(m, dict) for b in _listed(m.get("content"))]
    marked = [
        b for b in blocks + _listed(body.get("system")) + _listed(body.get("tools")) if "cache_control" in b
    ]
    if len(marked) > MAX_CACHE_BREAKPOINTS:
        raise InvalidRequest(
            f"A maximum of {MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. "
            f"Found {len(marked)}."
        )
    for index, message in enumerate(messages):
        for position, block in enumerate(
            _listed(message.get("content") if isinstance(message, dict) else None)
        ):
            if block.get("type") == "thinking" and block.get("signature") != SIGNATURE:
                raise InvalidRequest(
                    f"messages.{index}.content.{position}: Invalid `signature` in `thinking` block"
                )
    thinking = body.get("thinking")
    if not isinstance(thinking, dict) or thinking.get("type") not in ("enabled", "adaptive"):
        return
    assistant = [i for i, m in enumerate(messages) if isinstance(m, dict) and m.get("role") == "assistant"]
    if not assistant:
        return
    last = messages[assistant[-1]]
    content = _listed(last.get("content"))
    if any(b.get("type") == "tool_use" for b in content):
        first = content[0].get("type")
        if first not in ("thinking", "redacted_thinking"):
            raise InvalidRequest(THINKING_REQUIRED.format(index=assistant[-1], found=first))


def _listed(value: Any) -> list[dict[str, Any]]:
    return [b for b in value if isinstance(b, dict)] if isinstance(value, list) else []


def _content_text(content: Any, images: list[str]) -> str:
    if content is None or isinstance(content, str):
        return content or ""
    if not isinstance(content, list):
        raise InvalidRequest("content: Input should be a valid list")
    texts = []
    for block in content:
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "text":
            texts.append(str(block.get("text", "")))
        elif kind == "image":
            images.append(media_parts.anthropic_image(block.get("source")))
        elif kind == "document":
            media_parts.anthropic_document(block)
        elif kind == "tool_result":
            texts.append(_content_text(block.get("content"), images))
        elif kind is None:
            raise InvalidRequest("content: each block needs a 'type'")
    return "".join(texts)


def count_tokens_body(body: Any) -> bytes:
    """``POST /v1/messages/count_tokens``: the prompt's tokens as the fake counts input everywhere."""
    prompt = parse_request({**body, "max_tokens": 1} if isinstance(body, dict) else body)
    return orjson.dumps({"input_tokens": estimate_tokens(prompt.input_text)})


def error_body(status: int, message: str | None = None, request_id: str = "") -> bytes:
    kind, default_message = _ERRORS.get(status, ("api_error", "The fake provider failed."))
    error = {"type": kind, "message": message or default_message}
    return orjson.dumps({"type": "error", "error": error, "request_id": request_id})


def stream_error_frame(status: int, message: str | None = None, request_id: str = "") -> bytes:
    """An ``error`` event inside a 200 stream, e.g. ``overloaded_error`` during busy periods."""
    return b"event: error\ndata: " + error_body(status, message, request_id) + b"\n\n"


def invalid_request_body(message: str, request_id: str = "") -> bytes:
    error = {"type": "invalid_request_error", "message": message}
    return orjson.dumps({"type": "error", "error": error, "request_id": request_id})


def models_body(models: list[str]) -> bytes:
    data = [{"type": "model", "id": m, "display_name": m, "created_at": MODELS_CREATED_AT} for m in models]
    return orjson.dumps(
        {
            "data": data,
            "has_more": False,
            "first_id": models[0] if models else None,
            "last_id": models[-1] if models else None,
        }
    )


def _usage(usage: TokenCounts, output_tokens: int) -> dict[str, Any]:
    # Anthropic's input_tokens counts only the uncached part of the prompt
    uncached = max(0, usage.input - usage.cached - usage.cache_write)
    return {
        "input_tokens": uncached,
        "cache_creation_input_tokens": usage.cache_write,
        "cache_read_input_tokens": usage.cached,
        "output_tokens": output_tokens,
    }


def _blocks(script: Script) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if script.reasoning_chunks:
        blocks.append({"type": "thinking", "thinking": script.reasoning, "signature": SIGNATURE})
    if script.text_chunks or not script.tool_calls:
        blocks.append({"type": "text", "text": script.text})
    for call in script.tool_calls:
        blocks.append(
            {"type": "tool_use", "id": call.id, "name": call.name, "input": _tool_input(call.arguments)}
        )
    return blocks


def _tool_input(arguments: str) -> Any:
    try:
        return orjson.loads(arguments or "{}")
    except orjson.JSONDecodeError:
        return {}


def message_body(script: Script, prompt: Prompt, message_id: str) -> bytes:
    return orjson.dumps(
        {
            "id": message_id,
            "type": "message",
            "role": "assistant",
            "model": prompt.model,
            "content": _blocks(script),
            "stop_reason": _STOP_REASONS[script.finish],
            "stop_sequence": None,
            "usage": _usage(script.usage, script.usage.output),
        }
    )


def _event(name: str, payload: dict[str, Any]) -> bytes:
    return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(payload) + b"\n\n"


def _delta(index: int, delta: dict[str, Any]) -> bytes:
    return _event("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta})


def _block_frames(index: int, start: dict[str, Any], deltas: list[dict[str, Any]]) -> list[Frame]:
    frames: list[Frame] = [
        (
            _event(
                "content_block_start", {"type": "content_block_start", "index": index, "content_block": start}
            ),
            False,
        )
    ]
    if index == 0:  # Anthropic pings once, after the first block opens
        frames.append((PING_FRAME, False))
    frames.extend((_delta(index, d), d["type"] != "signature_delta") for d in deltas)
    frames.append((_event("content_block_stop", {"type": "content_block_stop", "index": index}), False))
    return frames


def stream_frames(script: Script, prompt: Prompt, message_id: str) -> list[Frame]:
    start_message: dict[str, Any] = {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": prompt.model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": _usage(script.usage, 1),
    }
    frames: list[Frame] = [
        (_event("message_start", {"type": "message_start", "message": start_message}), False)
    ]
    index = 0
    if script.reasoning_chunks:
        deltas = [{"type": "thinking_delta", "thinking": piece} for piece in script.reasoning_chunks]
        deltas.append({"type": "signature_delta", "signature": SIGNATURE})
        frames += _block_frames(index, {"type": "thinking", "thinking": "", "signature": ""}, deltas)
        index += 1
    if script.text_chunks or not script.tool_calls:
        deltas = [{"type": "text_delta", "text": piece} for piece in script.text_chunks]
        frames += _block_frames(index, {"type": "text", "text": ""}, deltas)
        index += 1
    for call in script.tool_calls:
        start = {"type": "tool_use", "id": call.id, "name": call.name, "input": {}}
        deltas = [{"type": "input_json_delta", "partial_json": piece} for piece in call.pieces]
        frames += _block_frames(index, start, deltas)
        index += 1
    message_delta = {
        "type": "message_delta",
        "delta": {"stop_reason": _STOP_REASONS[script.finish], "stop_sequence": None},
        "usage": _usage(script.usage, script.usage.output),
    }
    frames.append((_event("message_delta", message_delta), False))
    frames.append((_event("message_stop", {"type": "message_stop"}), False))
    return frames
