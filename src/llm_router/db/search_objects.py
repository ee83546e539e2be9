"""The full-text search objects that migration 0002 builds outside the SQLAlchemy models.

SQLite's FTS5 tables (and their shadow tables) and PostgreSQL's generated ``search_vector`` columns and GIN
indexes are maintained by the database itself (triggers, generated columns), so the models leave them out
on purpose. ``include_name`` hides them from Alembic's comparison of models and database.
"""

from __future__ import annotations

from alembic.runtime.environment import NameFilterParentNames, NameFilterType

SQLITE_FTS_TABLES = ("messages_fts", "conversations_fts")
POSTGRES_VECTOR_COLUMN = "search_vector"
POSTGRES_VECTOR_INDEXES = ("ix_messages_search_vector", "ix_conversations_search_vector")


def is_search_object(name: str | None, type_: str) -> bool:
    if name is None:
        return False
    if type_ == "table":
        # FTS5 keeps its data in shadow tables named <table>_data, <table>_idx, <table>_config, …
        return any(name == fts or name.startswith(f"{fts}_") for fts in SQLITE_FTS_TABLES)
    if type_ == "column":
        return name == POSTGRES_VECTOR_COLUMN
    if type_ == "index":
        return name in POSTGRES_VECTOR_INDEXES
    return False


def include_name(name: str | None, type_: NameFilterType, _parent_names: NameFilterParentNames) -> bool:
    """Alembic ``include_name`` hook: compare everything except the search objects."""
    return not is_search_object(name, type_)
