"""Wiring of the security pieces into the app: middleware, limiters, the key vault at start-up."""

from __future__ import annotations

import ipaddress
import logging

from fastapi import FastAPI

from llm_router.api.protection import BodyLimitMiddleware, CsrfMiddleware, SecurityHeadersMiddleware
from llm_router.core.errors import StartupError
from llm_router.core.settings import Settings
from llm_router.db.engine import Database
from llm_router.providers.config import load_provider_configs
from llm_router.providers.registry import ProviderRegistry
from llm_router.services.accounts.auth import LoginGuard
from llm_router.services.accounts.limits import (
    RateLimiter,
    RedisFailureThrottle,
    RedisLimits,
    RedisRateLimiter,
)
from llm_router.services.keys.ssrf import AddressPolicy
from llm_router.services.keys.ssrf_client import provider_client_factory
from llm_router.services.keys.user_providers import UserProviders
from llm_router.services.keys.vault import Vault, open_cipher, publish

log = logging.getLogger(__name__)


def install_security(app: FastAPI, settings: Settings) -> None:
    """Middleware and limiters; call before the request-log middleware (which stays outermost)."""
    install_limits(app, settings)
    policy = AddressPolicy.from_entries(settings.allowed_private_hosts)
    app.state.provider_http_client_factory = provider_client_factory(policy)
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(CsrfMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)


def install_limits(app: FastAPI, settings: Settings) -> None:
    """Login throttle and request rate limits: in Redis when there is one (shared by every process)."""
    per_minute = settings.rate_limit_per_minute
    # The rate limits keep one account or token from starving the others; with LLM_ROUTER_AUTH=none
    # there is only the owner, and a limit would only throttle the owner's own tools.
    limited = settings.auth != "none"
    if not settings.redis_url:
        app.state.redis_limits = None
        app.state.login_guard = LoginGuard()
        app.state.rate_limiter = RateLimiter(per_minute) if limited else None
        return
    redis = app.state.redis_limits = RedisLimits(settings.redis_url)
    app.state.login_guard = LoginGuard(
        RedisFailureThrottle(redis, "account"), RedisFailureThrottle(redis, "ip")
    )
    app.state.rate_limiter = RedisRateLimiter(redis, per_minute) if limited else None


async def stop_security(app: FastAPI) -> None:
    redis: RedisLimits | None = getattr(app.state, "redis_limits", None)
    if redis is not None:
        await redis.close()


async def start_security(app: FastAPI, settings: Settings, db: Database) -> None:
    """Open the key vault (a wrong or missing master key stops start-up) and publish its providers."""
    warn_if_exposed(settings)
    cipher = await open_cipher(settings, db)
    vault = Vault(
        db, cipher, AddressPolicy.from_entries(settings.allowed_private_hosts), user_keys=settings.user_keys
    )
    app.state.vault = vault
    app.state.user_providers = UserProviders(vault, lambda: _instance_providers(app))
    if not hasattr(app.state, "static_provider_configs"):
        try:
            app.state.static_provider_configs = load_provider_configs(settings)
        except StartupError:
            app.state.static_provider_configs = []  # the provider registry reports a broken file itself
    await publish(getattr(app.state, "registry", None), vault)


def _instance_providers(app: FastAPI) -> ProviderRegistry:
    registry: ProviderRegistry = app.state.providers
    return registry


def warn_if_exposed(settings: Settings) -> None:
    if settings.auth == "none" and not _is_loopback(settings.host):
        log.warning(
            "LLM_ROUTER_AUTH=none while listening on %s: anyone who can reach this address acts as the "
            "owner; use LLM_ROUTER_AUTH=password unless this network is isolated",
            settings.host,
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
