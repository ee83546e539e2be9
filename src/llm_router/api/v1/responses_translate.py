"""OpenAI Responses shapes: a request's ``input`` items → ``ChatRequest``, a result → output items.

The Responses API describes a conversation as *items* (messages, function calls, their outputs,
reasoning) rather than chat messages. This module maps them onto the neutral ``ChatRequest`` so that
any upstream protocol can answer, and builds the ``response`` object (and its output items) that both
the JSON answer and the stream's ``response.completed`` carry.

What is not translated, on purpose:
- ``reasoning`` items sent back by the client are accepted and not forwarded: the neutral request has no
  place for them, and no upstream but OpenAI's own Responses API can read their encrypted content.
- tools other than ``type: "function"`` are refused with a 400 naming the type, except those listed in
  ``OPTIONAL_TOOL_TYPES`` (hosted search and the like, and tool ``namespace`` groups, which clients such
  as Codex offer as extras): those are dropped, and the model answers without them.
- ``text.format`` of type ``json_schema``/``json_object`` becomes an instruction in the system prompt
  (the neutral request has no structured-output field), so the answer is JSON by request, not by
  constrained decoding.
"""

from __future__ import annotations

import time
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from llm_router.core.errors import AppError
from llm_router.core.ids import new_id
from llm_router.providers.base import (
    REASONING_LEVELS,
    ChatMessage,
    ChatRequest,
    ChatResult,
    ContentPart,
    Finish,
    ImagePart,
    ReasoningLevel,
    TextPart,
    ToolCall,
    ToolSpec,
    Usage,
)

_LOOSE = ConfigDict(extra="ignore")

OPTIONAL_TOOL_TYPES = frozenset(
    {"web_search", "web_search_preview", "file_search", "image_generation", "namespace"}
)
"""Tools dropped from a request rather than refusing it: hosted tools the router cannot run (search, image
generation), which clients offer as extras, and ``namespace`` groups (Codex's sub-agent tools), whose
calls come back in a shape only OpenAI's own Responses API produces."""


class ToolIn(BaseModel):
    model_config = _LOOSE
    type: str
    name: str | None = None
    description: str | None = None
    parameters: dict[str, Any] | None = None


class ReasoningIn(BaseModel):
    model_config = _LOOSE
    effort: str | None = None
    summary: str | None = None


class FormatIn(BaseModel):
    model_config = _LOOSE
    type: str = "text"
    name: str | None = None
    schema_: dict[str, Any] | None = Field(default=None, alias="schema")
    strict: StrictBool | None = None


class TextIn(BaseModel):
    model_config = _LOOSE
    format: FormatIn | None = None
    verbosity: str | None = None


class ResponsesBody(BaseModel):
    model_config = _LOOSE
    model: str = Field(min_length=1)
    input: str | list[dict[str, Any]] = Field(min_length=1)
    instructions: str | None = None
    tools: list[ToolIn] | None = None
    tool_choice: str | dict[str, Any] | None = None
    reasoning: ReasoningIn | None = None
    max_output_tokens: int | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = None
    text: TextIn | None = None
    store: StrictBool = True
    stream: StrictBool = False  # strict: "yes" is a 422, not true
    previous_response_id: str | None = None
    parallel_tool_calls: StrictBool = True
    metadata: dict[str, Any] | None = None


def _bad(message: str) -> AppError:
    return AppError(message, status_code=400, code="invalid_request")


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def _user_parts(content: Any) -> str | list[ContentPart]:
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise _bad("a message item needs content: a string or a list of input_text/input_image parts")
    parts: list[ContentPart] = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind in ("input_text", "output_text", "text"):
            parts.append(TextPart(str(part.get("text", ""))))
        elif kind == "input_image":
            url = part.get("image_url")
            if not isinstance(url, str) or not url:
                raise _bad("input_image needs image_url (an https: or data: URL); file_id is not supported")
            parts.append(ImagePart(url))
        else:
            raise _bad(f"unsupported content part type {kind!r} in a message item")
    return parts


