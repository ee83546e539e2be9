"""The OpenAI Chat Completions request: our ``ChatRequest`` as the JSON body of ``POST /chat/completions``
(what ``chat.completions.create`` would send), and what was decided on the way (reasoning effort,
dropped parameters) for ``Finish.metadata``."""

from __future__ import annotations

from typing import Any

from llm_router.providers.base import ChatMessage, ChatRequest, ImagePart
from llm_router.providers.capabilities import Capabilities, nearest_effort


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
    parts: list[dict[str, Any]] = [
        {"type": "image_url", "image_url": {"url": p.url}}
        if isinstance(p, ImagePart)
        else {"type": "text", "text": p.text}
        for p in message.content
    ]
    return {"role": "user", "content": parts}
