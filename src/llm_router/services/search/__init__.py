"""Search over messages: ``search`` (the entry point), ``query`` (parsing what the user typed),
``engines`` (SQLite FTS5 and PostgreSQL full-text), ``snippets`` (highlighted excerpts)."""
