"""Password hashing with argon2id (pwdlib). Hashing runs in a thread: it is slow on purpose."""

from __future__ import annotations

import asyncio
import secrets
from functools import lru_cache
from typing import TYPE_CHECKING

from llm_router.core.errors import AppError

if TYPE_CHECKING:
    from pwdlib import PasswordHash

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024  # argon2 takes any length; a cap keeps one request from costing seconds


@lru_cache(maxsize=1)
def _hasher() -> PasswordHash:
    # pwdlib and argon2's bindings load with the first password, not at start-up
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    return PasswordHash((Argon2Hasher(),))


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A real hash of a random password: unknown users are verified against it so timing matches."""
    return _hasher().hash(secrets.token_urlsafe(32))


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AppError(
            f"the password is too short: use at least {MIN_PASSWORD_LENGTH} characters",
            status_code=422,
            code="weak_password",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AppError(
            f"the password is too long: at most {MAX_PASSWORD_LENGTH} characters",
            status_code=422,
            code="invalid_password",
        )


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher().hash, password)


async def verify_password(password: str, password_hash: str | None) -> bool:
    """True when ``password`` matches; a missing hash is compared against a dummy (same cost, False)."""
    if len(password) > MAX_PASSWORD_LENGTH:
        password = password[:MAX_PASSWORD_LENGTH]
    if password_hash is None:
        await asyncio.to_thread(_hasher().verify, password, _dummy_hash())
        return False
    try:
        return await asyncio.to_thread(_hasher().verify, password, password_hash)
    except Exception:  # an unreadable stored hash must never let anyone in
        return False


async def unusable_password_hash() -> str:
    """A hash nobody knows the password of: marks an account as claimed without allowing password login."""
    return await hash_password(secrets.token_urlsafe(32))
