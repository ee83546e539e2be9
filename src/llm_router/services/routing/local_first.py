"""The local-first confidence probe: ask the local model for ``{"answer", "confidence"}`` JSON.

The stated confidence is what the model says about itself; where the server returns token logprobs, the
mean token probability is a second, independent opinion. The lower of the two decides, so a model
cannot talk itself past the threshold while its own tokens say it was guessing. Small local models often
ignore the JSON instruction: their plain answer is then judged by its logprobs alone (llama.cpp and vLLM
return them), and only without logprobs does a non-JSON reply count as confidence 0.

The probe is bounded, because the cloud answer waits for it: at most ``PROBE_MAX_TOKENS`` tokens (an
answer cut there is incomplete, so it escalates) and ``PROBE_SECONDS`` seconds in all (then it escalates
as a ``timeout`` attempt).
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass, replace

import orjson

from llm_router.providers.base import ChatModel, ChatRequest, ChatResult, UpstreamError, collect

PROBE_MAX_TOKENS = 1024
PROBE_SECONDS = 30.0

PROBE_INSTRUCTIONS = (
    "Answer the user's request. Reply with one JSON object and nothing else: "
    '{"answer": "<your complete answer>", "confidence": <a number from 0 to 1: how sure you are that '
    "the answer is correct and complete>}."
)


@dataclass(frozen=True, slots=True)
class ProbeVerdict:
    answer: str
    confidence: float  # 0 when the reply was not the asked-for JSON


def probe_request(request: ChatRequest, model_id: str) -> ChatRequest:
    system = PROBE_INSTRUCTIONS if not request.system else f"{request.system}\n\n{PROBE_INSTRUCTIONS}"
    cap = min(request.max_tokens, PROBE_MAX_TOKENS) if request.max_tokens else PROBE_MAX_TOKENS
    # the probe is our own request: never the client's body passed through
    return replace(request, model=model_id, system=system, logprobs=True, max_tokens=cap, raw=None)


async def run_probe(model: ChatModel, probe: ChatRequest, seconds: float | None = None) -> ChatResult:
    """The probe's whole answer, or ``UpstreamError("timeout")`` once ``seconds`` have passed."""
    limit = PROBE_SECONDS if seconds is None else seconds
    try:
        return await asyncio.wait_for(collect(model.stream(probe)), limit)
    except TimeoutError:
        raise UpstreamError(
            "timeout",
            f"the local model did not finish within the local-first probe's {limit:g} s",
            provider=model.provider,
            model=probe.model,
        ) from None


def _stated(text: str) -> tuple[str, float] | None:
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        value = orjson.loads(text[start : end + 1])
    except orjson.JSONDecodeError:
        return None
    if not isinstance(value, dict):
        return None
    answer, confidence = value.get("answer"), value.get("confidence")
    if not isinstance(answer, str) or isinstance(confidence, bool) or not isinstance(confidence, int | float):
        return None
    return answer, min(1.0, max(0.0, float(confidence)))


def judge(result: ChatResult) -> ProbeVerdict:
    logprobs = result.finish.logprobs if result.finish is not None else None
    token_confidence = math.exp(sum(logprobs) / len(logprobs)) if logprobs else None
    stated = _stated(result.text)
    if result.finish is not None and result.finish.reason == "length":
        # cut at the probe's token cap: whatever it says, the answer is incomplete
        return ProbeVerdict(answer=stated[0] if stated else result.text, confidence=0.0)
    if stated is None:  # plain text: only the tokens can tell how sure the model was
        return ProbeVerdict(answer=result.text.strip(), confidence=round(token_confidence or 0.0, 4))
    answer, confidence = stated
    if token_confidence is not None:
        confidence = min(confidence, token_confidence)
    return ProbeVerdict(answer=answer, confidence=round(confidence, 4))
