"""Request and response schemas of conversations and messages (docs/api.md): ``XCreate`` / ``XUpdate``
bodies that refuse unknown fields, ``XPublic`` answers that expose only what the web app needs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from llm_router.db.models import Conversation, Message
from llm_router.providers.base import ReasoningLevel
from llm_router.services.chat.conversations import ConversationView, MessageRow

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
    memory: bool | None = Field(
        default=None, description="Your memories join the system prompt (default: your memory setting)"
    )


class ConversationUpdate(ConversationCreate):
    """Any subset of the fields; ``null`` clears model, temperature and reasoning."""


class SystemPromptUpdate(_Body):
    text: str = Field(max_length=MAX_TEXT, examples=["Always answer in French."])
    mode: Literal["append", "replace"] = "append"


class SwitchRequest(_Body):
    message_id: str = ID


class AttachmentRef(_Body):
    id: str = Field(pattern=r"^[0-9a-f]{32}$", description="from POST /api/media")
    name: str | None = Field(default=None, max_length=120)


Attachments = Field(default=None, max_length=10, description="uploaded files (POST /api/media) to send along")


class MessageCreate(_Content):
    attachments: list[AttachmentRef] | None = Attachments
    parent_id: str | None = Field(default=None, pattern=r"^[0-9a-f]{32}$")
    model: str | None = ModelName
    temperature: float | None = Temperature
    reasoning: ReasoningLevel | None = None


class MessageEdit(_Content):
    attachments: list[AttachmentRef] | None = Field(
        default=None, max_length=10, description="replaces the original's attachments (default: kept)"
    )


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
    tokens_estimated: bool = False  # counted here: the upstream reported no usage
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
    """A conversation and one page of the path it shows (the newest messages unless asked otherwise)."""

    temperature: float | None
    reasoning: str | None
    system_prompt: str
    memory: bool = Field(default=False, description="Your accepted memories join the system prompt")
    active_leaf_id: str | None = Field(description="The last message of the path (send below it)")
    branch_message_id: str | None
    messages: list[MessagePublic] = Field(description="This page of the path, oldest first")
    path_length: int = Field(description="Messages on the whole path", examples=[10000])
    path_offset: int = Field(
        description="Position of `messages[0]` on the path (0 = the root)", examples=[9900]
    )
    has_earlier: bool = Field(
        description="Older messages exist: ask `?before=<messages[0].id>`", examples=[True]
    )
    has_later: bool = Field(
        description="Newer messages exist: ask `?after=<messages[-1].id>`", examples=[False]
    )

    @classmethod
    def of_view(cls, view: ConversationView) -> ConversationPublic:
        conversation = view.conversation
        fields = {name: getattr(conversation, name) for name in _CONVERSATION_COLUMNS}
        if view.leaf_id:  # the leaf actually shown (a stale leaf falls back to the newest branch)
            fields["active_leaf_id"] = view.leaf_id
        return cls(
            **fields,
            messages=[MessagePublic.of(entry.message, entry.sibling_ids) for entry in view.path],
            path_length=view.path_length,
            path_offset=view.offset,
            has_earlier=view.has_earlier,
            has_later=view.has_later,
        )


_PAGE_FIELDS = ("messages", "path_length", "path_offset", "has_earlier", "has_later")
_CONVERSATION_COLUMNS = [n for n in ConversationPublic.model_fields if n not in _PAGE_FIELDS]


class ConversationPage(BaseModel):
    items: list[ConversationSummary]
    next_cursor: str | None


class TurnPublic(BaseModel):
    user_message: MessagePublic
    assistant_message: MessagePublic


class AnswerPublic(BaseModel):
    assistant_message: MessagePublic
