"""a covering index for reading a conversation's tree shape

Opening a conversation reads ``(id, parent_id)`` of all its messages in creation order to find the active
path. With only ``(conversation_id, parent_id)`` indexed, SQLite looks up every row in the table and sorts;
``(conversation_id, created_at, id, parent_id)`` answers the query from the index alone, already in order.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 08:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_messages_conversation_tree", "messages", ["conversation_id", "created_at", "id", "parent_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_messages_conversation_tree", table_name="messages")
