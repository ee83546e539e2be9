"""Identifiers: random, unguessable, URL-safe."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime


def new_id() -> str:
    """A random 128-bit id as 32 hex characters (unguessable, so ids are never an authorization)."""
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)
