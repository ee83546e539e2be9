"""The OpenAI Responses wire format (``POST /v1/responses``), as api.openai.com writes it.

The answer is the same ``Script`` the other wire formats render: reasoning becomes a ``reasoning`` item
with a summary, text a ``message`` item, tool calls ``function_call`` items. The stream is the
documented event sequence (``response.created`` … ``response.completed``), each event with its
``sequence_number``; a mid-stream failure is an ``error`` event.

One rule of the real API is enforced because routers get it wrong: every ``function_call_output`` must
answer a ``function_call`` with the same ``call_id`` earlier in ``input`` (unless the request continues
a stored response with ``previous_response_id``) — else 400, "No tool call found for function call
output with call_id …".
"""

from __future__ import annotations

from typing import Any

import orjson

from llm_router.testing.openai_wire import error_body
from llm_router.testing.script import Frame, InvalidRequest, Prompt, Script, TokenCounts

MALFORMED_FRAME = b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta",\n\n'


def parse_request(body: Any) -> Prompt:
    if not isinstance(body, dict):
        raise InvalidRequest("We could not parse the JSON body of your request.")
    model = body.get("model")
    items = body.get("input")
    if not isinstance(model, str) or not model:
        raise InvalidRequest("Missing required parameter: 'model'.")
    if isinstance(items, str):
        items = [{"type": "message", "role": "user", "content": items}]
    if not isinstance(items, list) or not items:
        raise InvalidRequest("Missing required parameter: 'input'.")
    texts = [str(body.get("instructions") or "")]
    images: list[str] = []
    last_user = ""
    calls: set[str] = set()
    for item in items:
        if not isinstance(item, dict):
            raise InvalidRequest("Invalid 'input': expected an array of items.")
        kind = item.get("type") or ("message" if "role" in item else None)
        if kind == "message":
            text = _content_text(item.get("content"), images)
            texts.append(text)
            if item.get("role") == "user":
                last_user = text
        elif kind == "function_call":
            calls.add(str(item.get("call_id")))
            texts.append(str(item.get("arguments", "")))
        elif kind == "function_call_output":
            call_id = str(item.get("call_id"))
            if call_id not in calls and not body.get("previous_response_id"):
                raise InvalidRequest(f"No tool call found for function call output with call_id {call_id}.")
            output = item.get("output")
            texts.append(output if isinstance(output, str) else orjson.dumps(output).decode())
    return Prompt(
        model=model,
        stream=body.get("stream") is True,
        last_user_text=last_user,
        input_text="\n".join(texts),
        images=images,
    )


def _content_text(content: Any, images: list[str]) -> str:
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise InvalidRequest("Invalid 'content': expected a string or an array of content parts.")
    texts = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind in ("input_text", "output_text"):
            texts.append(str(part.get("text", "")))
        elif kind == "input_image":
            images.append(str(part.get("image_url", "")))
        else:
            raise InvalidRequest(f"Invalid content part type: {kind!r}.")
    return "".join(texts)


def invalid_request_body(message: str) -> bytes:
    return orjson.dumps(
        {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}}
    )


def stream_error_frame(status: int, message: str | None = None) -> bytes:
    error = orjson.loads(error_body(status, message))["error"]
    event = {
        "type": "error",
        "code": error["code"] or error["type"],
        "message": error["message"],
        "param": None,
    }
    return b"event: error\ndata: " + orjson.dumps(event) + b"\n\n"


def _usage(usage: TokenCounts) -> dict[str, Any]:
    return {
        "input_tokens": usage.input,
        "input_tokens_details": {"cached_tokens": usage.cached},
        "output_tokens": usage.output,
        "output_tokens_details": {"reasoning_tokens": usage.reasoning},
        "total_tokens": usage.input + usage.output,
    }


def _items(script: Script, response_id: str) -> list[dict[str, Any]]:
    suffix = response_id.removeprefix("resp_")
    items: list[dict[str, Any]] = []
    if script.reasoning_chunks:
        summary = [{"type": "summary_text", "text": script.reasoning}]
        items.append({"id": f"rs_{suffix}", "type": "reasoning", "summary": summary})
    if script.text_chunks or not script.tool_calls:
        part = {"type": "output_text", "annotations": [], "logprobs": [], "text": script.text}
        message = {"id": f"msg_{suffix}", "type": "message", "status": "completed", "content": [part]}
        items.append({**message, "role": "assistant"})
    for call in script.tool_calls:
        items.append(
            {
                "id": f"fc_{suffix}_{call.index}",
                "type": "function_call",
                "status": "completed",
                "arguments": call.arguments,
                "call_id": call.id,
                "name": call.name,
            }
        )
    return items


