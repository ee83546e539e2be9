"""The database half of a turn: send, edit, regenerate and continue each store their messages in ONE
transaction and return a ``JobSpec`` that ``GenerationManager`` runs. A turn arrives as one ``TurnInput``.

The model name of a turn may be a route alias: the turn is planned by the routing service
(``Router.plan``: fallback chain, local-first, ``#no_cloud``) exactly as a ``/v1`` request is, before
anything is stored, so a request the policy refuses (``#no_cloud`` with no local model) stores nothing.

One running job per branch: a new message conflicts (409) with any pending/streaming message on the
path it extends or among its own would-be siblings. The check reads the statuses in the database, so it
also holds across server processes; on PostgreSQL the conversation row is locked for the check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from llm_router.core.errors import AppError, Conflict, NotFound
from llm_router.core.ids import new_id, utcnow
from llm_router.db.engine import Database
from llm_router.db.models import Conversation, Message
from llm_router.providers.base import ChatMessage, ChatRequest, ReasoningLevel
from llm_router.providers.registry import ResolvedModel
from llm_router.services.chat.attachments import check_plan, link_to_conversation, user_content
from llm_router.services.chat.conversations import (
    RUNNING_STATUSES,
    load_messages,
    owned_message,
    tree_of,
)
from llm_router.services.chat.memory_prompt import memories_for, with_memory
from llm_router.services.chat.titles import title_from_prompt
from llm_router.services.chat.tree import Tree
from llm_router.services.chat.turn_history import history, sent_ids
from llm_router.services.chat.turn_input import ModelChoice, TurnInput, TurnPlanner
from llm_router.services.routing import Plan

CONTINUE_PROMPT = (
    "Continue your previous answer exactly where it stopped. Do not repeat anything already written "
    "and do not add any preamble."
)


@dataclass(slots=True)
class JobSpec:
    """Everything a generation job needs, captured when the turn was stored."""

    owner_id: str
    device_id: str | None
    conversation_id: str
    message_id: str
    plan: Plan  # the models to try, in order, and the request as sent upstream (``#no_cloud`` removed)
    prefix_text: str = ""  # ``continue``: the text already there, which the job appends to
    prefix_reasoning: str = ""
    first_prompt: str | None = None  # set on a conversation's first exchange, for its title
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Turn:
    user_message: Message | None
    assistant_message: Message
    spec: JobSpec


class _Loaded:
    """A conversation, its messages and its tree, read inside the turn's write transaction."""

    def __init__(self, conversation: Conversation, messages: list[Message], memories: list[str]) -> None:
        self.conversation = conversation
        self.memories = memories  # what joins the system prompt (``memory_prompt``)
        self.by_id = {m.id: m for m in messages}
        self.tree: Tree = tree_of(messages)

    def path(self, message_id: str | None) -> list[Message]:
        return [self.by_id[i] for i in self.tree.path_to(message_id)]

    def ensure_branch_idle(self, parent_id: str | None) -> None:
        """409 when a job runs on the path to ``parent_id`` or among its children."""
        nearby = self.tree.path_to(parent_id) + self.tree.children.get(parent_id, [])
        for message_id in nearby:
            if self.by_id[message_id].status in RUNNING_STATUSES:
                raise Conflict(
                    "a reply is still being generated on this branch: wait for it to finish or cancel it "
                    f"(POST /api/messages/{message_id}/cancel)"
                )


async def _load(session: AsyncSession, owner_id: str, conversation_id: str) -> _Loaded:
    # FOR UPDATE serialises concurrent turns on PostgreSQL; SQLite's BEGIN IMMEDIATE already does.
    conversation = await session.scalar(
        select(Conversation)
        .where(Conversation.id == conversation_id, Conversation.owner_id == owner_id)
        .with_for_update()
    )
    if conversation is None:
        raise NotFound("conversation not found")
    memories = await memories_for(session, owner_id) if conversation.memory else []
    return _Loaded(conversation, await load_messages(session, conversation_id), memories)


def _params(conversation: Conversation, choice: ModelChoice) -> dict[str, Any]:
    temperature = choice.temperature if choice.temperature is not None else conversation.temperature
    reasoning = choice.reasoning or conversation.reasoning
    return {"temperature": temperature, "reasoning": reasoning}


