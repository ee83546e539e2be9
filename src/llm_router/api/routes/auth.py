"""Sign-in: status, first-run setup, login, logout, password change, and ``/api/me``."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from llm_router.api.deps import CurrentUser, DatabaseDep, LoginGuardDep, SettingsDep
from llm_router.api.security import clear_session_cookie, client_ip, resolve_user, set_session_cookie
from llm_router.core.errors import AppError
from llm_router.db.models import User
from llm_router.services.accounts import auth
from llm_router.services.accounts.sessions import SESSION_COOKIE, create_session, revoke_session

router = APIRouter(prefix="/api", tags=["auth"])


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


class UserPublic(BaseModel):
    id: str
    username: str
    role: Literal["admin", "user"]

    @classmethod
    def of(cls, user: User) -> UserPublic:
        return cls(id=user.id, username=user.username, role="admin" if user.role == "admin" else "user")


class AuthStatus(BaseModel):
    auth_mode: Literal["password", "none", "trusted-header"]
    needs_setup: bool
    user: UserPublic | None


class LoginAnswer(BaseModel):
    user: UserPublic


class Me(UserPublic):
    auth_mode: Literal["password", "none", "trusted-header"]


def _password_mode_only(settings: SettingsDep) -> None:
    if settings.auth != "password":
        raise AppError(
            f"sign-in is handled outside the app in LLM_ROUTER_AUTH={settings.auth} mode",
            status_code=409,
            code="wrong_auth_mode",
        )


PasswordMode = Depends(_password_mode_only)


@router.get("/auth/status", summary="Sign-in mode, first-run state and the current user (never 401)")
async def status(request: Request, settings: SettingsDep, db: DatabaseDep) -> AuthStatus:
    user = await resolve_user(request, settings, db)
    setup = settings.auth == "password" and await auth.needs_setup(db)
    return AuthStatus(auth_mode=settings.auth, needs_setup=setup, user=UserPublic.of(user) if user else None)


async def _start_session(
    request: Request, response: Response, settings: SettingsDep, db: DatabaseDep, user: User
) -> None:
    # A fresh id on every login: a session id planted before login never becomes authenticated.
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        await revoke_session(db, old)
    value = await create_session(db, user.id, request.headers.get("user-agent"))
    set_session_cookie(response, request, settings, value)


@router.post(
    "/auth/setup",
    dependencies=[PasswordMode],
    summary="First run: create the admin account and sign in (409 once done)",
)
async def setup(
    body: Credentials, request: Request, response: Response, settings: SettingsDep, db: DatabaseDep
) -> LoginAnswer:
    user = await auth.setup_owner(db, body.username, body.password)
    await _start_session(request, response, settings, db, user)
    return LoginAnswer(user=UserPublic.of(user))


@router.post(
    "/auth/login",
    dependencies=[PasswordMode],
    summary="Sign in with a password (sets the session cookie)",
    responses={401: {"description": "Wrong username or password"}, 429: {"description": "Throttled"}},
)
async def login(
    body: Credentials,
    request: Request,
    response: Response,
    settings: SettingsDep,
    db: DatabaseDep,
    guard: LoginGuardDep,
) -> LoginAnswer:
    user = await auth.authenticate(db, guard, body.username, body.password, client_ip(request, settings))
    await _start_session(request, response, settings, db, user)
    return LoginAnswer(user=UserPublic.of(user))


@router.post("/auth/logout", status_code=204, summary="Sign out: the session is revoked")
async def logout(request: Request, settings: SettingsDep, db: DatabaseDep) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        await revoke_session(db, cookie)
    response = Response(status_code=204)
    clear_session_cookie(response, request, settings)
    return response


@router.post(
    "/auth/password",
    status_code=204,
    dependencies=[PasswordMode],
    summary="Change the password: every session is revoked and a new one issued",
)
async def change_password(
    body: PasswordChange,
    user: CurrentUser,
    request: Request,
    settings: SettingsDep,
    db: DatabaseDep,
    guard: LoginGuardDep,
) -> Response:
    ip = client_ip(request, settings)
    await auth.change_password(db, guard, user, body.current_password, body.new_password, ip)
    response = Response(status_code=204)
    value = await create_session(db, user.id, request.headers.get("user-agent"))
    set_session_cookie(response, request, settings, value)
    return response


@router.get("/me", summary="The signed-in user", responses={401: {"description": "Not signed in"}})
async def me(user: CurrentUser, settings: SettingsDep) -> Me:
    public = UserPublic.of(user)
    return Me(**public.model_dump(), auth_mode=settings.auth)