def _response(
    script: Script, prompt: Prompt, response_id: str, created: int, status: str, output: list[dict[str, Any]]
) -> dict[str, Any]:
    incomplete = {"reason": "max_output_tokens"} if script.finish == "length" else None
    return {
        "id": response_id,
        "object": "response",
        "created_at": created,
        "status": "incomplete" if incomplete and status == "completed" else status,
        "error": None,
        "incomplete_details": incomplete,
        "instructions": None,
        "max_output_tokens": None,
        "model": prompt.model,
        "output": output,
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "reasoning": {"effort": None, "summary": None},
        "store": True,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}},
        "tool_choice": "auto",
        "tools": [],
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": _usage(script.usage) if status != "in_progress" else None,
        "user": None,
        "metadata": {},
    }


def response_body(script: Script, prompt: Prompt, response_id: str, created: int) -> bytes:
    items = _items(script, response_id)
    return orjson.dumps(_response(script, prompt, response_id, created, "completed", items))


class _Events:
    def __init__(self) -> None:
        self.sequence = 0

    def __call__(self, name: str, **data: Any) -> bytes:
        payload = {"type": name, "sequence_number": self.sequence, **data}
        self.sequence += 1
        return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(payload) + b"\n\n"


def stream_frames(script: Script, prompt: Prompt, response_id: str, created: int) -> list[Frame]:
    event = _Events()
    opening = _response(script, prompt, response_id, created, "in_progress", [])
    frames: list[Frame] = [
        (event("response.created", response=opening), False),
        (event("response.in_progress", response=opening), False),
    ]
    for index, item in enumerate(_items(script, response_id)):
        where = {"item_id": item["id"], "output_index": index}
        if item["type"] == "reasoning":
            frames.append(
                (event("response.output_item.added", output_index=index, item={**item, "summary": []}), False)
            )
            part = {"type": "summary_text", "text": ""}
            frames.append(
                (event("response.reasoning_summary_part.added", **where, summary_index=0, part=part), False)
            )
            for piece in script.reasoning_chunks:
                delta = event("response.reasoning_summary_text.delta", **where, summary_index=0, delta=piece)
                frames.append((delta, True))
            text = script.reasoning
            frames.append(
                (event("response.reasoning_summary_text.done", **where, summary_index=0, text=text), False)
            )
            done_part = {"type": "summary_text", "text": text}
            frames.append(
                (
                    event("response.reasoning_summary_part.done", **where, summary_index=0, part=done_part),
                    False,
                )
            )
        elif item["type"] == "message":
            added = {**item, "status": "in_progress", "content": []}
            frames.append((event("response.output_item.added", output_index=index, item=added), False))
            empty = {"type": "output_text", "annotations": [], "logprobs": [], "text": ""}
            frames.append((event("response.content_part.added", **where, content_index=0, part=empty), False))
            for piece in script.text_chunks:
                delta = event(
                    "response.output_text.delta", **where, content_index=0, delta=piece, logprobs=[]
                )
                frames.append((delta, True))
            done = event("response.output_text.done", **where, content_index=0, text=script.text, logprobs=[])
            frames.append((done, False))
            part_done = event("response.content_part.done", **where, content_index=0, part=item["content"][0])
            frames.append((part_done, False))
        else:
            call = script.tool_calls[int(item["id"].rsplit("_", 1)[1])]
            added = {**item, "status": "in_progress", "arguments": ""}
            frames.append((event("response.output_item.added", output_index=index, item=added), False))
            for piece in call.pieces:
                frames.append((event("response.function_call_arguments.delta", **where, delta=piece), True))
            done = event("response.function_call_arguments.done", **where, arguments=call.arguments)
            frames.append((done, False))
        frames.append((event("response.output_item.done", output_index=index, item=item), False))
    final = _response(script, prompt, response_id, created, "completed", _items(script, response_id))
    frames.append((event("response.completed", response=final), False))
    return frames
