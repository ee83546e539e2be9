"""Memory proposals: a cheap model reads a conversation and proposes facts about the user, which wait
for the user to accept or reject them (``memory``). Never stored as accepted, never run for a user
without memory enabled, and a conversation held to ``#no_cloud`` is never sent to a cloud model for it.

Runs on demand (``POST /api/memory/propose``) or after ``memory_propose_after`` new messages of a
conversation with memory on (``MemoryProposer.after_answer``, told by the generation manager). Each call
writes a usage row with source ``memory``, a background category like ``title``.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable

import orjson
from sqlalchemy import select, update

from llm_router.core.errors import AppError, Conflict, NotFound
from llm_router.db.engine import Database
from llm_router.db.models import Conversation, Message
from llm_router.db.models_plans import Memory
from llm_router.providers.base import ChatMessage, ChatRequest, UpstreamError, collect
from llm_router.providers.registry import ProviderRegistry, ResolvedModel
from llm_router.services.chat.conversations import load_messages, tree_of
from llm_router.services.library.memory import add_proposals, existing_texts, is_enabled
from llm_router.services.routing import NO_CLOUD_TAG
from llm_router.services.usage.records import record_background_call

log = logging.getLogger(__name__)

PROPOSE_INSTRUCTION = (
    "You help an assistant remember durable facts about its user across conversations. Read the "
    "conversation below and list at most 5 short facts about the USER that will still be true and useful "
    "in future conversations (preferences, circumstances, projects, how they like answers). Leave out "
    "anything about this one task, anything already known (listed below), secrets and passwords. Answer "
    'with a JSON array of strings only, e.g. ["Prefers metric units"]; answer [] when there is nothing.'
)
MAX_TRANSCRIPT_CHARS = 12_000
MAX_PROPOSALS = 5

ProvidersOf = Callable[[str], Awaitable[ProviderRegistry]]


def parse_facts(text: str) -> list[str]:
    """A JSON array of strings (possibly in a code fence), else one fact per ``- `` line."""
    match = re.search(r"\[.*\]", text, flags=re.S)
    if match:
        try:
            value = orjson.loads(match.group(0))
        except orjson.JSONDecodeError:
            value = None
        if isinstance(value, list):
            return [v for v in value if isinstance(v, str)][:MAX_PROPOSALS]
    lines = [line.strip()[2:] for line in text.splitlines() if line.strip().startswith(("- ", "* "))]
    return lines[:MAX_PROPOSALS]


def _held_local(conversation: Conversation, path: list[Message]) -> bool:
    """``#no_cloud`` anywhere in it (system prompt, a message, a turn planned under it)."""
    if NO_CLOUD_TAG in conversation.system_prompt:
        return True
    return any(NO_CLOUD_TAG in m.content or (m.params or {}).get("no_cloud") for m in path)


def _transcript(path: list[Message]) -> str:
    lines: list[str] = []
    for message in path:
        if message.role in ("user", "assistant") and message.content:
            who = "User" if message.role == "user" else "Assistant"
            lines.append(f"{who}: {message.content}")
    text = "\n\n".join(lines)
    return text[-MAX_TRANSCRIPT_CHARS:]


class MemoryProposer:
    """``AppServices.memory``'s proposing half: asks the user's cheap model for facts."""

    def __init__(self, db: Database, providers_of: ProvidersOf, propose_after: int) -> None:
        self.db = db
        self.providers_of = providers_of
        self.propose_after = propose_after

    async def after_answer(self, owner_id: str, conversation_id: str) -> None:
        """Told after each complete answer: propose once enough new messages have gathered."""
        if self.propose_after <= 0:
            return
        async with self.db.read() as session:
            conversation = await session.get(Conversation, conversation_id)
        if conversation is None or not conversation.memory:
            return
        if conversation.message_count - conversation.memory_seen < self.propose_after:
            return
        try:
            await self.propose(owner_id, conversation_id)
        except AppError as exc:
            log.info("memory proposals for %s skipped: %s", conversation_id, exc.message)

    async def propose(self, owner_id: str, conversation_id: str) -> list[Memory]:
        """Ask the cheap model and store what it proposes (as proposals); returns the new ones."""
        if not await is_enabled(self.db, owner_id):
            raise Conflict("memory is off: turn it on under Settings → Memory first")
        async with self.db.read() as session:
            conversation = await session.scalar(
                select(Conversation).where(
                    Conversation.id == conversation_id, Conversation.owner_id == owner_id
                )
            )
            if conversation is None:
                raise NotFound("conversation not found")
            messages = await load_messages(session, conversation_id)
        by_id = {m.id: m for m in messages}
        path = [by_id[i] for i in tree_of(messages).active_path(conversation.active_leaf_id)]
        transcript = _transcript(path)
        seen = conversation.message_count
        if not transcript:
            return []
        model = (await self.providers_of(owner_id)).cheap_model()
        if model is None:
            raise AppError("no cheap model is configured to propose memories (e.g. gpt-4o-mini)")
        if not model.is_local and _held_local(conversation, path):
            raise AppError(
                f"this conversation is {NO_CLOUD_TAG}: it is not sent to a cloud model for memories"
            )
        # marked as read first: a failing cheap model is asked again only after more new messages
        async with self.db.write() as session:
            await session.execute(
                update(Conversation).where(Conversation.id == conversation_id).values(memory_seen=seen)
            )
        facts = await self._ask(model, owner_id, conversation_id, transcript)
        return await add_proposals(self.db, owner_id, facts, conversation_id)

    async def _ask(
        self, model: ResolvedModel, owner_id: str, conversation_id: str, transcript: str
    ) -> list[str]:
        known = await existing_texts(self.db, owner_id)
        listed = "\n".join(f"- {t}" for t in known[:50]) or "(none)"
        request = ChatRequest(
            model=model.model_id,
            system=f"{PROPOSE_INSTRUCTION}\n\nAlready known:\n{listed}",
            messages=(ChatMessage("user", f"Conversation:\n\n{transcript}"),),
            max_tokens=300,
        )
        started = time.monotonic()
        try:
            result = await collect(model.adapter.stream(request))
        except UpstreamError as exc:
            raise AppError(f"the cheap model {model.id} failed: {exc.message}") from exc
        await record_background_call(
            self.db,
            owner_id=owner_id,
            source="memory",
            model=model,
            usage=result.usage,
            started=started,
            conversation_id=conversation_id,
        )
        return parse_facts(result.text)
