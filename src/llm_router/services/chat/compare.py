"""Compare: one prompt, answered by 2–4 models at once.

The answers are siblings in the message tree (children of the one user message), each a durable job of
its own, exactly as a normal turn's answer: they stream in parallel, are watched and resumed the same way,
and a server killed mid-way leaves each ``interrupted`` with its text. Every model is planned separately
by the routing service, so route aliases, fallback chains and ``#no_cloud`` apply to each.

The conversation shows the first answer's branch until the user picks one (``switch``); the next message
then continues below the picked answer and the others stay as its siblings. Compare answers carry
``params.compare`` (the user message's id) so a client can show them side by side again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from llm_router.core.errors import AppError
from llm_router.core.ids import new_id, utcnow
from llm_router.db.engine import Database
from llm_router.db.models import Message
from llm_router.providers.base import ChatMessage
from llm_router.services.chat.manager import GenerationManager
from llm_router.services.chat.titles import title_from_prompt
from llm_router.services.chat.turn_history import history, sent_ids
from llm_router.services.chat.turn_input import ModelChoice, TurnPlanner
from llm_router.services.chat.turns import (
    JobSpec,
    _load,
    _new_assistant,
    _params,
    _plan,
    _touch,
)

MIN_MODELS = 2
MAX_MODELS = 4


@dataclass(frozen=True, slots=True)
class CompareTurn:
    user_message: Message
    assistant_messages: list[Message]
    specs: list[JobSpec]


def check_models(models: list[str]) -> list[str]:
    """2–4 distinct names (a 422 otherwise, saying what is wrong)."""
    names = [m.strip() for m in models]
    if any(not n for n in names):
        raise AppError("a model name is empty", status_code=422, code="invalid_request")
    if len(set(names)) != len(names):
        raise AppError("each model may be compared once: remove the repeated name", status_code=422)
    if not MIN_MODELS <= len(names) <= MAX_MODELS:
        raise AppError(
            f"compare needs {MIN_MODELS} to {MAX_MODELS} models (got {len(names)})",
            status_code=422,
            code="invalid_request",
        )
    return names


async def store_compare(
    db: Database,
    planner: TurnPlanner,
    owner_id: str,
    conversation_id: str,
    content: str,
    models: list[str],
    *,
    parent_id: str | None = None,
    choice: ModelChoice | None = None,
    device_id: str | None = None,
) -> CompareTurn:
    """Plan every model, then store the user message and one pending answer per model in one
    transaction: an unknown model or a ``#no_cloud`` refusal for any of them stores nothing."""
    names = check_models(models)
    choice = choice or ModelChoice()
    async with db.write() as session:
        loaded = await _load(session, owner_id, conversation_id)
        conversation = loaded.conversation
        if parent_id is None:
            active = loaded.tree.active_path(conversation.active_leaf_id)
            parent_id = active[-1] if active else None
        elif parent_id not in loaded.tree:
            raise AppError("parent message not found in this conversation", status_code=404)
        loaded.ensure_branch_idle(parent_id)
        path = loaded.path(parent_id)
        turns = (*history(path), ChatMessage("user", content))
        now = utcnow()
        user = Message(
            id=new_id(),
            created_at=now,
            conversation_id=conversation.id,
            owner_id=owner_id,
            parent_id=parent_id,
            role="user",
            content=content,
            device_id=device_id,
        )
        first_prompt = None
        if not loaded.by_id and not conversation.title:
            conversation.title = title_from_prompt(content)
            first_prompt = content
        assistants: list[Message] = []
        specs: list[JobSpec] = []
        for name in names:
            params = _params(conversation, choice)
            plan = _plan(  # raises before anything is added
                planner, name, conversation, params, turns, sent_ids(path), loaded.memories
            )
            params["compare"] = user.id
            assistant = _new_assistant(loaded, user.id, plan, params)
            assistant.device_id = device_id
            # siblings are ordered by creation time: keep the order the models were named in
            assistant.created_at = now + timedelta(microseconds=1 + len(assistants))
            assistants.append(assistant)
            specs.append(
                JobSpec(
                    owner_id=owner_id,
                    device_id=device_id,
                    conversation_id=conversation.id,
                    message_id=assistant.id,
                    plan=plan,
                    first_prompt=first_prompt if not specs else None,  # one title, from the first
                    params=params,
                )
            )
        _touch(conversation, 1 + len(assistants), assistants[0].id)
        session.add(user)
        await session.flush()  # the user message first: the answers reference it
        session.add_all(assistants)
        return CompareTurn(user, assistants, specs)


async def start_compare(
    jobs: GenerationManager,
    owner_id: str,
    conversation_id: str,
    content: str,
    models: list[str],
    *,
    parent_id: str | None = None,
    choice: ModelChoice | None = None,
    device_id: str | None = None,
) -> CompareTurn:
    """Store the compare turn, then start every answer's job (they run side by side)."""
    over_budget = await jobs.budgets.exceeded(owner_id) if jobs.budgets else None
    planner = TurnPlanner(jobs.router, await jobs.providers_of(owner_id), over_budget)
    stored = await store_compare(
        jobs.db,
        planner,
        owner_id,
        conversation_id,
        content,
        models,
        parent_id=parent_id,
        choice=choice,
        device_id=device_id,
    )
    for spec in stored.specs:
        jobs.launch(spec)
    return stored
