"""a prompt library and presets

``prompts`` (saved prompts with ``{{variables}}``) and ``presets`` (model, reasoning, temperature, system
prompt), each personal (``scope = 'user'``) or instance-wide (``'instance'``, made by an admin), names unique
per scope and owner; ``default_presets`` holds the preset a user's new conversations start with.

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-04 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from llm_router.db.types import UTCDateTime

revision: str = "0016"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _entry_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.String(length=32), primary_key=True),
        sa.Column(
            "owner_id", sa.String(length=32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
    ]


def _stamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table("prompts", *_entry_columns(), sa.Column("body", sa.Text(), nullable=False), *_stamps())
    op.create_table(
        "presets",
        *_entry_columns(),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column("reasoning", sa.String(length=16), nullable=True),
        sa.Column("temperature", sa.Float(), nullable=True),
        sa.Column("system_prompt", sa.Text(), nullable=True),
        *_stamps(),
    )
    for table in ("prompts", "presets"):
        op.create_index(f"ix_{table}_owner_id", table, ["owner_id"])
        op.create_index(f"ix_{table}_scope_owner_name", table, ["scope", "owner_id", "name"], unique=True)
    op.create_table(
        "default_presets",
        sa.Column(
            "user_id", sa.String(length=32), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column(
            "preset_id",
            sa.String(length=32),
            sa.ForeignKey("presets.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("default_presets")
    for table in ("presets", "prompts"):
        op.drop_index(f"ix_{table}_scope_owner_name", table_name=table)
        op.drop_index(f"ix_{table}_owner_id", table_name=table)
        op.drop_table(table)