def _call_output(output: Any) -> str:
    """``function_call_output.output`` is a string, or (newer clients) a list of content parts."""
    if isinstance(output, str):
        return output
    if isinstance(output, list):
        return _text_of(output)
    return orjson.dumps(output).decode()


def items_to_messages(items: list[dict[str, Any]]) -> tuple[list[str], list[ChatMessage]]:
    """System texts (system/developer messages) and the conversation's neutral turns."""
    system: list[str] = []
    messages: list[ChatMessage] = []
    for item in items:
        kind = item.get("type") or ("message" if "role" in item else None)
        if kind == "message":
            role = item.get("role")
            content = item.get("content")
            if role in ("system", "developer"):
                system.append(_text_of(content))
            elif role == "assistant":
                messages.append(ChatMessage("assistant", _text_of(content)))
            elif role == "user":
                messages.append(ChatMessage("user", _user_parts(content)))
            else:
                raise _bad(f"unsupported message role {role!r}: use user, assistant, system or developer")
        elif kind == "function_call":
            call = ToolCall(
                str(item.get("call_id", "")), str(item.get("name", "")), str(item.get("arguments", ""))
            )
            last = messages[-1] if messages else None
            if last is not None and last.role == "assistant":
                # parallel calls (and the text before them) are one assistant turn upstream
                messages[-1] = ChatMessage("assistant", last.content, tool_calls=(*last.tool_calls, call))
            else:
                messages.append(ChatMessage("assistant", "", tool_calls=(call,)))
        elif kind == "function_call_output":
            output = _call_output(item.get("output"))
            messages.append(ChatMessage("tool", output, tool_call_id=str(item.get("call_id", ""))))
        elif kind == "reasoning":
            continue  # carried back by the client; see the module docstring
        else:
            raise _bad(f"input item type {kind!r} is not supported by this router")
    return system, messages


def input_items(body: ResponsesBody) -> list[dict[str, Any]]:
    if isinstance(body.input, str):
        return [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": body.input}]}]
    return list(body.input)


def _tools(tools: list[ToolIn] | None) -> tuple[ToolSpec, ...]:
    specs: list[ToolSpec] = []
    for tool in tools or ():
        if tool.type in OPTIONAL_TOOL_TYPES:
            continue
        if tool.type != "function":
            raise _bad(
                f"tool type {tool.type!r} is not supported by this router: only 'function' tools are "
                f"({', '.join(sorted(OPTIONAL_TOOL_TYPES))} are dropped)"
            )
        if not tool.name:
            raise _bad("a function tool needs a name")
        specs.append(ToolSpec(tool.name, tool.description or "", tool.parameters or {}))
    return tuple(specs)


def _tool_choice(choice: str | dict[str, Any] | None) -> str | dict[str, Any] | None:
    if isinstance(choice, dict):
        name = choice.get("name")
        if choice.get("type") != "function" or not isinstance(name, str):
            raise _bad("tool_choice must be auto, none, required or {'type': 'function', 'name': ...}")
        return {"name": name}
    return choice


def _reasoning(reasoning: ReasoningIn | None) -> ReasoningLevel | None:
    effort = reasoning.effort if reasoning is not None else None
    if effort is None:
        return None
    if effort == "xhigh":
        return "high"
    if effort not in REASONING_LEVELS:
        raise _bad(f"reasoning.effort {effort!r} is not one of {', '.join(REASONING_LEVELS)}")
    return effort


def _format_instruction(text: TextIn | None) -> str | None:
    fmt = text.format if text is not None else None
    if fmt is None or fmt.type == "text":
        return None
    if fmt.type == "json_object":
        return "Answer with one JSON object and nothing else."
    if fmt.type == "json_schema":
        schema = orjson.dumps(fmt.schema_ or {}).decode()
        return f"Answer with one JSON value that matches this JSON schema, and nothing else: {schema}"
    raise _bad(f"text.format type {fmt.type!r} is not supported: use text, json_object or json_schema")


def to_chat_request(body: ResponsesBody, history: list[dict[str, Any]]) -> ChatRequest:
    """The neutral request from the stored history (``previous_response_id``) and this request's input."""
    system, messages = items_to_messages([*history, *input_items(body)])
    head = [body.instructions] if body.instructions else []
    if fmt := _format_instruction(body.text):
        system.append(fmt)
    return ChatRequest(
        model=body.model,
        messages=tuple(messages),
        system="\n\n".join([*head, *system]) or None,
        temperature=body.temperature,
        max_tokens=body.max_output_tokens,
        reasoning=_reasoning(body.reasoning),
        tools=_tools(body.tools),
        tool_choice=_tool_choice(body.tool_choice),
    )


# ---------------------------------------------------------------- output


def usage_json(usage: Usage) -> dict[str, Any]:
    return {
        "input_tokens": usage.input_tokens,
        "input_tokens_details": {"cached_tokens": usage.cached_tokens},
        "output_tokens": usage.output_tokens,
        "output_tokens_details": {"reasoning_tokens": usage.reasoning_tokens},
        "total_tokens": usage.input_tokens + usage.output_tokens,
    }


def message_item(item_id: str, text: str, status: str = "completed") -> dict[str, Any]:
    content = [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}]
    return {
        "id": item_id,
        "type": "message",
        "status": status,
        "role": "assistant",
        "content": content if status == "completed" else [],
    }


