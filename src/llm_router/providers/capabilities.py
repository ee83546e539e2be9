"""What a model can do and which request parameters it accepts: facts as data, looked up by model id.

The adapters ask this table instead of branching on vendor names: whether to send ``reasoning_effort``
or an extended-thinking budget, whether ``temperature`` is accepted, and which max-tokens parameter the
model wants. The bundled fallback list (``fallback_models.json``) adds context windows and public
capability flags for well-known models.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from typing import Any, Literal

from llm_router.providers.base import REASONING_LEVELS, ReasoningLevel

# effort: OpenAI reasoning_effort; thinking: Anthropic budget_tokens; adaptive: Anthropic adaptive thinking
# with output_config.effort (Opus 4.6 and later, where fixed budgets are deprecated)
ReasoningStyle = Literal["effort", "thinking", "adaptive"]


@dataclass(frozen=True, slots=True)
class Capabilities:
    vision: bool = False
    reasoning: bool = False
    image_generation: bool = False
    context_window: int | None = None
    # request shaping (not shown to users)
    reasoning_style: ReasoningStyle | None = None
    reasoning_efforts: tuple[ReasoningLevel, ...] = ()  # levels the model accepts for "effort"
    temperature: bool = True
    logprobs: bool = True
    max_tokens_param: Literal["max_tokens", "max_completion_tokens"] = "max_tokens"
    # the most answer tokens the model accepts, where a required default could exceed it (Anthropic)
    max_output_tokens: int | None = None

    def public(self) -> dict[str, Any]:
        return {
            "vision": self.vision,
            "reasoning": self.reasoning,
            "image_generation": self.image_generation,
            "context_window": self.context_window,
        }


_O_SERIES = Capabilities(
    vision=True,
    reasoning=True,
    reasoning_style="effort",
    reasoning_efforts=("low", "medium", "high"),
    temperature=False,
    logprobs=False,
    max_tokens_param="max_completion_tokens",
)
_LOW_TO_HIGH: tuple[ReasoningLevel, ...] = ("low", "medium", "high")
_THINKING_CLAUDE = Capabilities(vision=True, reasoning=True, reasoning_style="thinking")

# First match wins, so specific patterns come before general ones. Patterns see the model id without any
# vendor prefix (OpenRouter's "openai/gpt-5.1" is looked up as "gpt-5.1").
RULES: tuple[tuple[re.Pattern[str], Capabilities], ...] = tuple(
    (re.compile(pattern), caps)
    for pattern, caps in (
        (r"^o1-(mini|preview)", replace(_O_SERIES, vision=False, reasoning_style=None)),
        (r"^o[134](-|$)", _O_SERIES),
        (r"^gpt-5(\.\d+)?-chat", Capabilities(vision=True, max_tokens_param="max_completion_tokens")),
        (r"^gpt-5\.\d", replace(_O_SERIES, reasoning_efforts=("none", "low", "medium", "high"))),
        (r"^gpt-5", replace(_O_SERIES, reasoning_efforts=("minimal", "low", "medium", "high"))),
        (r"^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4-turbo)", Capabilities(vision=True)),
        (r"^(gpt-image|dall-e)", Capabilities(image_generation=True)),
        (
            r"^claude-(opus-4-[6-9]|mythos)",
            replace(
                _THINKING_CLAUDE, reasoning_style="adaptive", reasoning_efforts=("low", "medium", "high")
            ),
        ),
        (r"^claude-(opus|sonnet|haiku)-4|^claude-3-7-sonnet|^claude-3\.7-sonnet", _THINKING_CLAUDE),
        # Claude 3 answers at most 4,096 tokens, 3.5 at most 8,192: a larger max_tokens is a 400
        (r"^claude-3-5-|^claude-3\.5-", Capabilities(vision=True, max_output_tokens=8192)),
        (r"^claude-3-", Capabilities(vision=True, max_output_tokens=4096)),
        (r"^claude", Capabilities(vision=True)),
        # Gemma 3's 270M and 1B are text-only (4B and larger see images): not offered pictures
        (r"gemma-?3[-_:]?(270m|1b)\b", Capabilities()),
        (r"llava|vision|-vl\b|gemma-?3|pixtral|llama-?4", Capabilities(vision=True)),
        (r"deepseek-r1|qwq|qwen3|gpt-oss|magistral|-thinking", Capabilities(reasoning=True)),
    )
)

# Extended-thinking budgets (tokens) per reasoning level; Anthropic's minimum is 1024.
THINKING_BUDGETS: dict[ReasoningLevel, int] = {"minimal": 1024, "low": 1024, "medium": 4096, "high": 16384}


def bare_model_id(model_id: str) -> str:
    """``openai/gpt-5.1`` → ``gpt-5.1``; capability facts do not depend on who resells the model."""
    return model_id.rsplit("/", 1)[-1].lower()


@dataclass(frozen=True, slots=True)
class FallbackModel:
    provider: str
    id: str
    capabilities: Capabilities


@cache
def fallback_models() -> tuple[FallbackModel, ...]:
    """The bundled list of well-known models, used when a provider's live list is unavailable."""
    raw = json.loads(resources.files("llm_router.providers").joinpath("fallback_models.json").read_text())
    models = []
    for entry in raw["models"]:
        base = rule_capabilities(entry["id"])
        facts = entry.get("capabilities", {})
        caps = replace(
            base,
            vision=facts.get("vision", base.vision),
            reasoning=facts.get("reasoning", base.reasoning),
            image_generation=facts.get("image_generation", base.image_generation),
            context_window=facts.get("context_window", base.context_window),
        )
        models.append(FallbackModel(entry["provider"], entry["id"], caps))
    return tuple(models)


def rule_capabilities(model_id: str) -> Capabilities:
    bare = bare_model_id(model_id)
    for pattern, caps in RULES:
        if pattern.search(bare):
            return caps
    return Capabilities()


@cache
def capabilities_for(model_id: str) -> Capabilities:
    """Facts about a model: the fallback list's entry when it has one, else the pattern table's."""
    wanted = model_id.lower()
    for entry in fallback_models():
        if entry.id.lower() == wanted:
            return entry.capabilities
    return rule_capabilities(model_id)


def nearest_effort(level: ReasoningLevel, accepted: tuple[ReasoningLevel, ...]) -> ReasoningLevel | None:
    """The accepted effort closest to the requested level (ties go up: asking for less never gets
    less than the model's floor, e.g. ``none`` on o3 becomes ``low``)."""
    if not accepted:
        return None
    if level in accepted:
        return level
    rank = REASONING_LEVELS.index(level)
    return min(accepted, key=lambda a: (abs(REASONING_LEVELS.index(a) - rank), -REASONING_LEVELS.index(a)))
