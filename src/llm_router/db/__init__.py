"""The database: engines and sessions (``engine``: SQLite WAL with one writer, or PostgreSQL), the
schema (``models``, ``types``, ``search_objects``) and migrations (``migrate``, ``migrations/``). A schema
change is a model change plus a new Alembic revision in ``migrations/versions``."""
