"""User administration for admins: list, create, disable, change role, reset password."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from llm_router.api.deps import AdminUser, DatabaseDep
from llm_router.db.models import User
from llm_router.services.accounts import users
from llm_router.services.accounts.auth import USERNAME_PATTERN

router = APIRouter(prefix="/api/admin/users", tags=["admin"])


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(pattern=USERNAME_PATTERN)
    password: str = Field(min_length=1, max_length=1024)
    role: Literal["admin", "user"] = "user"


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    disabled: bool | None = None
    role: Literal["admin", "user"] | None = None
    password: str | None = Field(default=None, min_length=1, max_length=1024)


class AdminUserPublic(BaseModel):
    id: str
    username: str
    role: Literal["admin", "user"]
    disabled: bool
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> AdminUserPublic:
        role: Literal["admin", "user"] = "admin" if user.role == "admin" else "user"
        return cls(
            id=user.id, username=user.username, role=role, disabled=user.disabled, created_at=user.created_at
        )


class UserList(BaseModel):
    items: list[AdminUserPublic]


@router.get("", summary="All accounts (admin only)")
async def list_users(_admin: AdminUser, db: DatabaseDep) -> UserList:
    return UserList(items=[AdminUserPublic.of(u) for u in await users.list_users(db)])


@router.post("", status_code=201, summary="Create an account (admin only)")
async def create_user(body: UserCreate, _admin: AdminUser, db: DatabaseDep) -> AdminUserPublic:
    return AdminUserPublic.of(await users.create_user(db, body.username, body.password, body.role))


@router.patch(
    "/{user_id}",
    summary="Disable/enable, change role or reset password (admin only); disabling revokes access at once",
)
async def update_user(user_id: str, body: UserUpdate, admin: AdminUser, db: DatabaseDep) -> AdminUserPublic:
    user = await users.update_user(
        db, admin.id, user_id, disabled=body.disabled, role=body.role, password=body.password
    )
    return AdminUserPublic.of(user)
