"""full-text search over message text and conversation titles

SQLite: two external-content FTS5 tables (``messages_fts`` over ``messages.content``, ``conversations_fts``
over ``conversations.title``) that store only the index, not a second copy of the text, kept in step by
triggers on INSERT / DELETE / UPDATE OF the indexed column. ``unicode61 remove_diacritics 2`` folds case
and accents ("cafe" finds "café"); the 2- and 3-character prefix indexes keep ``ab*`` queries cheap.

PostgreSQL: a stored generated ``tsvector`` column with a GIN index on each table. Stored rather than an
expression index because ranking (``ts_rank``) needs the vector of every candidate row, and recomputing
``to_tsvector`` per row at query time is the slow part. The ``'simple'`` configuration (lower-casing, no
stemming, no stop words) is used because conversations are in any language and mix code with prose:
``'english'`` would drop words like "to"/"be" from phrase queries and stem identifiers, and 'simple'
behaves like the SQLite tokenizer, so both backends answer the same queries the same way.

Neither object is in the SQLAlchemy models; ``llm_router.db.search_objects.include_name`` keeps them out of
the models-versus-migrations comparison.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 04:40:00
"""

# ruff: noqa: S608  -- the SQL is built from this module's constant table and column names only

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FTS_OPTIONS = "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'"

# (fts table, content table, indexed column)
_SQLITE_INDEXES = (("messages_fts", "messages", "content"), ("conversations_fts", "conversations", "title"))


def _sqlite_statements(fts: str, table: str, column: str) -> list[str]:
    # External-content FTS5: a 'delete' must be given exactly the values that were indexed, which the
    # triggers read from OLD. Foreign-key cascades fire these triggers too, so deleting a conversation
    # removes its messages from the index.
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({column}, content='{table}', {_FTS_OPTIONS})",
        f"""CREATE TRIGGER {fts}_after_insert AFTER INSERT ON {table} BEGIN
            INSERT INTO {fts}(rowid, {column}) VALUES (new.rowid, new.{column});
        END""",
        f"""CREATE TRIGGER {fts}_after_delete AFTER DELETE ON {table} BEGIN
            INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.rowid, old.{column});
        END""",
        f"""CREATE TRIGGER {fts}_after_update AFTER UPDATE OF {column} ON {table} BEGIN
            INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.rowid, old.{column});
            INSERT INTO {fts}(rowid, {column}) VALUES (new.rowid, new.{column});
        END""",
        # Index whatever rows exist already.
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def _postgresql_statements(table: str, column: str) -> list[str]:
    return [
        f"""ALTER TABLE {table} ADD COLUMN search_vector tsvector
            GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, {column})) STORED""",
        f"CREATE INDEX ix_{table}_search_vector ON {table} USING gin (search_vector)",
    ]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for fts, table, column in _SQLITE_INDEXES:
        statements = (
            _sqlite_statements(fts, table, column)
            if dialect == "sqlite"
            else _postgresql_statements(table, column)
        )
        for statement in statements:
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for fts, table, _column in _SQLITE_INDEXES:
        if dialect == "sqlite":
            for suffix in ("after_insert", "after_delete", "after_update"):
                op.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {fts}")
        else:
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_search_vector")
            op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector")