def _plan(
    routing: TurnPlanner,
    name: str | None,
    conversation: Conversation,
    params: dict[str, Any],
    turns: tuple[ChatMessage, ...],
    ids: list[str],
    memories: list[str],
) -> Plan:
    """Plan the turn, fitted to the context window, and note the route (if any) and what was left out
    in ``params``: regenerate and continue follow the route. ``ids``: the stored messages in ``turns``."""
    reasoning: ReasoningLevel | None = params["reasoning"]
    request = ChatRequest(
        model="",
        messages=turns,
        system=conversation.system_prompt or None,
        temperature=params["temperature"],
        reasoning=reasoning,
    )
    plan, remembered = with_memory(routing.plan(name, request), memories)  # before fitting: it counts
    fitted = routing.fit(plan)
    plan = fitted.plan
    check_plan(plan, routing.providers)  # a model that cannot see the attachments: refused, nothing stored
    for key in ("route", "no_cloud", "attempts", "context", "memory"):  # what an earlier run of it noted
        params.pop(key, None)
    if remembered:
        params["memory"] = remembered
    if fitted.note is not None:
        params["context"] = {**fitted.note, "left_out_ids": ids[: fitted.left_out]}
    if plan.spec is not None:
        params["route"] = plan.route
    if plan.no_cloud:
        params["no_cloud"] = True
    return plan


def first_choice(plan: Plan) -> ResolvedModel:
    """The model asked first: what a pending message names until some model has answered."""
    return plan.local or plan.chain[0]


def _model_name(message: Message) -> str | None:
    """The model (or route alias) a turn asked for: a routed answer names the model that answered."""
    route = message.params.get("route") if message.params else None
    return route if isinstance(route, str) else message.model


def _new_assistant(loaded: _Loaded, parent_id: str, plan: Plan, params: dict[str, Any]) -> Message:
    first = first_choice(plan)
    return Message(
        id=new_id(),
        conversation_id=loaded.conversation.id,
        owner_id=loaded.conversation.owner_id,
        parent_id=parent_id,
        role="assistant",
        status="pending",
        model=first.id,
        provider=first.provider.name,
        params=params,
    )


def _touch(conversation: Conversation, added: int, leaf_id: str) -> None:
    conversation.message_count += added
    conversation.active_leaf_id = leaf_id
    conversation.updated_at = utcnow()


async def _user_turn(
    db: Database,
    routing: TurnPlanner,
    owner_id: str,
    conversation_id: str,
    content: str,
    parent_id: str | None,
    choice: ModelChoice,
    device_id: str | None,
    *,
    use_active_leaf: bool,
    parts: list[dict[str, Any]] | None = None,
) -> Turn:
    async with db.write() as session:
        loaded = await _load(session, owner_id, conversation_id)
        conversation = loaded.conversation
        if use_active_leaf:
            active = loaded.tree.active_path(conversation.active_leaf_id)
            parent_id = active[-1] if active else None
        if parent_id is not None and parent_id not in loaded.tree:
            raise NotFound("parent message not found in this conversation")
        loaded.ensure_branch_idle(parent_id)
        params = _params(conversation, choice)
        user = Message(
            id=new_id(),
            conversation_id=conversation.id,
            owner_id=owner_id,
            parent_id=parent_id,
            role="user",
            content=content,
            device_id=device_id,
            parts=list(parts or []),
        )
        path = loaded.path(parent_id)
        turns = (*history(path), ChatMessage("user", user_content(user)))
        name = choice.model or conversation.model
        plan = _plan(routing, name, conversation, params, turns, sent_ids(path), loaded.memories)
        user.parts = await link_to_conversation(session, conversation.id, user.parts)
        assistant = _new_assistant(loaded, user.id, plan, params)
        assistant.device_id = device_id
        first_prompt = None
        if not loaded.by_id and not conversation.title:
            conversation.title = title_from_prompt(content)
            first_prompt = content
        _touch(conversation, 2, assistant.id)
        session.add_all([user, assistant])
        spec = JobSpec(
            owner_id=owner_id,
            device_id=device_id,
            conversation_id=conversation.id,
            message_id=assistant.id,
            plan=plan,
            first_prompt=first_prompt,
            params=params,
        )
        return Turn(user, assistant, spec)


async def send_message(
    db: Database,
    routing: TurnPlanner,
    owner_id: str,
    conversation_id: str,
    content: str,
    parent_id: str | None,
    choice: ModelChoice,
    device_id: str | None,
    parts: list[dict[str, Any]] | None = None,
) -> Turn:
    """A user message (under ``parent_id``, default the active leaf) and its pending answer."""
    return await _user_turn(
        db,
        routing,
        owner_id,
        conversation_id,
        content,
        parent_id,
        choice,
        device_id,
        use_active_leaf=parent_id is None,
        parts=parts,
    )


