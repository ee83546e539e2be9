"""Server-side login sessions. The cookie holds 256 random bits; the database only their SHA-256."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from llm_router.core.ids import utcnow
from llm_router.db.engine import Database
from llm_router.db.models import Session, User
from llm_router.services.accounts import tokens as _tokens  # noqa: F401 - its write watch clears the cache
from llm_router.services.accounts.signed_in import signed_in

SESSION_COOKIE = "llmr_session"
SESSION_LIFETIME = timedelta(days=30)
# last_seen_at is refreshed at most this often, so reads do not turn into a write per request.
_TOUCH_EVERY = timedelta(minutes=10)


def _digest(cookie_value: str) -> str:
    return hashlib.sha256(cookie_value.encode("utf-8", "surrogatepass")).hexdigest()


def session_id(cookie_value: str) -> str:
    """The stored id of the session behind a cookie (what other rows tied to the session refer to)."""
    return _digest(cookie_value)


async def create_session(db: Database, user_id: str, user_agent: str | None) -> str:
    """Store a new session and return the cookie value (shown once, never stored)."""
    value = secrets.token_urlsafe(32)
    now = utcnow()
    async with db.write() as session:
        session.add(
            Session(
                id=_digest(value),
                user_id=user_id,
                created_at=now,
                last_seen_at=now,
                expires_at=now + SESSION_LIFETIME,
                user_agent=(user_agent or "")[:255] or None,
            )
        )
    return value


async def user_for_session(db: Database, cookie_value: str) -> User | None:
    """The enabled user owning a live session, or None (expired, revoked, unknown or disabled).
    Remembered for a few seconds (``signed_in.py``: cleared by any write to users or sessions here)."""
    if not cookie_value or len(cookie_value) > 128:
        return None
    session_id = _digest(cookie_value)
    now = utcnow()
    cache = signed_in(db)
    known, user, last_seen = cache.get(session_id, now)
    if known:
        if user is not None and last_seen is not None and now - last_seen > _TOUCH_EVERY:
            await _touch(db, session_id, now)  # a write to sessions: it clears the cache
        return user
    version = cache.version
    async with db.read() as session:
        row = (
            await session.execute(
                select(Session, User).join(User, User.id == Session.user_id).where(Session.id == session_id)
            )
        ).first()
    if row is None:
        cache.put(session_id, version, None)
        return None
    login, user = row[0], row[1]
    if login.expires_at <= now or user.disabled:
        cache.put(session_id, version, None)
        return None
    if now - login.last_seen_at > _TOUCH_EVERY:
        await _touch(db, session_id, now)
    else:
        cache.put(session_id, version, user, login.expires_at, login.last_seen_at)
    return user


async def _touch(db: Database, session_id: str, now: datetime) -> None:
    async with db.write() as session:
        await session.execute(update(Session).where(Session.id == session_id).values(last_seen_at=now))


async def revoke_session(db: Database, cookie_value: str) -> None:
    async with db.write() as session:
        await session.execute(delete(Session).where(Session.id == _digest(cookie_value)))


async def revoke_user_sessions(db: Database, user_id: str) -> None:
    async with db.write() as session:
        await session.execute(delete(Session).where(Session.user_id == user_id))
