"""Accounts: first-run setup, login with throttling, password changes, users for trusted proxies."""

from __future__ import annotations

import logging
import re

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from llm_router.core.errors import AppError, Conflict, TooManyRequests, Unauthorized
from llm_router.core.ids import utcnow
from llm_router.db.engine import Database
from llm_router.db.models import OWNER_USER_ID, ApiToken, User
from llm_router.services.accounts.limits import FailureCounter, FailureThrottle
from llm_router.services.accounts.passwords import (
    check_password_policy,
    hash_password,
    unusable_password_hash,
    verify_password,
)
from llm_router.services.accounts.sessions import revoke_user_sessions

log = logging.getLogger(__name__)

ROLES = ("admin", "user")
USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$"
_USERNAME = re.compile(USERNAME_PATTERN)
WRONG_CREDENTIALS = "wrong username or password"


def check_username(username: str) -> str:
    if not _USERNAME.match(username):
        raise AppError(
            "a username is 1–64 letters, digits or . _ @ + - (starting with a letter or digit)",
            status_code=422,
            code="invalid_username",
        )
    return username


async def needs_setup(db: Database) -> bool:
    """True until the owner account has been claimed (by the setup screen or the CLI)."""
    async with db.read() as session:
        owner_hash = await session.scalar(select(User.password_hash).where(User.id == OWNER_USER_ID))
    return owner_hash is None


async def claim_owner(db: Database, username: str, password_hash: str) -> User:
    """Make the unclaimed owner row the admin ``username``; 409 when someone already claimed it.

    One conditional UPDATE: of two racing requests exactly one changes the row.
    """
    check_username(username)
    try:
        async with db.write() as session:
            result = await session.execute(
                update(User)
                .where(User.id == OWNER_USER_ID, User.password_hash.is_(None))
                .values(username=username, password_hash=password_hash, role="admin", disabled=False)
            )
            claimed = getattr(result, "rowcount", 0) == 1
    except IntegrityError:
        raise Conflict(f"the username {username!r} is taken") from None
    if not claimed:
        raise Conflict("this instance is already set up: sign in instead")
    log.info("owner account claimed")
    return await get_user(db, OWNER_USER_ID)


async def setup_owner(db: Database, username: str, password: str) -> User:
    check_password_policy(password)
    return await claim_owner(db, username, await hash_password(password))


async def get_user(db: Database, user_id: str) -> User:
    async with db.read() as session:
        user = await session.get(User, user_id)
    if user is None:
        raise AppError("no such user", status_code=404, code="not_found")
    return user


async def find_user(db: Database, username: str) -> User | None:
    async with db.read() as session:
        return await session.scalar(select(User).where(User.username == username))


class LoginGuard:
    """Login throttling: 10 failures a minute per account name and per client address.

    The counters are in memory, or in Redis when the server has one (shared by every process).
    """

    def __init__(self, per_account: FailureCounter | None = None, per_ip: FailureCounter | None = None):
        self.per_account: FailureCounter = per_account or FailureThrottle()
        self.per_ip: FailureCounter = per_ip or FailureThrottle()

    async def check(self, username: str, ip: str) -> None:
        waits = [
            await self.per_account.retry_after(f"user:{username.lower()}"),
            await self.per_ip.retry_after(f"ip:{ip}"),
        ]
        blocked = [wait for wait in waits if wait is not None]
        if blocked:
            raise TooManyRequests(
                "too many failed sign-ins: wait a minute and try again", retry_after=max(blocked)
            )

    async def failed(self, username: str, ip: str) -> None:
        await self.per_account.record_failure(f"user:{username.lower()}")
        await self.per_ip.record_failure(f"ip:{ip}")

    async def succeeded(self, username: str) -> None:
        await self.per_account.reset(f"user:{username.lower()}")


async def authenticate(db: Database, guard: LoginGuard, username: str, password: str, ip: str) -> User:
    """The user whose password this is; 401 with one message for every failure, 429 when throttled.

    An unknown name is checked against a dummy hash, so the answer and its timing do not tell
    whether the account exists.
    """
    await guard.check(username, ip)
    user = await find_user(db, username)
    ok = await verify_password(password, user.password_hash if user else None)
    if not ok or user is None or user.disabled:
        await guard.failed(username, ip)
        log.info("failed sign-in")
        raise Unauthorized(WRONG_CREDENTIALS)
    await guard.succeeded(username)
    return user


async def change_password(
    db: Database, guard: LoginGuard, user: User, current: str, new: str, ip: str
) -> None:
    """Replace the password after checking the current one; every session of the user is revoked."""
    await guard.check(user.username, ip)
    if not await verify_password(current, user.password_hash):
        await guard.failed(user.username, ip)
        raise AppError("the current password is wrong", status_code=403, code="wrong_password")
    await set_password(db, user.id, new)


async def set_password(db: Database, user_id: str, password: str) -> None:
    check_password_policy(password)
    password_hash = await hash_password(password)
    async with db.write() as session:
        await session.execute(update(User).where(User.id == user_id).values(password_hash=password_hash))
    await revoke_user_sessions(db, user_id)


async def revoke_access(db: Database, user_id: str) -> None:
    """End every session and API token of a user at once (used when disabling an account)."""
    await revoke_user_sessions(db, user_id)
    async with db.write() as session:
        await session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )


async def user_for_proxy_header(db: Database, username: str) -> User | None:
    """``trusted-header`` mode: the named user, created on first sight. The first one claims the owner."""
    check_username(username)
    user = await find_user(db, username)
    if user is not None:
        return None if user.disabled else user
    if await needs_setup(db):
        try:
            return await claim_owner(db, username, await unusable_password_hash())
        except Conflict:
            pass  # another request claimed it first; create an ordinary user below
    try:
        async with db.write() as session:
            # No password: the proxy signs this user in; password login stays impossible.
            user = User(username=username, role="user", password_hash=None)
            session.add(user)
    except IntegrityError:  # created by a concurrent request
        user = await find_user(db, username)
    return user


async def count_admins(db: Database) -> int:
    async with db.read() as session:
        count = await session.scalar(
            select(func.count()).select_from(User).where(User.role == "admin", User.disabled.is_(False))
        )
    return int(count or 0)
