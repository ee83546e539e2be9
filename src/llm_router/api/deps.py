"""FastAPI dependencies as ``Annotated`` aliases: routes declare what they need, nothing more."""

from __future__ import annotations

import re
from contextvars import ContextVar
from typing import Annotated

from fastapi import Depends, Header, Request

from llm_router.api.security import resolve_user
from llm_router.core.errors import AppError, Forbidden, Unauthorized
from llm_router.core.settings import Settings
from llm_router.db.engine import Database
from llm_router.db.models import OWNER_USER_ID, User
from llm_router.providers.catalog import ModelCatalog
from llm_router.providers.registry import ProviderRegistry
from llm_router.services.accounts.limits import rate_limiter_from
from llm_router.services.accounts.tokens import ApiPrincipal, TokenVerifier, invalid_token
from llm_router.services.keys.user_providers import UserProviders

caller_providers: ContextVar[ProviderRegistry | None] = ContextVar("caller_providers", default=None)
"""The ``/v1`` caller's view of the providers (set by ``get_api_user``, read by the ``/v1`` router)."""


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_db)]


def get_providers(request: Request) -> ProviderRegistry:
    """The instance's providers (environment, file, instance keys): what every user shares."""
    registry: ProviderRegistry = request.app.state.providers
    return registry


def get_user_providers(request: Request) -> UserProviders:
    user_providers: UserProviders = request.app.state.user_providers
    return user_providers


async def providers_for(request: Request, user_id: str) -> ProviderRegistry:
    """One user's providers: the instance's with the user's own keys and endpoints on top."""
    return await get_user_providers(request).for_user(user_id)


def get_catalog(request: Request) -> ModelCatalog:
    catalog: ModelCatalog = request.app.state.catalog
    return catalog


ProvidersDep = Annotated[ProviderRegistry, Depends(get_providers)]
UserProvidersDep = Annotated[UserProviders, Depends(get_user_providers)]
CatalogDep = Annotated[ModelCatalog, Depends(get_catalog)]


async def get_current_user(request: Request, settings: SettingsDep, db: DatabaseDep) -> User:
    """The signed-in user of a web-app (``/api``) request, or 401.

    ``password``: the session cookie; ``trusted-header``: the proxy's header (only from trusted
    proxies); ``none``: the owner. Each user is also held to the per-user request rate limit.
    """
    user = await resolve_user(request, settings, db)
    if user is None:
        raise Unauthorized("sign in first")
    limiter = rate_limiter_from(request.app.state)
    if limiter is not None:
        await limiter.check(f"user:{user.id}")
    request.state.user = user
    return user


async def get_admin_user(user: Annotated[User, Depends(get_current_user)]) -> User:
    if user.role != "admin":
        raise Forbidden("only an admin can do this")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]
AdminUser = Annotated[User, Depends(get_admin_user)]

_DEVICE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def get_device_id(x_device_id: Annotated[str | None, Header()] = None) -> str | None:
    """The client's device id (``X-Device-Id``); malformed ids are ignored rather than stored."""
    if x_device_id and _DEVICE_ID.match(x_device_id):
        return x_device_id
    return None


DeviceId = Annotated[str | None, Depends(get_device_id)]


def presented_token(request: Request) -> str | None:
    """An API token sent as ``Authorization: Bearer …`` or ``x-api-key: …`` (the two are equivalent)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.headers.get("x-api-key", "").strip() or None


def token_verifier(request: Request) -> TokenVerifier:
    verifier: TokenVerifier | None = getattr(request.app.state, "token_verifier", None)
    if verifier is None:
        verifier = request.app.state.token_verifier = TokenVerifier(request.app.state.db)
    return verifier


async def get_api_user(request: Request, settings: SettingsDep) -> ApiPrincipal:
    """The caller of a ``/v1`` request: the user of a valid API token, or 401.

    ``LLM_ROUTER_AUTH=none``: no token is needed (SDKs always send one, so an unknown one means the owner).
    """
    token = presented_token(request)
    principal: ApiPrincipal | None = None
    if token is not None:
        try:
            principal = await token_verifier(request).verify(token)
        except AppError:
            if settings.auth != "none":
                raise
    if principal is None:
        if settings.auth != "none":
            raise invalid_token()
        # single-user mode on an isolated network: no account or token to protect, so no rate limit
        principal = ApiPrincipal(user_id=OWNER_USER_ID, username="owner", token_id=None)
    else:
        limiter = rate_limiter_from(request.app.state)
        if limiter is not None:
            await limiter.check(f"token:{principal.token_id}")
    # the request's task ends with the request, and the value with it
    caller_providers.set(await providers_for(request, principal.user_id))
    return principal


ApiUser = Annotated[ApiPrincipal, Depends(get_api_user)]
