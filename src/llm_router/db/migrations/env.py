"""Alembic environment: runs on the connection the app hands it (see ``llm_router.db.migrate``)."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from llm_router.db import models_plans  # noqa: F401 (its tables join Base.metadata)
from llm_router.db.models import Base
from llm_router.db.search_objects import include_name

config = context.config
target_metadata = Base.metadata


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_name,  # the FTS tables / tsvector columns are not modelled
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("migrations run through llm_router.db.migrate, which passes a connection")
run_migrations(connection)
