"""The application's behaviour, independent of HTTP, in rooms:

- ``chat``: conversations, the message tree, turns and durable generation.
- ``routing``: plans (aliases, fallback, local-first, ``#no_cloud``, cache) and route runs.
- ``accounts``: users, passwords, sessions, API tokens, sign-in throttle and rate limits.
- ``keys``: the key vault, the master key and its rotation, users' own providers, the SSRF guard.
- ``search``: full-text search over messages (SQLite FTS5, PostgreSQL tsvector).
- ``usage``: usage rows (one per request or chat answer), totals, the batching writer, the request log.
- ``media``: images: generation and the owner-scoped, re-encoded file store.

A new feature gets a room of its own (e.g. ``library/``, ``schedules/``, ``export/``) rather
than a module at this level. Rooms may import each other without cycles, and never ``api`` or ``cli``.
"""
