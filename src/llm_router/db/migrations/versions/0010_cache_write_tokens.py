"""usage rows record the input tokens written to a provider's prompt cache

Anthropic prices a cache write at 1.25× the input price and a read at 0.1×; a router that passes
``cache_control`` through keeps both counts, so the log shows where a turn's cost came from.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 20:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("usage_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tokens_cache_write", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("usage_events", schema=None) as batch_op:
        batch_op.drop_column("tokens_cache_write")
