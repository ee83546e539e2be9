"""Waiting for something that happens in the background: poll until it holds, with a deadline.

The deadline only bounds a wait (a slow machine passes, later); it is never a timed assertion.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def _brief(value: object) -> object:
    """``value`` with long strings cut, inside dicts and lists too (so a message's status still shows)."""
    if isinstance(value, str) and len(value) > 80:
        return f"{value[:80]}…"
    if isinstance(value, dict):
        return {key: _brief(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_brief(item) for item in value]
    return value


def _shown(value: object, limit: int = 1000) -> str:
    text = repr(_brief(value))
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def wait_until(
    predicate: Callable[[], T],
    timeout: float = 30.0,
    interval: float = 0.05,
    message: str = "the condition",
    *,
    accept: Callable[[T], object] = bool,
) -> T:
    """Call ``predicate`` every ``interval`` seconds until its value is accepted (truthy, or what
    ``accept`` says) and return that value. After ``timeout`` seconds raise an AssertionError naming
    ``message`` (what was awaited) and showing the last value.

    ``predicate`` may raise to stop waiting early (a server process that died, say)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if accept(value):
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(
                f"timed out after {timeout:g} s waiting for {message}; last value: {_shown(value)}"
            )
        time.sleep(interval)
