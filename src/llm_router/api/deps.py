"""FastAPI dependencies as ``Annotated`` aliases: routes declare what they need, nothing more."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy import select

from llm_router.core.errors import AppError
from llm_router.core.settings import Settings
from llm_router.db.engine import Database
from llm_router.db.models import OWNER_USER_ID, User


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_db)]


async def get_current_user(request: Request, settings: SettingsDep, db: DatabaseDep) -> User:
    """The signed-in user of a web-app (``/api``) request.

    ``LLM_ROUTER_AUTH=none``: the owner. Other modes are resolved by the auth service.
    """
    if settings.auth == "none":
        async with db.read() as session:
            user = await session.scalar(select(User).where(User.id == OWNER_USER_ID))
        if user is None or user.disabled:
            raise AppError("the owner account is missing or disabled", status_code=401, code="unauthorized")
        return user
    raise AppError("sign in first", status_code=401, code="unauthorized")


CurrentUser = Annotated[User, Depends(get_current_user)]

_DEVICE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def get_device_id(x_device_id: Annotated[str | None, Header()] = None) -> str | None:
    """The client's device id (``X-Device-Id``); malformed ids are ignored rather than stored."""
    if x_device_id and _DEVICE_ID.match(x_device_id):
        return x_device_id
    return None


DeviceId = Annotated[str | None, Depends(get_device_id)]
