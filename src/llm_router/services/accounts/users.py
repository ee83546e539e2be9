"""User administration (admin only): list, create, change role, disable, reset a password."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from llm_router.core.errors import AppError, Conflict, NotFound
from llm_router.db.engine import Database
from llm_router.db.models import OWNER_USER_ID, User
from llm_router.services.accounts.auth import (
    ROLES,
    check_username,
    claim_owner,
    get_user,
    needs_setup,
    revoke_access,
    set_password,
)
from llm_router.services.accounts.passwords import check_password_policy, hash_password


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise AppError("role must be 'admin' or 'user'", status_code=422, code="invalid_role")
    return role


async def list_users(db: Database) -> list[User]:
    async with db.read() as session:
        users = (await session.scalars(select(User).order_by(User.created_at, User.username))).all()
    # The unclaimed owner placeholder is not an account anyone can use yet.
    return [u for u in users if not (u.id == OWNER_USER_ID and u.password_hash is None)]


async def create_user(db: Database, username: str, password: str, role: str = "user") -> User:
    """A new account; the first admin created on an unclaimed instance becomes the owner."""
    check_username(username)
    _check_role(role)
    check_password_policy(password)
    password_hash = await hash_password(password)
    if role == "admin" and await needs_setup(db):
        try:
            return await claim_owner(db, username, password_hash)
        except Conflict as exc:
            if "taken" in exc.message:
                raise
    try:
        async with db.write() as session:
            user = User(username=username, password_hash=password_hash, role=role)
            session.add(user)
    except IntegrityError:
        raise Conflict(f"the username {username!r} is taken") from None
    return user


async def update_user(
    db: Database,
    acting_user_id: str,
    user_id: str,
    *,
    disabled: bool | None = None,
    role: str | None = None,
    password: str | None = None,
) -> User:
    user = await get_user(db, user_id)
    if user.id == OWNER_USER_ID and user.password_hash is None:
        raise NotFound("no such user")
    if user_id == acting_user_id and (disabled or (role is not None and role != user.role)):
        raise Conflict("you cannot disable yourself or change your own role")
    if role is not None:
        _check_role(role)
    values: dict[str, object] = {}
    if disabled is not None:
        values["disabled"] = disabled
    if role is not None:
        values["role"] = role
    if values:
        async with db.write() as session:
            await session.execute(update(User).where(User.id == user_id).values(**values))
    if disabled:
        await revoke_access(db, user_id)
    if password is not None:
        await set_password(db, user_id, password)
    return await get_user(db, user_id)


async def disable_user_by_name(db: Database, username: str) -> User:
    async with db.read() as session:
        user = await session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user named {username!r}")
    async with db.write() as session:
        await session.execute(update(User).where(User.id == user.id).values(disabled=True))
    await revoke_access(db, user.id)
    return await get_user(db, user.id)
