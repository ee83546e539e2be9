"""Who a web-app request is from, remembered for a few seconds per process.

Why: every ``/api`` request resolved its user with a database read (the session and its user, or the
owner's row with ``LLM_ROUTER_AUTH=none``) on aiosqlite's thread, a hand-off and back through a busy
event loop; the chat path pays it twice before the first token (the ``POST`` of the message and the
``GET`` of its stream). The same rules as the API-token cache (``tokens.py``) keep it correct: any write
to ``users`` or ``sessions`` through SQLAlchemy in this process (sign-out, password change, disabling a
user, a role or setting change) clears it at once, and an entry lives ``CACHE_SECONDS``, so a change made
by another process (another worker, the CLI) applies here within that time. A session's own expiry is
checked on every use, and each request gets its own copy of the user row.
"""

from __future__ import annotations

import time
import weakref
from datetime import datetime
from typing import Any

from llm_router.db.engine import Database
from llm_router.db.models import User

CACHE_SECONDS = 5.0
MAX_ENTRIES = 10_000  # bounded: a flood of made-up cookies cannot grow memory


class SignedIn:
    """``key`` (a session id, or the owner's id) -> the user's columns and when the session expires."""

    def __init__(self, ttl: float = CACHE_SECONDS) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[float, dict[str, Any] | None, datetime | None, datetime | None]] = {}
        # bumped by every clear: an answer read before a write (a sign-out racing the read) is not kept
        self.version = 0

    def get(self, key: str, now: datetime) -> tuple[bool, User | None, datetime | None]:
        """(known, the user or None for a refusal, the session's last-seen time)."""
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return False, None, None
        _, columns, expires_at, last_seen = entry
        if columns is None or (expires_at is not None and expires_at <= now):
            return True, None, None
        return True, User(**columns), last_seen

    def put(
        self,
        key: str,
        version: int,
        user: User | None,
        expires_at: datetime | None = None,
        last_seen: datetime | None = None,
    ) -> None:
        """Remember what was read while the cache was at ``version`` (taken before the read)."""
        if version != self.version:
            return
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        columns = None
        if user is not None:
            columns = {a.key: getattr(user, a.key) for a in User.__mapper__.column_attrs}
        self._entries[key] = (time.monotonic() + self.ttl, columns, expires_at, last_seen)

    def clear(self) -> None:
        self.version += 1
        self._entries.clear()


# one cache per database (tests open many apps in one process, each on its own database); every one is
# cleared by ``tokens.py``'s write watch together with the token caches
_CACHES: weakref.WeakKeyDictionary[Database, SignedIn] = weakref.WeakKeyDictionary()


def signed_in(db: Database) -> SignedIn:
    cache = _CACHES.get(db)
    if cache is None:
        cache = _CACHES[db] = SignedIn()
    return cache


def clear_all() -> None:
    for cache in list(_CACHES.values()):
        cache.clear()
