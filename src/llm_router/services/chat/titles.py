"""Conversation titles: the first words of the first prompt at once, then (when a cheap model is
configured) a better one after the first exchange. A title never blocks or breaks the answer, and a
title the user has set is never overwritten.
"""

from __future__ import annotations

import logging
import re
import time

from sqlalchemy import update

from llm_router.db.engine import Database
from llm_router.db.models import Conversation
from llm_router.providers.base import ChatMessage, ChatRequest, UpstreamError, collect
from llm_router.providers.registry import ProviderRegistry
from llm_router.services.usage.records import record_background_call

log = logging.getLogger(__name__)

MAX_TITLE_CHARS = 60
TITLE_INSTRUCTION = (
    "Write a title of at most six words for a conversation that starts with the exchange below. "
    "Answer with the title only: no quotes, no punctuation at the end."
)


def title_from_prompt(prompt: str) -> str:
    """The prompt's first words, cut at a word boundary."""
    words = " ".join(prompt.split())
    if len(words) <= MAX_TITLE_CHARS:
        return words or "New conversation"
    cut = words[:MAX_TITLE_CHARS].rsplit(" ", 1)[0]
    return f"{cut}…"


def _clean(raw: str) -> str:
    line = raw.strip().splitlines()[0] if raw.strip() else ""
    line = re.sub(r"^(title:\s*)", "", line, flags=re.I).strip(" \"'`*#.")
    return line[:MAX_TITLE_CHARS].strip()


async def improve_title(
    db: Database,
    providers: ProviderRegistry,
    *,
    owner_id: str,
    conversation_id: str,
    prompt: str,
    answer: str,
    allow_cloud: bool,
) -> None:
    """Ask the cheap model for a title; keep the first-words title on any failure. A conversation held
    on a local model (or marked ``#no_cloud``) never has its text sent to a cloud model for a title."""
    model = providers.cheap_model()
    if model is None or not (allow_cloud or model.is_local):
        return
    request = ChatRequest(
        model=model.model_id,
        system=TITLE_INSTRUCTION,
        messages=(ChatMessage("user", f"User: {prompt[:2000]}\n\nAssistant: {answer[:2000]}"),),
        max_tokens=30,
    )
    started = time.monotonic()
    try:
        result = await collect(model.adapter.stream(request))
    except UpstreamError as exc:
        log.info("title: %s failed (%s); keeping the first words", model.id, exc.kind)
        return
    await record_background_call(
        db,
        owner_id=owner_id,
        source="title",
        model=model,
        usage=result.usage,
        started=started,
        conversation_id=conversation_id,
    )
    title = _clean(result.text)
    if not title:
        return
    async with db.write() as session:
        # Only replace the automatic title: a rename in the meantime wins.
        await session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id, Conversation.title == title_from_prompt(prompt))
            .values(title=title)
        )
