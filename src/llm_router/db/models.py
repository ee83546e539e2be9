"""SQLAlchemy models: the whole schema. Every row but a user's own has an owner.

A change here needs the matching change in ``migrations/versions``; ``tests/test_migrations.py``
compares the two.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from llm_router.core.ids import new_id, utcnow
from llm_router.db.types import UTCDateTime

OWNER_USER_ID = "00000000000000000000000000000001"
"""The first user, created at the first start so that every row can have an owner from day one."""


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


def _id_column() -> Mapped[str]:
    return mapped_column(String(32), primary_key=True, default=new_id)


def _owner_column() -> Mapped[str]:
    return mapped_column(String(32), ForeignKey("users.id", ondelete="CASCADE"), index=True)


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = _id_column()
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    role: Mapped[str] = mapped_column(String(16), default="user")  # admin | user
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    memory_enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # opt-in
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Session(Base):
    """A login session. ``id`` is the SHA-256 of the cookie value, never the value itself."""

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = _owner_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_agent: Mapped[str | None] = mapped_column(String(255), default=None)


class ApiToken(Base):
    """A token for the ``/v1`` endpoints; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = _id_column()
    user_id: Mapped[str] = _owner_column()
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)  # None: never


class ProviderKey(Base):
    """A provider key or custom endpoint from the vault; the key is encrypted, only its last 4 are plain."""

    __tablename__ = "provider_keys"

    id: Mapped[str] = _id_column()
    owner_id: Mapped[str] = _owner_column()
    scope: Mapped[str] = mapped_column(String(16), default="user")  # instance | user
    name: Mapped[str] = mapped_column(String(64))
    protocol: Mapped[str] = mapped_column(String(16))  # openai | anthropic
    base_url: Mapped[str | None] = mapped_column(String(500), default=None)
    encrypted_key: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    key_last4: Mapped[str | None] = mapped_column(String(4), default=None)
    models: Mapped[list[Any]] = mapped_column(default=list)
    is_local: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversations_owner_updated", "owner_id", "updated_at"),
        # one imported conversation per source id and owner: importing a file twice adds nothing (0006)
        Index("ix_conversations_owner_import_source", "owner_id", "import_source", unique=True),
    )

    id: Mapped[str] = _id_column()
    owner_id: Mapped[str] = _owner_column()
    title: Mapped[str] = mapped_column(String(200), default="")
    model: Mapped[str | None] = mapped_column(String(200), default=None)
    temperature: Mapped[float | None] = mapped_column(Float, default=None)
    reasoning: Mapped[str | None] = mapped_column(String(16), default=None)
    system_prompt: Mapped[str] = mapped_column(Text, default="")
    device_id: Mapped[str | None] = mapped_column(String(64), default=None)
    active_leaf_id: Mapped[str | None] = mapped_column(String(32), default=None)
    parent_conversation_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("conversations.id", ondelete="SET NULL"), default=None
    )
    branch_message_id: Mapped[str | None] = mapped_column(String(32), default=None)
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    total_cost: Mapped[float] = mapped_column(Float, default=0.0)
    import_source: Mapped[str | None] = mapped_column(String(200), default=None)  # e.g. "chatgpt:<id>"
    # the user's memories join its system prompt (set from the user's setting when it is created)
    memory: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    memory_seen: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # messages read for
    # memory proposals so far
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Message(Base):
    """One node of a conversation tree. Siblings share ``parent_id``: edits and regenerations."""

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_conversation_parent", "conversation_id", "parent_id"),
        # covers reading a conversation's tree shape in creation order (migration 0003)
        Index("ix_messages_conversation_tree", "conversation_id", "created_at", "id", "parent_id"),
        Index("ix_messages_status", "status"),
    )

    id: Mapped[str] = _id_column()
    conversation_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("conversations.id", ondelete="CASCADE")
    )
    owner_id: Mapped[str] = _owner_column()
    parent_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("messages.id", ondelete="CASCADE"), default=None
    )
    role: Mapped[str] = mapped_column(String(16))  # system | user | assistant
    content: Mapped[str] = mapped_column(Text, default="")
    reasoning_content: Mapped[str] = mapped_column(Text, default="")
    parts: Mapped[list[Any]] = mapped_column(default=list)  # non-text parts, e.g. image references
    model: Mapped[str | None] = mapped_column(String(200), default=None)
    provider: Mapped[str | None] = mapped_column(String(64), default=None)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="complete")
    # pending -> streaming -> complete | error | interrupted | cancelled
    finish_reason: Mapped[str | None] = mapped_column(String(32), default=None)
    tokens_in: Mapped[int] = mapped_column(Integer, default=0)
    tokens_out: Mapped[int] = mapped_column(Integer, default=0)
    tokens_reasoning: Mapped[int] = mapped_column(Integer, default=0)
    tokens_cached: Mapped[int] = mapped_column(Integer, default=0)
    # the tokens were counted here (the upstream reported none): see services/usage/estimate.py
    tokens_estimated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    cost: Mapped[float | None] = mapped_column(Float, default=None)
    latency_ms: Mapped[int | None] = mapped_column(Integer, default=None)
    ttft_ms: Mapped[int | None] = mapped_column(Integer, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    error_kind: Mapped[str | None] = mapped_column(String(32), default=None)
    device_id: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class UsageEvent(Base):
    """One upstream call (or cache hit): who, from where, which route, tokens, cost, saving, outcome."""

    __tablename__ = "usage_events"
    __table_args__ = (
        Index("ix_usage_owner_created", "owner_id", "created_at"),
        Index("ix_usage_conversation", "conversation_id"),
        # a budget's spend in its window, read from the index alone (migration 0007)
        Index("ix_usage_owner_created_cost", "owner_id", "created_at", "cost"),
        Index("ix_usage_token_created_cost", "api_token_id", "created_at", "cost"),
    )

    id: Mapped[str] = _id_column()
    owner_id: Mapped[str] = _owner_column()
    device_id: Mapped[str | None] = mapped_column(String(64), default=None)
    api_token_id: Mapped[str | None] = mapped_column(String(32), default=None)
    conversation_id: Mapped[str | None] = mapped_column(String(32), default=None)
    message_id: Mapped[str | None] = mapped_column(String(32), default=None)
    source: Mapped[str] = mapped_column(String(16), default="chat")  # chat | openai | anthropic | title
    provider: Mapped[str | None] = mapped_column(String(64), default=None)
    model: Mapped[str | None] = mapped_column(String(200), default=None)
    requested_model: Mapped[str | None] = mapped_column(String(200), default=None)
    route: Mapped[str | None] = mapped_column(String(200), default=None)
    attempts: Mapped[list[Any]] = mapped_column(default=list)
    confidence: Mapped[float | None] = mapped_column(Float, default=None)
    cache_hit: Mapped[bool] = mapped_column(Boolean, default=False)
    tokens_in: Mapped[int] = mapped_column(Integer, default=0)
    tokens_out: Mapped[int] = mapped_column(Integer, default=0)
    tokens_reasoning: Mapped[int] = mapped_column(Integer, default=0)
    tokens_cached: Mapped[int] = mapped_column(Integer, default=0)
    tokens_cache_write: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    usage_estimated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    cost: Mapped[float | None] = mapped_column(Float, default=None)
    saving: Mapped[float | None] = mapped_column(Float, default=None)
    latency_ms: Mapped[int | None] = mapped_column(Integer, default=None)
    ttft_ms: Mapped[int | None] = mapped_column(Integer, default=None)
    status: Mapped[str] = mapped_column(String(16), default="ok")  # ok | error | cancelled
    error_kind: Mapped[str | None] = mapped_column(String(32), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StoredResponse(Base):
    """A ``/v1/responses`` answer kept with ``store: true``, so ``previous_response_id`` can continue it.

    ``items`` is the whole conversation as Responses items (the earlier context, this request's input and
    the output), so continuing reads one row however long the chain is.
    """

    __tablename__ = "stored_responses"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # resp_<32 hex>
    owner_id: Mapped[str] = _owner_column()
    model: Mapped[str] = mapped_column(String(200))
    items: Mapped[list[Any]] = mapped_column(default=list)
    response: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # swept by age


class MediaFile(Base):
    """An image (generated or attached) stored as a file in the data dir, named by its SHA-256."""

    __tablename__ = "media_files"
    __table_args__ = (Index("ix_media_files_conversation", "conversation_id"),)

    id: Mapped[str] = _id_column()
    owner_id: Mapped[str] = _owner_column()
    conversation_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("conversations.id", ondelete="CASCADE"), default=None
    )
    sha256: Mapped[str] = mapped_column(String(64))
    mime: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))  # generated | attached
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Budget(Base):
    """A dollar limit per UTC day and/or month. ``key`` says whose and who set it: ``user:<id>`` (an admin,
    for a user), ``personal:<id>`` (the user's own, lower one), ``token:<id>`` (an admin, for a token)."""

    __tablename__ = "budgets"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    user_id: Mapped[str] = _owner_column()
    api_token_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("api_tokens.id", ondelete="CASCADE"), default=None
    )
    daily_usd: Mapped[float | None] = mapped_column(Float, default=None)
    monthly_usd: Mapped[float | None] = mapped_column(Float, default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class UsageDaily(Base):
    """``usage_events`` summed per UTC day and owner, source, provider, model, device and API token ('' for
    none), kept by the database itself (a trigger on insert, migration 0008) so the dashboard reads a few
    hundred rows instead of a million. Never written by the application."""

    __tablename__ = "usage_daily"
    __table_args__ = (Index("ix_usage_daily_day", "day"),)

    owner_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # YYYY-MM-DD (UTC)
    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    provider: Mapped[str] = mapped_column(String(64), primary_key=True)
    model: Mapped[str] = mapped_column(String(200), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    api_token_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    tokens_in: Mapped[int] = mapped_column(Integer, default=0)
    tokens_out: Mapped[int] = mapped_column(Integer, default=0)
    cost: Mapped[float] = mapped_column(Float, default=0.0)
    saving: Mapped[float] = mapped_column(Float, default=0.0)


class Prompt(Base):
    """A saved prompt with ``{{variables}}``: a user's own (``scope="user"``) or the instance's
    (``"instance"``, made by an admin, seen by everyone). Names are unique per owner and scope."""

    __tablename__ = "prompts"
    __table_args__ = (Index("ix_prompts_scope_owner_name", "scope", "owner_id", "name", unique=True),)

    id: Mapped[str] = _id_column()
    owner_id: Mapped[str] = _owner_column()
    scope: Mapped[str] = mapped_column(String(16), default="user")  # user | instance
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Preset(Base):
    """Model, reasoning, temperature and system prompt to apply to a conversation (``None``: unchanged)."""

    __tablename__ = "presets"
    __table_args__ = (Index("ix_presets_scope_owner_name", "scope", "owner_id", "name", unique=True),)

    id: Mapped[str] = _id_column()
    owner_id: Mapped[str] = _owner_column()
    scope: Mapped[str] = mapped_column(String(16), default="user")  # user | instance
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(500), default="")
    model: Mapped[str | None] = mapped_column(String(200), default=None)
    reasoning: Mapped[str | None] = mapped_column(String(16), default=None)
    temperature: Mapped[float | None] = mapped_column(Float, default=None)
    system_prompt: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DefaultPreset(Base):
    """The preset a user's new conversations start with."""

    __tablename__ = "default_presets"

    user_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    preset_id: Mapped[str] = mapped_column(String(32), ForeignKey("presets.id", ondelete="CASCADE"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class RateBucket(Base):
    """A request-rate token bucket shared by every process on the database (``serve --workers N``
    without Redis): ``tokens`` left at ``at`` (seconds since the epoch)."""

    __tablename__ = "rate_buckets"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    at: Mapped[float] = mapped_column(Float)
    granted: Mapped[bool] = mapped_column(default=True)  # whether the last request was allowed


class LimitFailure(Base):
    """One failed sign-in (per account or address key), for throttling shared between processes."""

    __tablename__ = "limit_failures"
    __table_args__ = (Index("ix_limit_failures_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(300))
    at: Mapped[float] = mapped_column(Float)


class PushSubscription(Base):
    """One device's Web Push subscription (the browser's ``PushSubscription``). Tied to the login session
    that made it, so signing out of that device deletes it; the push service answering 404/410 too."""

    __tablename__ = "push_subscriptions"
    __table_args__ = (Index("ix_push_subscriptions_endpoint", "endpoint", unique=True),)

    id: Mapped[str] = _id_column()
    user_id: Mapped[str] = _owner_column()
    session_id: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("sessions.id", ondelete="CASCADE"), default=None, index=True
    )
    device_id: Mapped[str | None] = mapped_column(String(64), default=None)
    endpoint: Mapped[str] = mapped_column(String(1000))
    p256dh: Mapped[str] = mapped_column(String(128))  # the browser's P-256 key, base64url
    auth: Mapped[str] = mapped_column(String(64))  # the browser's auth secret, base64url
    user_agent: Mapped[str | None] = mapped_column(String(255), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sent_at: Mapped[datetime | None] = mapped_column(default=None)
