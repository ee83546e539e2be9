"""API tokens for the ``/v1`` endpoints: created once, stored as SHA-256, verified with a short cache.

The verification cache keeps the per-request cost of authentication near zero (the benchmarks measure
the router's added latency). It stays correct because any write to ``users`` or ``api_tokens`` through
SQLAlchemy in this process clears it (see ``_watch_writes``), and entries expire after a few seconds so
other server processes pick up a revocation or a disabled user quickly too.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import time
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Row, Table, event, or_, select, update
from sqlalchemy.orm import ORMExecuteState, Session

from llm_router.core.errors import AppError, NotFound
from llm_router.core.ids import utcnow
from llm_router.core.singleflight import SingleFlight
from llm_router.db.engine import Database
from llm_router.db.models import ApiToken, User
from llm_router.db.models import Session as LoginSession
from llm_router.services.accounts import signed_in

TOKEN_PREFIX = "llmr-"  # noqa: S105 - a marker, not a secret
CACHE_SECONDS = 5.0
# (token id, user id, user name, last used, expires) of a valid token
_TokenRow = Row[str, str, str, datetime | None, datetime | None]
TOUCH_EVERY = timedelta(minutes=1)  # ``last_used_at`` is kept to the minute, not written per request

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ApiPrincipal:
    """Who is calling ``/v1``: the user, and the token used (``None`` in ``LLM_ROUTER_AUTH=none``)."""

    user_id: str
    username: str
    token_id: str | None


@dataclass(frozen=True, slots=True)
class TokenInfo:
    id: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime | None = None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _info(row: ApiToken) -> TokenInfo:
    return TokenInfo(
        row.id, row.name, row.prefix, row.created_at, row.last_used_at, row.revoked_at, row.expires_at
    )


async def create_token(
    db: Database, user_id: str, name: str = "", expires_at: datetime | None = None
) -> tuple[TokenInfo, str]:
    """A new token for the user (refused from ``expires_at`` on, when given); the plain value is returned
    here once and never stored."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user_id,
        name=name.strip()[:100],
        token_hash=hash_token(plain),
        prefix=plain[:12],
        expires_at=expires_at,
    )
    async with db.write() as session:
        session.add(row)
        await session.flush()
    return _info(row), plain


async def list_tokens(db: Database, user_id: str) -> list[TokenInfo]:
    async with db.read() as session:
        rows = await session.scalars(
            select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.created_at.desc())
        )
        return [_info(row) for row in rows]


async def revoke_token(db: Database, user_id: str, token_id: str) -> TokenInfo:
    """Revoke one of the user's tokens (idempotent); another user's token id answers 404."""
    async with db.write() as session:
        row = await session.scalar(
            select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id)
        )
        if row is None:
            raise NotFound("no such API token")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
    return _info(row)


async def find_user_id(db: Database, username: str) -> str:
    async with db.read() as session:
        user_id = await session.scalar(select(User.id).where(User.username == username))
    if user_id is None:
        raise NotFound(f"no user named {username!r}")
    return user_id


class TokenVerifier:
    """Checks a presented token; the answer (accepted or refused) is cached for ``CACHE_SECONDS``."""

    def __init__(self, db: Database, ttl: float = CACHE_SECONDS) -> None:
        self.db = db
        self.ttl = ttl
        # None caches a refusal too: with LLM_ROUTER_AUTH=none clients send any token they like, and each
        # request must not cost a database read for it
        self._cache: dict[str, tuple[float, ApiPrincipal | None]] = {}
        self._touches: set[asyncio.Task[None]] = set()
        self._reading: SingleFlight[_TokenRow | None] = SingleFlight()  # one read per token at a time
        _VERIFIERS.add(self)

    def clear(self) -> None:
        self._cache.clear()
        self._reading.forget()

    def _touch(self, token_id: str | None) -> None:
        """Note when a token was last used, in the background (the request does not wait for it)."""
        task = asyncio.get_running_loop().create_task(self._write_last_used(token_id))
        self._touches.add(task)
        task.add_done_callback(self._touches.discard)

    async def _write_last_used(self, token_id: str | None) -> None:
        # a Core statement on the table: not a change the cache must be cleared for
        table = cast(Table, ApiToken.__table__)
        try:
            async with self.db.write() as session:
                await session.execute(
                    update(table).where(table.c.id == token_id).values(last_used_at=utcnow())
                )
        except Exception:  # a missed timestamp must never fail a request
            log.warning("could not record when API token %s was last used", token_id, exc_info=True)

    async def verify(self, token: str) -> ApiPrincipal:
        """The principal for a token, or ``AppError`` 401 (same message for every kind of failure)."""
        digest = hash_token(token)
        cached = self._cache.get(digest)
        now = time.monotonic()
        if cached is not None and cached[0] > now:
            if cached[1] is None:
                raise invalid_token()
            return cached[1]
        found = await self._reading.run(digest, lambda: self._read(digest))
        if len(self._cache) > 10_000:  # bounded: a flood of distinct tokens cannot grow memory
            self._cache.clear()
        if found is None:
            self._cache[digest] = (now + self.ttl, None)
            raise invalid_token()
        principal = ApiPrincipal(user_id=found[1], username=found[2], token_id=found[0])
        last_used: datetime | None = found[3]
        if last_used is None or utcnow() - last_used > TOUCH_EVERY:
            self._touch(principal.token_id)
        expires_at: datetime | None = found[4]
        lifetime = self.ttl
        if expires_at is not None:  # a cached acceptance never outlives the token
            lifetime = min(lifetime, (expires_at - utcnow()).total_seconds())
        self._cache[digest] = (now + lifetime, principal)
        return principal

    async def _read(self, digest: str) -> _TokenRow | None:
        async with self.db.read() as session:
            return (
                await session.execute(
                    select(ApiToken.id, User.id, User.username, ApiToken.last_used_at, ApiToken.expires_at)
                    .join(User, User.id == ApiToken.user_id)
                    .where(
                        ApiToken.token_hash == digest,
                        ApiToken.revoked_at.is_(None),
                        or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > utcnow()),
                        User.disabled.is_(False),
                    )
                )
            ).first()


def invalid_token() -> AppError:
    return AppError(
        "invalid or missing API token: send `Authorization: Bearer <token>` or `x-api-key: <token>` "
        "(create one with `llm-router token create --user NAME`)",
        status_code=401,
        code="invalid_api_key",
    )


# ------------------------------------------------------------------ cache invalidation on writes

_VERIFIERS: weakref.WeakSet[TokenVerifier] = weakref.WeakSet()
_WATCHED_TABLES = frozenset({"users", "api_tokens", "sessions"})


def clear_all_caches() -> None:
    for verifier in list(_VERIFIERS):
        verifier.clear()
    signed_in.clear_all()  # who a web-app session is (``signed_in.py``)


def _after_flush(session: Session, _context: Any) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)  # new: a refusal may be cached
    if any(isinstance(obj, User | ApiToken | LoginSession) for obj in changed):
        clear_all_caches()


def _on_execute(state: ORMExecuteState) -> None:
    # bulk ``update(User)`` / ``delete(ApiToken)`` statements bypass the flush
    if (state.is_update or state.is_delete) and any(
        mapper.local_table.name in _WATCHED_TABLES  # type: ignore[attr-defined]
        for mapper in state.all_mappers
    ):
        clear_all_caches()


def _watch_writes() -> None:
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "do_orm_execute", _on_execute)


_watch_writes()
