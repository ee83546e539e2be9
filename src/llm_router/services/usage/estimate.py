"""Token counts made here when the upstream reports none, marked ``estimated`` wherever they are stored.

Local servers (llama.cpp's, several others) send no usage in a stream even when asked
(``stream_options.include_usage``), and a stream that is cut or cancelled never reaches its usage event.
Logging 0 tokens then is wrong twice: the tokens were spent, and a *priced* model would be logged at $0.

The count is the common rule of thumb of **four characters per token** (OpenAI's and Anthropic's own
guidance for English text), plus a few tokens of framing per message. Chosen over a real tokenizer
because: ``tiktoken`` fetches its encodings from the internet at first use (not allowed here, and a
home server may be offline); the model that answered is often a local one whose tokenizer (Llama, Qwen,
Gemma…) no bundled vocabulary matches anyway, so any count is an estimate; and it costs nothing. Being
an estimate, it is always marked as one (``usage_events.usage_estimated``, ``messages.tokens_estimated``).
"""

from __future__ import annotations

import math

from llm_router.providers.base import ChatRequest, Usage

CHARS_PER_TOKEN = 4
MESSAGE_OVERHEAD = 4  # role and separators around each message, as chat templates add them
IMAGE_TOKENS = 765  # an image part, at OpenAI's "high detail" 512×512 tile count for a typical photo


def estimate_tokens(text: str) -> int:
    """About four characters a token; 0 for no text."""
    return math.ceil(len(text) / CHARS_PER_TOKEN) if text else 0


def estimate_input_tokens(request: ChatRequest) -> int:
    """The prompt as sent: system prompt, every message's text (images at a flat rate), tool schemas."""
    total = estimate_tokens(request.system or "") + (MESSAGE_OVERHEAD if request.system else 0)
    for message in request.messages:
        total += MESSAGE_OVERHEAD + estimate_tokens(message.text())
        if not isinstance(message.content, str):
            total += IMAGE_TOKENS * sum(1 for part in message.content if part.type == "image")
        for call in message.tool_calls:
            total += estimate_tokens(call.name) + estimate_tokens(call.arguments)
    for tool in request.tools:
        total += estimate_tokens(tool.name) + estimate_tokens(tool.description or "")
        total += estimate_tokens(str(tool.parameters))
    return total


def estimate_usage(request: ChatRequest, output_chars: int, reasoning_chars: int) -> Usage:
    """Usage of one call whose upstream reported none: the prompt sent and the characters received."""
    reasoning = math.ceil(reasoning_chars / CHARS_PER_TOKEN)
    output = math.ceil(output_chars / CHARS_PER_TOKEN) + reasoning
    prompt = estimate_input_tokens(request)
    return Usage(input_tokens=prompt, output_tokens=output, reasoning_tokens=reasoning)
