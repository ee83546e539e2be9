"""What a path of the message tree sends upstream: its turns (``history``) and their ids (``sent_ids``)."""

from __future__ import annotations

from llm_router.db.models import Message
from llm_router.providers.base import ChatMessage
from llm_router.services.chat.attachments import user_content


def history(path: list[Message]) -> tuple[ChatMessage, ...]:
    """The turns sent upstream; assistant messages without any text (failed early) are left out."""
    turns: list[ChatMessage] = []
    for message in path:
        if message.role == "user":
            turns.append(ChatMessage("user", user_content(message)))
        elif message.role == "assistant" and message.content:
            turns.append(ChatMessage("assistant", message.content))
    return tuple(turns)


def sent_ids(path: list[Message]) -> list[str]:
    """The ids of the messages ``history`` sends, in the same order."""
    return [m.id for m in path if m.role == "user" or (m.role == "assistant" and m.content)]
