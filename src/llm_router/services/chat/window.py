"""Fitting a web-chat turn to the model's context window, before anything is sent or stored.

The window is the smallest one known among the models the plan may ask (a local model's from its own
server, ``providers.windows``; a cloud model's from the bundled list or genai-prices). The prompt is
counted with the usage estimator (``services.usage.estimate``: four characters a token plus framing), and
``answer_reserve`` tokens (at most half the window) are kept free for the answer. When it does not fit:

- ``trim`` (the default): the system prompt and the newest turns are kept; the oldest messages are left
  out one by one until the rest fits, and the history then starts at a user message (as every protocol
  wants). The answer's ``params.context`` records how many and which were left out, and for which
  model and window, so the web app can say so. The message just sent is never left out: if it alone
  (with the system prompt) does not fit, the turn is refused as below.
- ``refuse``: nothing is sent or stored; a 400 ``context_length`` says how long the conversation is and
  suggests branching from a recent message or a model with a larger window.

When every model the plan may ask is local, the request also gets ``max_tokens`` = what the window
leaves after the prompt (a local server must not be asked for more than that; without it, llama.cpp
generates until the window is full). A plan with a cloud model in it (a fallback after a local model)
does not: one request goes to each model, and "window − prompt" could exceed a cloud model's output
limit, which its API refuses. Cloud models keep their own default (Anthropic's adapter always sends
one, as its API requires; the local-first probe has its own cap). ``/v1`` requests never come here:
clients manage their own context.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

from llm_router.core.errors import AppError
from llm_router.providers.base import ChatRequest
from llm_router.providers.registry import ResolvedModel
from llm_router.services.routing import Plan
from llm_router.services.usage.estimate import estimate_input_tokens

Overflow = Literal["trim", "refuse"]


@dataclass(frozen=True, slots=True)
class ContextPolicy:
    overflow: Overflow = "trim"
    answer_reserve: int = 1024  # tokens kept free for the answer (at most half the window)


DEFAULT_POLICY = ContextPolicy()


@dataclass(frozen=True, slots=True)
class Fitted:
    plan: Plan
    left_out: int = 0  # messages at the start of the history that were not sent
    note: dict[str, Any] | None = None  # for the answer's ``params.context`` when some were left out


class ContextTooLong(AppError):
    status_code = 400
    code = "context_length"


def window_label(tokens: int) -> str:
    """8192 → "8k", 131072 → "128k", 200000 → "200k", 3000 → "3k", 500 → "500"."""
    if tokens < 1000:
        return str(tokens)
    thousands = tokens / 1024 if tokens % 1024 == 0 else tokens / 1000
    return f"{round(thousands)}k"


def smallest_window(plan: Plan) -> tuple[int, ResolvedModel] | None:
    candidates = [m for m in (plan.local, *plan.chain) if m is not None]
    known = [(m.capabilities.context_window, m) for m in candidates if m.capabilities.context_window]
    if not known:
        return None
    window, model = min(known, key=lambda pair: pair[0] or 0)
    assert window is not None
    return window, model


def fit(plan: Plan, policy: ContextPolicy) -> Fitted:
    """``plan`` with its request fitted to the smallest known window, or ``ContextTooLong``."""
    found = smallest_window(plan)
    if found is None:
        return Fitted(plan)
    window, model = found
    reserve = min(policy.answer_reserve, window // 2)
    budget = window - reserve
    request = plan.request
    needed = estimate_input_tokens(request)
    left_out = 0
    if needed > budget:
        if policy.overflow == "refuse":
            raise ContextTooLong(_refusal(needed, window, reserve, model.id))
        request, left_out = _trim(request, budget)
        needed = estimate_input_tokens(request)
        if needed > budget:
            raise ContextTooLong(_too_long_alone(needed, window, reserve, model.id))
    everyone_local = all(m.is_local for m in (plan.local, *plan.chain) if m is not None)
    if everyone_local and (request.max_tokens is None or request.max_tokens > window - needed):
        request = replace(request, max_tokens=window - needed)
    note = None
    if left_out:
        note = {"left_out": left_out, "model": model.id, "window": window}
    return Fitted(replace(plan, request=request), left_out, note)


def _trim(request: ChatRequest, budget: int) -> tuple[ChatRequest, int]:
    """The oldest messages left out until the rest fits; the newest message always stays."""
    messages = request.messages
    base = estimate_input_tokens(replace(request, messages=()))
    costs = [estimate_input_tokens(ChatRequest(model="", messages=(m,))) for m in messages]
    total = base + sum(costs)
    start = 0
    while start < len(messages) - 1 and total > budget:
        total -= costs[start]
        start += 1
    while start < len(messages) - 1 and messages[start].role != "user":  # a history starts with the user
        start += 1
    return replace(request, messages=messages[start:]), start


def _refusal(needed: int, window: int, reserve: int, model: str) -> str:
    return (
        f"This conversation is about {needed:,} tokens and does not fit {model}'s {window_label(window)} "
        f"context window ({reserve:,} tokens are kept for the answer). Nothing was sent or stored. Branch "
        "from a recent message to go on in a shorter thread, or pick a model with a larger window."
    )


def _too_long_alone(needed: int, window: int, reserve: int, model: str) -> str:
    return (
        f"This message (with the system prompt) is about {needed:,} tokens and does not fit {model}'s "
        f"{window_label(window)} context window ({reserve:,} tokens are kept for the answer), even with "
        "every earlier message left out. Nothing was sent or stored: shorten it or pick a model with a "
        "larger window."
    )
