"""Who is looking: the conversations that a page of this process is watching right now (an open SSE
stream of one of their messages). An answer that ends while nobody watches its conversation is worth a
push notification; one that ends in front of the user is not.

Only this process's watchers are counted. With several workers behind a proxy the page may be watching
through another process; the service worker then drops the notice itself when a window showing that
conversation is focused (``frontend/sw.js``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager


class Presence:
    def __init__(self) -> None:
        self._watchers: Counter[str] = Counter()

    @contextmanager
    def watching(self, conversation_id: str) -> Iterator[None]:
        self._watchers[conversation_id] += 1
        try:
            yield
        finally:
            self._watchers[conversation_id] -= 1
            if self._watchers[conversation_id] <= 0:
                del self._watchers[conversation_id]

    def is_watched(self, conversation_id: str) -> bool:
        return self._watchers[conversation_id] > 0
