"""The tables of memories and scheduled prompts (``services/library/memory``, ``services/schedules``), kept
apart from ``models`` so that module stays small. Registered on the same ``Base``: anything that compares
or creates the schema imports this module too (``migrations/env.py``, ``tests/test_migrations.py``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from llm_router.core.ids import utcnow
from llm_router.db.models import Base, _id_column, _owner_column


class Memory(Base):
    """A fact about its owner: ``accepted`` ones join new conversations' system prompt; ``proposed`` ones
    (from a cheap model) wait for the owner to accept or reject them."""

    __tablename__ = "memories"
    __table_args__ = (Index("ix_memories_owner_status", "owner_id", "status"),)

    id: Mapped[str] = _id_column()
    owner_id: Mapped[str] = _owner_column()
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="accepted")  # accepted | proposed
    conversation_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("conversations.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Schedule(Base):
    """A prompt run on a cron schedule in its owner's time zone; each run is one turn of its conversation.
    A slot is claimed by moving ``next_run_at`` on in a conditional UPDATE: exactly one process runs it."""

    __tablename__ = "schedules"
    __table_args__ = (Index("ix_schedules_due", "paused", "next_run_at"),)

    id: Mapped[str] = _id_column()
    owner_id: Mapped[str] = _owner_column()
    name: Mapped[str] = mapped_column(String(200))
    prompt: Mapped[str] = mapped_column(Text)
    model: Mapped[str | None] = mapped_column(String(200), default=None)  # a model or route alias
    schedule: Mapped[str] = mapped_column(String(200))  # as written: cron or "every weekday at 07:00"
    cron: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    catch_up: Mapped[str] = mapped_column(String(8), default="once")  # once | skip
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    conversation_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("conversations.id", ondelete="SET NULL"), default=None
    )
    next_run_at: Mapped[datetime | None] = mapped_column(default=None)
    last_run_at: Mapped[datetime | None] = mapped_column(default=None)  # the slot last run (or skipped)
    last_status: Mapped[str | None] = mapped_column(
        String(16), default=None
    )  # started|refused|failed|skipped
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    last_message_id: Mapped[str | None] = mapped_column(String(32), default=None)
    runs: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
