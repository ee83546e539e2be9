"""The Anthropic Messages request: our ``ChatRequest`` as the JSON body of ``POST /v1/messages`` (what
``messages.create`` would send), and what was decided on the way (thinking budget, dropped parameters)
for ``Finish.metadata``."""

from __future__ import annotations

import json
from typing import Any

from llm_router.providers.base import ChatMessage, ChatRequest, ImagePart, ReasoningLevel
from llm_router.providers.capabilities import THINKING_BUDGETS, Capabilities, nearest_effort

DEFAULT_MAX_TOKENS = 8192  # Anthropic requires max_tokens; every current model allows at least this


def build_params(request: ChatRequest, caps: Capabilities) -> tuple[dict[str, Any], dict[str, Any]]:
    """The request body, and what was decided about it (for ``Finish.metadata``)."""
    dropped: list[str] = []
    metadata: dict[str, Any] = {}
    answer_tokens = request.max_tokens or DEFAULT_MAX_TOKENS
    params: dict[str, Any] = {
        "model": request.model,
        "messages": _messages(request.messages),
        "max_tokens": answer_tokens,
        "stream": True,
    }
    if request.system:
        params["system"] = request.system
    level = request.reasoning
    if level is not None and level != "none":
        shaped = _thinking(level, caps, answer_tokens)
        if shaped is None:
            dropped.append("reasoning")
        else:
            params.update(shaped[0])
            metadata.update(shaped[1])
    if request.temperature is not None:
        # The Messages API (and so the SDK's create()) no longer takes a temperature; say so rather
        # than failing the request.
        dropped.append("temperature")
    if request.stop:
        params["stop_sequences"] = list(request.stop)
    if request.tools:
        params["tools"] = [
            {
                "name": t.name,
                "description": t.description,
                "input_schema": t.parameters or {"type": "object", "properties": {}},
            }
            for t in request.tools
        ]
    if request.tool_choice is not None:
        params["tool_choice"] = _tool_choice(request.tool_choice)
    if request.logprobs:
        dropped.append("logprobs")
    if dropped:
        metadata["dropped"] = dropped
    return params, metadata


def _thinking(
    level: ReasoningLevel, caps: Capabilities, answer_tokens: int
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Request fields and metadata for a reasoning level; None when the model cannot think."""
    if caps.reasoning_style == "thinking":
        budget = THINKING_BUDGETS[level]
        # max_tokens covers thinking and answer, and must exceed the budget
        fields = {
            "thinking": {"type": "enabled", "budget_tokens": budget},
            "max_tokens": budget + answer_tokens,
        }
        return fields, {"thinking_budget": budget}
    if caps.reasoning_style == "adaptive":
        effort = nearest_effort(level, caps.reasoning_efforts)
        fields = {"thinking": {"type": "adaptive"}, "output_config": {"effort": effort}}
        return fields, {"thinking": "adaptive", "reasoning_effort": effort}
    return None


def _tool_choice(choice: str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(choice, dict):
        return {"type": "tool", "name": choice.get("name", "")}
    return {"type": {"required": "any"}.get(choice, choice)}


def _messages(messages: tuple[ChatMessage, ...]) -> list[dict[str, Any]]:
    """Anthropic wants strictly alternating roles and tool results inside user turns: merge runs."""
    out: list[dict[str, Any]] = []
    for message in messages:
        role = "assistant" if message.role == "assistant" else "user"
        blocks = _blocks(message)
        if out and out[-1]["role"] == role:
            out[-1]["content"].extend(blocks)
        else:
            out.append({"role": role, "content": blocks})
    return out


def _blocks(message: ChatMessage) -> list[dict[str, Any]]:
    if message.role == "tool":
        return [{"type": "tool_result", "tool_use_id": message.tool_call_id or "", "content": message.text()}]
    parts = [message.content] if isinstance(message.content, str) else message.content
    blocks: list[dict[str, Any]] = []
    for part in parts:
        if isinstance(part, str):
            if part:
                blocks.append({"type": "text", "text": part})
        elif isinstance(part, ImagePart):
            blocks.append({"type": "image", "source": _image_source(part)})
        elif part.text:
            blocks.append({"type": "text", "text": part.text})
    for call in message.tool_calls:
        blocks.append({"type": "tool_use", "id": call.id, "name": call.name, "input": _json_object(call)})
    return blocks


def _image_source(part: ImagePart) -> dict[str, Any]:
    if part.url.startswith("data:"):
        header, _, data = part.url.partition(",")
        media_type = part.media_type or header.removeprefix("data:").split(";")[0] or "image/png"
        return {"type": "base64", "media_type": media_type, "data": data}
    return {"type": "url", "url": part.url}


def _json_object(call: Any) -> Any:
    try:
        value = json.loads(call.arguments or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
