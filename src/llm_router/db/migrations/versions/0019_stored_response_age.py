"""An index on stored_responses.created_at, for the sweep of responses past their keeping time

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-05 05:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_stored_responses_created_at", "stored_responses", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_stored_responses_created_at", table_name="stored_responses")
