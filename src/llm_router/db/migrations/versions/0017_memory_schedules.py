"""memories (opt-in per user, per-conversation switch) and scheduled prompts

``users.memory_enabled`` is the user's opt-in; ``conversations.memory`` says whether the accepted
memories join that conversation's system prompt (set from the opt-in when it is created, so older
conversations are unchanged) and ``memory_seen`` how many of its messages were already read for
proposals. ``schedules`` rows are claimed slot by slot with a conditional UPDATE of ``next_run_at``;
``(paused, next_run_at)`` finds the due ones.

Revision ID: 0017
Revises: 0018 (written on 0011; re-chained after merging main, which added 0013, 0016 and 0018)
Create Date: 2026-12-04 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from llm_router.db.types import UTCDateTime

revision: str = "0017"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _owner() -> sa.Column[str]:
    return sa.Column(
        "owner_id", sa.String(length=32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )


def _conversation() -> sa.Column[str]:
    return sa.Column(
        "conversation_id",
        sa.String(length=32),
        sa.ForeignKey("conversations.id", ondelete="SET NULL"),
        nullable=True,
    )


def upgrade() -> None:
    # Plain ADD COLUMN, never a batch copy: on SQLite a batch rebuilds the table, and a rebuilt
    # ``conversations`` loses the triggers that keep its titles' search index (0002) in step.
    op.add_column(
        "users", sa.Column("memory_enabled", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column(
        "conversations", sa.Column("memory", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column("conversations", sa.Column("memory_seen", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "memories",
        sa.Column("id", sa.String(length=32), primary_key=True),
        _owner(),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        _conversation(),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_memories_owner_id", "memories", ["owner_id"])
    op.create_index("ix_memories_owner_status", "memories", ["owner_id", "status"])
    op.create_table(
        "schedules",
        sa.Column("id", sa.String(length=32), primary_key=True),
        _owner(),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column("schedule", sa.String(length=200), nullable=False),
        sa.Column("cron", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("catch_up", sa.String(length=8), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        _conversation(),
        sa.Column("next_run_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_run_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.String(length=16), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_message_id", sa.String(length=32), nullable=True),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_schedules_owner_id", "schedules", ["owner_id"])
    op.create_index("ix_schedules_due", "schedules", ["paused", "next_run_at"])


def downgrade() -> None:
    op.drop_index("ix_schedules_due", table_name="schedules")
    op.drop_index("ix_schedules_owner_id", table_name="schedules")
    op.drop_table("schedules")
    op.drop_index("ix_memories_owner_status", table_name="memories")
    op.drop_index("ix_memories_owner_id", table_name="memories")
    op.drop_table("memories")
    # DROP COLUMN in place (SQLite ≥ 3.35 has it): a batch copy would lose the search triggers
    for table, column in (
        ("conversations", "memory_seen"),
        ("conversations", "memory"),
        ("users", "memory_enabled"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
