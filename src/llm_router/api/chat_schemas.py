"""Request and response schemas of conversations and messages (docs/api.md): ``XCreate`` / ``XUpdate``
bodies that refuse unknown fields, ``XPublic`` answers that expose only what the web app needs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from llm_router.db.models import Conversation, Message
from llm_router.providers.base import ReasoningLevel
from llm_router.services.conversations import ConversationView, MessageRow

ID = Field(pattern=r"^[0-9a-f]{32}$", examples=["3f2a9c1e5b7d4f60a1b2c3d4e5f60718"])
Temperature = Field(default=None, ge=0, le=2, examples=[0.7])
ModelName = Field(default=None, min_length=1, max_length=200, examples=["gpt-5.1"])
MAX_TEXT = 1_000_000


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Content(_Body):
    content: str = Field(min_length=1, max_length=MAX_TEXT, examples=["Explain WAL mode in SQLite."])

    @field_validator("content")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value


class ConversationCreate(_Body):
    title: str | None = Field(default=None, max_length=200, examples=["SQLite durability"])
    model: str | None = ModelName
    temperature: float | None = Temperature
    reasoning: ReasoningLevel | None = Field(default=None, examples=["low"])
    system_prompt: str | None = Field(default=None, max_length=MAX_TEXT, examples=["Answer briefly."])


class ConversationUpdate(ConversationCreate):
    """Any subset of the fields; ``null`` clears model, temperature and reasoning."""


class SystemPromptUpdate(_Body):
    text: str = Field(max_length=MAX_TEXT, examples=["Always answer in French."])
    mode: Literal["append", "replace"] = "append"


class SwitchRequest(_Body):
    message_id: str = ID


class MessageCreate(_Content):
    parent_id: str | None = Field(default=None, pattern=r"^[0-9a-f]{32}$")
    model: str | None = ModelName
    temperature: float | None = Temperature
    reasoning: ReasoningLevel | None = None


class MessageEdit(_Content):
    pass


class RegenerateRequest(_Body):
    model: str | None = ModelName
    temperature: float | None = Temperature
    reasoning: ReasoningLevel | None = None


class MessagePublic(BaseModel):
    id: str
    conversation_id: str
    parent_id: str | None
    role: str = Field(examples=["assistant"])
    content: str
    reasoning_content: str
    parts: list[Any]
    status: str = Field(examples=["complete"])
    model: str | None
    provider: str | None
    params: dict[str, Any] = Field(examples=[{"temperature": 0.7, "reasoning": "low"}])
    finish_reason: str | None
    tokens_in: int
    tokens_out: int
    tokens_reasoning: int
    tokens_cached: int
    cost: float | None
    latency_ms: int | None
    ttft_ms: int | None
    error: str | None
    error_kind: str | None
    created_at: datetime
    updated_at: datetime
    sibling_ids: list[str] = Field(default_factory=list)
    sibling_index: int = 0

    @classmethod
    def of(cls, message: Message | MessageRow, sibling_ids: list[str] | None = None) -> MessagePublic:
        siblings = sibling_ids or [message.id]
        return cls(
            **{name: getattr(message, name) for name in _MESSAGE_COLUMNS},
            sibling_ids=siblings,
            sibling_index=siblings.index(message.id) if message.id in siblings else 0,
        )


_MESSAGE_COLUMNS = [n for n in MessagePublic.model_fields if n not in ("sibling_ids", "sibling_index")]


class ConversationSummary(BaseModel):
    id: str
    title: str
    model: str | None
    created_at: datetime
    updated_at: datetime
    message_count: int
    total_cost: float
    parent_conversation_id: str | None

    @classmethod
    def of(cls, conversation: Conversation) -> ConversationSummary:
        return cls(**{name: getattr(conversation, name) for name in cls.model_fields})


class ConversationPublic(ConversationSummary):
    temperature: float | None
    reasoning: str | None
    system_prompt: str
    active_leaf_id: str | None
    branch_message_id: str | None
    messages: list[MessagePublic]

    @classmethod
    def of_view(cls, view: ConversationView) -> ConversationPublic:
        conversation = view.conversation
        fields = {name: getattr(conversation, name) for name in cls.model_fields if name != "messages"}
        if view.path:  # the leaf actually shown (a stale leaf falls back to the newest branch)
            fields["active_leaf_id"] = view.path[-1].message.id
        messages = [MessagePublic.of(entry.message, entry.sibling_ids) for entry in view.path]
        return cls(**fields, messages=messages)


class ConversationPage(BaseModel):
    items: list[ConversationSummary]
    next_cursor: str | None


class TurnPublic(BaseModel):
    user_message: MessagePublic
    assistant_message: MessagePublic


class AnswerPublic(BaseModel):
    assistant_message: MessagePublic