def reasoning_item(item_id: str, text: str) -> dict[str, Any]:
    summary = [{"type": "summary_text", "text": text}] if text else []
    return {"id": item_id, "type": "reasoning", "summary": summary}


def call_item(item_id: str, call: ToolCall, status: str = "completed") -> dict[str, Any]:
    return {
        "id": item_id,
        "type": "function_call",
        "status": status,
        "call_id": call.id or f"call_{new_id()}",
        "name": call.name,
        "arguments": call.arguments,
    }


def output_items(result: ChatResult) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if result.reasoning:
        items.append(reasoning_item(f"rs_{new_id()}", result.reasoning))
    if result.text or not result.tool_calls:
        items.append(message_item(f"msg_{new_id()}", result.text))
    items.extend(call_item(f"fc_{new_id()}", call) for call in result.tool_calls)
    return items


Status = Literal["in_progress", "completed", "incomplete", "failed"]


def response_json(
    body: ResponsesBody,
    response_id: str,
    model: str,
    *,
    status: Status,
    output: list[dict[str, Any]],
    usage: Usage | None,
    created_at: int | None = None,
    finish: Finish | None = None,
) -> dict[str, Any]:
    """The ``response`` object, as the JSON answer and inside ``response.created``/``completed``."""
    incomplete = {"reason": "max_output_tokens"} if finish is not None and finish.reason == "length" else None
    tools = [t.model_dump(exclude_none=True) for t in body.tools or ()]
    reasoning = body.reasoning.model_dump() if body.reasoning else {"effort": None, "summary": None}
    text = body.text.model_dump(by_alias=True, exclude_none=True) if body.text else {}
    return {
        "id": response_id,
        "object": "response",
        "created_at": created_at or int(time.time()),
        "status": "incomplete" if incomplete and status == "completed" else status,
        "error": None,
        "incomplete_details": incomplete,
        "instructions": body.instructions,
        "max_output_tokens": body.max_output_tokens,
        "model": model,
        "output": output,
        "parallel_tool_calls": body.parallel_tool_calls,
        "previous_response_id": body.previous_response_id,
        "reasoning": reasoning,
        "store": body.store,
        "temperature": body.temperature,
        "text": {"format": {"type": "text"}, **text},
        "tool_choice": body.tool_choice if body.tool_choice is not None else "auto",
        "tools": tools,
        "top_p": body.top_p,
        "truncation": "disabled",
        "usage": usage_json(usage) if usage is not None else None,
        "user": None,
        "metadata": body.metadata or {},
    }
