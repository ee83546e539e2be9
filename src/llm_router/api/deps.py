"""FastAPI dependencies as ``Annotated`` aliases: routes declare what they need, nothing more."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Header, Request

from llm_router.api.security import resolve_user
from llm_router.api.services import AppServices, services_of
from llm_router.core.errors import AppError, Forbidden, Unauthorized
from llm_router.core.settings import Settings
from llm_router.db.engine import Database
from llm_router.db.models import OWNER_USER_ID, User
from llm_router.providers.catalog import ModelCatalog
from llm_router.providers.registry import ProviderRegistry
from llm_router.services.accounts.auth import LoginGuard
from llm_router.services.accounts.budgets import Budgets
from llm_router.services.accounts.tokens import ApiPrincipal, invalid_token
from llm_router.services.chat.manager import GenerationManager
from llm_router.services.keys.provider_keys import ProviderKeys
from llm_router.services.keys.user_providers import UserProviders
from llm_router.services.media.attachments import AttachmentService
from llm_router.services.media.images import ImageService
from llm_router.services.media.store import MediaStore
from llm_router.services.media.voice import VoiceService
from llm_router.services.routing import Router
from llm_router.services.usage.log import UsageWriter


async def get_services(request: Request) -> AppServices:
    return services_of(request)


Services = Annotated[AppServices, Depends(get_services)]


async def get_settings(services: Services) -> Settings:
    return services.settings


async def get_db(services: Services) -> Database:
    return services.db


async def get_providers(services: Services) -> ProviderRegistry:
    """The instance's providers (environment, file, instance keys): what every user shares."""
    return services.providers


async def get_user_providers(services: Services) -> UserProviders:
    return services.user_providers


async def get_catalog(services: Services) -> ModelCatalog:
    return services.catalog


async def get_jobs(services: Services) -> GenerationManager:
    return services.jobs


async def get_router(services: Services) -> Router:
    return services.router


async def get_keys(services: Services) -> ProviderKeys:
    return services.keys


async def get_login_guard(services: Services) -> LoginGuard:
    return services.login_guard


async def get_images(services: Services) -> ImageService:
    return services.images


async def get_voice(services: Services) -> VoiceService:
    return services.voice


async def get_attachments(services: Services) -> AttachmentService:
    return services.attachments


async def get_media(services: Services) -> MediaStore:
    return services.media


async def get_usage_writer(services: Services) -> UsageWriter:
    return services.usage_writer


async def get_budgets(services: Services) -> Budgets:
    return services.budgets


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_db)]
ProvidersDep = Annotated[ProviderRegistry, Depends(get_providers)]
UserProvidersDep = Annotated[UserProviders, Depends(get_user_providers)]
CatalogDep = Annotated[ModelCatalog, Depends(get_catalog)]
JobsDep = Annotated[GenerationManager, Depends(get_jobs)]
RouterDep = Annotated[Router, Depends(get_router)]
KeysDep = Annotated[ProviderKeys, Depends(get_keys)]
LoginGuardDep = Annotated[LoginGuard, Depends(get_login_guard)]
UsageWriterDep = Annotated[UsageWriter, Depends(get_usage_writer)]
ImagesDep = Annotated[ImageService, Depends(get_images)]
MediaDep = Annotated[MediaStore, Depends(get_media)]
AttachmentsDep = Annotated[AttachmentService, Depends(get_attachments)]
VoiceDep = Annotated[VoiceService, Depends(get_voice)]
BudgetsDep = Annotated[Budgets, Depends(get_budgets)]


async def get_current_user(request: Request, services: Services) -> User:
    """The signed-in user of a web-app (``/api``) request, or 401.

    ``password``: the session cookie; ``trusted-header``: the proxy's header (only from trusted
    proxies); ``none``: the owner. Each user is also held to the per-user request rate limit.
    """
    user = await resolve_user(request, services.settings, services.db)
    if user is None:
        raise Unauthorized("sign in first")
    limiter = services.rate_limiter
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


def valid_device_id(value: str | None) -> str | None:
    """The client's device id (``X-Device-Id``); malformed ids are ignored rather than stored."""
    return value if value and _DEVICE_ID.match(value) else None


async def get_device_id(x_device_id: Annotated[str | None, Header()] = None) -> str | None:
    return valid_device_id(x_device_id)


DeviceId = Annotated[str | None, Depends(get_device_id)]


def presented_token(request: Request) -> str | None:
    """An API token sent as ``Authorization: Bearer …`` or ``x-api-key: …`` (the two are equivalent)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.headers.get("x-api-key", "").strip() or None


async def get_api_user(request: Request, services: Services) -> ApiPrincipal:
    """The caller of a ``/v1`` request: the user of a valid API token, or 401.

    ``LLM_ROUTER_AUTH=none``: no token is needed (SDKs always send one, so an unknown one means the owner).
    """
    token = presented_token(request)
    principal: ApiPrincipal | None = None
    if token is not None:
        try:
            principal = await services.token_verifier.verify(token)
        except AppError:
            if services.settings.auth != "none":
                raise
    if principal is None:
        if services.settings.auth != "none":
            raise invalid_token()
        # single-user mode on an isolated network: no account or token to protect, so no rate limit
        principal = ApiPrincipal(user_id=OWNER_USER_ID, username="owner", token_id=None)
    else:
        limiter = services.rate_limiter
        if limiter is not None:
            await limiter.check(f"token:{principal.token_id}")
    return principal


ApiUser = Annotated[ApiPrincipal, Depends(get_api_user)]


async def get_reader_id(request: Request, services: Services) -> str:
    """A user reading their own data: an API token's user when one is sent, else the signed-in user."""
    if presented_token(request) is not None:
        return (await get_api_user(request, services)).user_id
    return (await get_current_user(request, services)).id


ReaderId = Annotated[str, Depends(get_reader_id)]


async def get_caller_providers(principal: ApiUser, services: Services) -> ProviderRegistry:
    """The ``/v1`` caller's view of the providers: the instance's with their own keys on top."""
    return await services.user_providers.for_user(principal.user_id)


CallerProviders = Annotated[ProviderRegistry, Depends(get_caller_providers)]
