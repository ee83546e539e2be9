"""The local-first confidence probe: ask the local model for ``{"answer", "confidence"}`` JSON.

The stated confidence is what the model says about itself; where the server returns token logprobs, the
mean token probability is a second, independent opinion. The lower of the two decides, so a model
cannot talk itself past the threshold while its own tokens say it was guessing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import orjson

from llm_router.providers.base import ChatRequest, ChatResult

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
    # the probe is our own request: never the client's body passed through
    return replace(request, model=model_id, system=system, logprobs=True, raw=None)


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
    stated = _stated(result.text)
    if stated is None:
        return ProbeVerdict(answer=result.text, confidence=0.0)
    answer, confidence = stated
    logprobs = result.finish.logprobs if result.finish is not None else None
    if logprobs:
        token_confidence = math.exp(sum(logprobs) / len(logprobs))
        confidence = min(confidence, token_confidence)
    return ProbeVerdict(answer=answer, confidence=round(confidence, 4))
