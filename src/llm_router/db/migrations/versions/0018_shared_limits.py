"""Request limits and sign-in throttling shared between worker processes (no Redis needed)

Revision ID: 0018
Revises: 0013
Create Date: 2026-12-04 22:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_buckets",
        sa.Column("key", sa.String(length=200), primary_key=True),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "limit_failures",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
    )
    op.create_index("ix_limit_failures_key_at", "limit_failures", ["key", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_limit_failures_key_at", table_name="limit_failures")
    op.drop_table("limit_failures")
    op.drop_table("rate_buckets")
