"""a source id on imported conversations, unique per owner

An import remembers where each conversation came from (``chatgpt:<id>``, ``claude:<uuid>``,
``llm-router:<id>`` …) so that importing the same file twice creates nothing new. NULL for conversations
made here; a unique index over ``(owner_id, import_source)`` lets NULLs repeat on both backends.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 19:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("conversations", sa.Column("import_source", sa.String(length=200), nullable=True))
    op.create_index(
        "ix_conversations_owner_import_source",
        "conversations",
        ["owner_id", "import_source"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("ix_conversations_owner_import_source", table_name="conversations")
    op.drop_column("conversations", "import_source")  # SQLite >= 3.35 drops columns in place
