"""dollar budgets per user and per API token, and the indexes that sum their spend

``budgets`` holds daily and monthly limits (``user:<id>`` set by an admin, ``personal:<id>`` set by the
user, ``token:<id>`` set by an admin for one API token). Enforcement sums ``usage_events.cost`` over the
window; ``(owner_id, created_at, cost)`` and ``(api_token_id, created_at, cost)`` answer those sums from
the index alone, so the check stays cheap at millions of rows and holds across replicas (it reads the
shared database, nothing in process memory).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 19:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from llm_router.db.types import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "budgets",
        sa.Column("key", sa.String(length=80), primary_key=True),
        sa.Column(
            "user_id", sa.String(length=32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "api_token_id",
            sa.String(length=32),
            sa.ForeignKey("api_tokens.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("daily_usd", sa.Float(), nullable=True),
        sa.Column("monthly_usd", sa.Float(), nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_budgets_user_id", "budgets", ["user_id"])
    op.create_index("ix_usage_owner_created_cost", "usage_events", ["owner_id", "created_at", "cost"])
    op.create_index("ix_usage_token_created_cost", "usage_events", ["api_token_id", "created_at", "cost"])


def downgrade() -> None:
    op.drop_index("ix_usage_token_created_cost", table_name="usage_events")
    op.drop_index("ix_usage_owner_created_cost", table_name="usage_events")
    op.drop_index("ix_budgets_user_id", table_name="budgets")
    op.drop_table("budgets")
