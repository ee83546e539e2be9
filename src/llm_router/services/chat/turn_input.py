"""What a turn is asked to do (``TurnInput``, ``ModelChoice``) and how it is planned (``TurnPlanner``)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

from llm_router.core.errors import AppError, PolicyRefusal
from llm_router.providers.base import ChatRequest, ReasoningLevel
from llm_router.providers.registry import ProviderRegistry
from llm_router.services.accounts.budgets import is_free
from llm_router.services.chat.window import DEFAULT_POLICY, ContextPolicy, Fitted, fit
from llm_router.services.routing import Plan, Router


@dataclass(frozen=True, slots=True)
class ModelChoice:
    """Per-turn overrides; ``None`` means "the conversation's setting"."""

    model: str | None = None
    temperature: float | None = None
    reasoning: ReasoningLevel | None = None


TurnKind = Literal["send", "edit", "regenerate", "continue"]


@dataclass(frozen=True, slots=True)
class TurnInput:
    """One turn as the user asked for it. ``send`` names a conversation (and optionally the parent,
    default the active leaf); ``edit``, ``regenerate`` and ``continue`` name the message they start from."""

    kind: TurnKind
    owner_id: str
    conversation_id: str | None = None
    message_id: str | None = None
    content: str = ""
    parent_id: str | None = None
    choice: ModelChoice = field(default_factory=ModelChoice)
    device_id: str | None = None
    # ``send``/``edit``: the message's attachments (checked parts, see ``chat.attachments``); ``None`` on
    # an edit keeps the original's
    attachments: tuple[dict[str, Any], ...] | None = None


@dataclass(frozen=True, slots=True)
class TurnPlanner:
    """Plans a user's turns: the app's router over that user's view of the providers."""

    router: Router
    providers: ProviderRegistry
    over_budget: AppError | None = None  # raised for any plan that may spend money (accounts.budgets)
    context: ContextPolicy = DEFAULT_POLICY  # a web-chat history that does not fit the window

    def plan(self, name: str | None, request: ChatRequest) -> Plan:
        """The plan for model (or route alias) ``name`` (``None``: the default model); raises a 400
        ``PolicyRefusal`` when ``#no_cloud`` leaves no model to ask."""
        name = name or self.providers.resolve_or_default(None).id
        try:
            plan = self.router.plan(replace(request, model=name), self.providers)
        except PolicyRefusal:
            what = "a route without a local model" if name in self.router.config.routes else "a cloud model"
            raise PolicyRefusal(
                "#no_cloud (in this message, earlier on this branch or in the system prompt): only a local "
                f"model may answer, and {name!r} is {what}; pick a local model (e.g. /model ollama/…) or a "
                "route with a local model. Nothing was sent or stored."
            ) from None
        if self.over_budget is not None and not is_free(plan):
            raise self.over_budget  # before anything is stored; a local model still answers
        return plan

    def fit(self, plan: Plan) -> Fitted:
        """The plan's history fitted to its models' context window (``chat.window``)."""
        return fit(plan, self.context)