async def edit_message(
    db: Database,
    routing: TurnPlanner,
    owner_id: str,
    message_id: str,
    content: str,
    device_id: str | None,
    parts: list[dict[str, Any]] | None = None,
) -> Turn:
    """A new sibling of a user message (new text; the original's attachments unless ``parts``)."""
    async with db.read() as session:
        original = await owned_message(session, owner_id, message_id)
    if original.role != "user":
        raise AppError("only a user message can be edited; regenerate an assistant message instead")
    return await _user_turn(
        db,
        routing,
        owner_id,
        original.conversation_id,
        content,
        original.parent_id,
        ModelChoice(),
        device_id,
        use_active_leaf=False,
        parts=list(original.parts or []) if parts is None else parts,
    )


async def regenerate_message(
    db: Database,
    routing: TurnPlanner,
    owner_id: str,
    message_id: str,
    choice: ModelChoice,
    device_id: str | None,
) -> Turn:
    """A new answer beside an assistant message (its sibling), optionally with another model."""
    async with db.read() as session:
        original = await owned_message(session, owner_id, message_id)
    if original.role != "assistant" or original.parent_id is None:
        raise AppError("only an assistant message can be regenerated; edit a user message instead")
    async with db.write() as session:
        loaded = await _load(session, owner_id, original.conversation_id)
        loaded.ensure_branch_idle(original.parent_id)
        conversation = loaded.conversation
        params = _params(conversation, choice)
        name = choice.model or _model_name(original) or conversation.model
        path = loaded.path(original.parent_id)
        turns = history(path)
        plan = _plan(routing, name, conversation, params, turns, sent_ids(path), loaded.memories)
        assistant = _new_assistant(loaded, original.parent_id, plan, params)
        assistant.device_id = device_id
        _touch(conversation, 1, assistant.id)
        session.add(assistant)
        spec = JobSpec(owner_id, device_id, conversation.id, assistant.id, plan, params=params)
        return Turn(None, assistant, spec)


CONTINUABLE = ("interrupted", "error", "cancelled")


async def continue_message(
    db: Database, routing: TurnPlanner, owner_id: str, message_id: str, device_id: str | None
) -> Turn:
    """Generate on in place: the partial answer goes upstream as the assistant's turn, then the rest
    is appended to the same message."""
    async with db.read() as session:
        original = await owned_message(session, owner_id, message_id)
    async with db.write() as session:
        loaded = await _load(session, owner_id, original.conversation_id)
        message = loaded.by_id[message_id]
        if message.role != "assistant" or message.status not in CONTINUABLE:
            raise Conflict(
                "only an interrupted, failed or cancelled answer can be continued "
                f"(this one is {message.status})"
            )
        loaded.ensure_branch_idle(message.parent_id)
        conversation = loaded.conversation
        params = dict(message.params) or _params(conversation, ModelChoice())
        path = loaded.path(message.id)
        turns = history(path)
        if message.content:
            turns = (*turns, ChatMessage("user", CONTINUE_PROMPT))
        name = _model_name(message) or conversation.model
        plan = _plan(routing, name, conversation, params, turns, sent_ids(path), loaded.memories)
        message.params = params
        message.status = "pending"
        message.error = None
        message.error_kind = None
        message.finish_reason = None
        conversation.active_leaf_id = loaded.tree.newest_leaf_below(message.id)
        conversation.updated_at = utcnow()
        spec = JobSpec(
            owner_id,
            device_id,
            conversation.id,
            message.id,
            plan,
            prefix_text=message.content,
            prefix_reasoning=message.reasoning_content,
            params=params,
        )
        return Turn(None, message, spec)


async def store_turn(db: Database, planner: TurnPlanner, turn: TurnInput) -> Turn:
    """Plan and store ``turn`` (user message and/or pending answer) in one transaction."""
    if turn.kind == "send":
        assert turn.conversation_id is not None
        return await send_message(
            db,
            planner,
            turn.owner_id,
            turn.conversation_id,
            turn.content,
            turn.parent_id,
            turn.choice,
            turn.device_id,
            list(turn.attachments or []),
        )
    assert turn.message_id is not None
    if turn.kind == "edit":
        parts = None if turn.attachments is None else list(turn.attachments)
        return await edit_message(
            db, planner, turn.owner_id, turn.message_id, turn.content, turn.device_id, parts
        )
    if turn.kind == "regenerate":
        return await regenerate_message(
            db, planner, turn.owner_id, turn.message_id, turn.choice, turn.device_id
        )
    return await continue_message(db, planner, turn.owner_id, turn.message_id, turn.device_id)
