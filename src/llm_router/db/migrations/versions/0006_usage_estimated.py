"""usage counted here when the upstream reported none

Local servers (llama.cpp, several others) send no usage in streams, and a cut or cancelled stream never
gets to its usage. Such tokens are now estimated from the text and marked: ``usage_events.usage_estimated``
and ``messages.tokens_estimated`` say the numbers (and the cost priced from them) are not the provider's.

Revision ID: 0006
Revises: 0005_media
Create Date: 2026-12-04 19:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005_media"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "usage_events", sa.Column("usage_estimated", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column(
        "messages", sa.Column("tokens_estimated", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    op.drop_column("messages", "tokens_estimated")
    op.drop_column("usage_events", "usage_estimated")
