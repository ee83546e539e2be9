"""daily usage totals kept by the database, for the dashboard

``usage_daily`` sums ``usage_events`` per UTC day, owner, source, provider, model, device and API token
('' stands for none, so the key has no NULLs and the upsert's conflict target always matches). An
AFTER INSERT trigger adds every new event (SQLite: an UPSERT in the trigger; PostgreSQL: a plpgsql
function), so every writer — the batching writer, the chat job, bulk loads — keeps it exact, and the
dashboard reads at most a few hundred rows per user and year instead of scanning a million events.
Existing events are summed once here.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 20:05:00
"""

# ruff: noqa: S608  -- the SQL is built from this module's constant names only

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = "owner_id, day, source, provider, model, device_id, api_token_id"
SUMS = "requests, tokens_in, tokens_out, cost, saving"
ADD = (
    "requests = usage_daily.requests + excluded.requests, "
    "tokens_in = usage_daily.tokens_in + excluded.tokens_in, "
    "tokens_out = usage_daily.tokens_out + excluded.tokens_out, "
    "cost = usage_daily.cost + excluded.cost, "
    "saving = usage_daily.saving + excluded.saving"
)


def _values(row: str, day: str) -> str:
    return (
        f"{row}.owner_id, {day}, {row}.source, coalesce({row}.provider, ''), coalesce({row}.model, ''), "
        f"coalesce({row}.device_id, ''), coalesce({row}.api_token_id, ''), 1, {row}.tokens_in, "
        f"{row}.tokens_out, coalesce({row}.cost, 0), coalesce({row}.saving, 0)"
    )


def upgrade() -> None:
    op.create_table(
        "usage_daily",
        sa.Column("owner_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("api_token_id", sa.String(32), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("tokens_in", sa.Integer(), nullable=False),
        sa.Column("tokens_out", sa.Integer(), nullable=False),
        sa.Column("cost", sa.Float(), nullable=False),
        sa.Column("saving", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint(
            "owner_id", "day", "source", "provider", "model", "device_id", "api_token_id"
        ),
    )
    op.create_index("ix_usage_daily_day", "usage_daily", ["day"])
    if op.get_bind().dialect.name == "sqlite":
        day = "substr(new.created_at, 1, 10)"
        op.execute(
            f"""CREATE TRIGGER usage_daily_after_insert AFTER INSERT ON usage_events BEGIN
                INSERT INTO usage_daily ({KEY}, {SUMS}) VALUES ({_values("new", day)})
                ON CONFLICT ({KEY}) DO UPDATE SET {ADD};
            END"""
        )
        backfill_day = "substr(e.created_at, 1, 10)"
    else:
        day = "to_char(NEW.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
        op.execute(
            f"""CREATE FUNCTION usage_daily_add() RETURNS trigger AS $$ BEGIN
                INSERT INTO usage_daily ({KEY}, {SUMS}) VALUES ({_values("NEW", day)})
                ON CONFLICT ({KEY}) DO UPDATE SET {ADD};
                RETURN NULL;
            END $$ LANGUAGE plpgsql"""
        )
        op.execute(
            "CREATE TRIGGER usage_daily_after_insert AFTER INSERT ON usage_events "
            "FOR EACH ROW EXECUTE FUNCTION usage_daily_add()"
        )
        backfill_day = "to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
    op.execute(
        f"""INSERT INTO usage_daily ({KEY}, {SUMS})
        SELECT e.owner_id, {backfill_day}, e.source, coalesce(e.provider, ''), coalesce(e.model, ''),
               coalesce(e.device_id, ''), coalesce(e.api_token_id, ''), count(*), sum(e.tokens_in),
               sum(e.tokens_out), coalesce(sum(e.cost), 0), coalesce(sum(e.saving), 0)
        FROM usage_events e
        GROUP BY 1, 2, 3, 4, 5, 6, 7"""
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS usage_daily_after_insert")
    else:
        op.execute("DROP TRIGGER IF EXISTS usage_daily_after_insert ON usage_events")
        op.execute("DROP FUNCTION IF EXISTS usage_daily_add()")
    op.drop_index("ix_usage_daily_day", table_name="usage_daily")
    op.drop_table("usage_daily")
