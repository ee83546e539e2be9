"""The composition root: everything the app needs, built once in one visible order, closed in reverse.

``open_services(settings, routes)`` is used by the app's lifespan; routes reach its typed fields through
the ``Annotated`` dependencies in ``api/deps.py``. Nothing else creates services, and nothing is made
lazily on a first request. The order matters and is written down here only:

1. database (migrated), prices loading in the background;
2. the providers (environment and file, read once by ``create_app``); the SSRF policy; the instance
   provider registry, whose clients for custom endpoints all go through the SSRF-guarded transport
   built from that policy; the catalog;
3. the key vault (a wrong master key stops start-up), users' views, the key-change service, which
   publishes the vault's instance entries into the registry;
4. limits (Redis when configured), the one router, memory proposals, the generation jobs, the scheduler
   of prompts (its loop started here), the usage writer, API tokens;
5. operations: the metrics (fed by the jobs, the usage writer and the request-log middleware), the
   scheduled backups. Before all of it a SQLite server takes its database's server lock, so
   ``db restore`` refuses while it runs.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from fastapi import FastAPI, Request

from llm_router.api.v1 import responses_store as stored_responses
from llm_router.core.periodic import Periodic
from llm_router.core.settings import Settings
from llm_router.db.backup_schedule import BackupSchedule
from llm_router.db.engine import Database
from llm_router.db.migrate import migrate_if_needed
from llm_router.db.server_lock import ServerLock, sqlite_path
from llm_router.providers.catalog import ModelCatalog
from llm_router.providers.config import ProviderConfig, Timeouts, load_provider_configs
from llm_router.providers.pricing import load_prices
from llm_router.providers.registry import ProviderRegistry
from llm_router.services.accounts.auth import LoginGuard
from llm_router.services.accounts.budgets import Budgets
from llm_router.services.accounts.limits import (
    RateLimiter,
    RedisFailureThrottle,
    RedisLimits,
    RedisRateLimiter,
    RequestLimiter,
)
from llm_router.services.accounts.push import PushService
from llm_router.services.accounts.shared_limits import DatabaseFailureThrottle, DatabaseRateLimiter
from llm_router.services.accounts.tokens import TokenVerifier
from llm_router.services.chat.live import RedisRelay
from llm_router.services.chat.manager import GenerationManager
from llm_router.services.chat.window import ContextPolicy
from llm_router.services.keys.provider_keys import ProviderKeys
from llm_router.services.keys.ssrf import AddressPolicy
from llm_router.services.keys.ssrf_client import provider_client_factory
from llm_router.services.keys.user_providers import UserProviders
from llm_router.services.keys.vault import Vault, open_cipher
from llm_router.services.library.memory_proposals import MemoryProposer
from llm_router.services.media.attachments import AttachmentService, Limits
from llm_router.services.media.images import ImageService
from llm_router.services.media.store import MediaStore
from llm_router.services.media.sweep import sweep_unsent
from llm_router.services.media.voice import VoiceService
from llm_router.services.routing import Router, RoutesFile
from llm_router.services.schedules import Scheduler
from llm_router.services.usage.log import UsageWriter
from llm_router.services.usage.metrics import Metrics

log = logging.getLogger(__name__)
HOUR = 3600.0


@dataclass(frozen=True, slots=True)
class AppServices:
    settings: Settings
    db: Database
    providers: ProviderRegistry  # the instance's (environment, file, instance vault keys)
    catalog: ModelCatalog
    vault: Vault
    user_providers: UserProviders  # each user's view: the instance's plus the user's own keys
    keys: ProviderKeys
    login_guard: LoginGuard
    rate_limiter: RequestLimiter | None  # None with LLM_ROUTER_AUTH=none (only the owner)
    router: Router
    jobs: GenerationManager
    usage_writer: UsageWriter
    token_verifier: TokenVerifier
    metrics: Metrics
    media: MediaStore  # image files in the data dir
    images: ImageService
    attachments: AttachmentService  # photos and documents added to chat messages
    voice: VoiceService  # dictation and read-aloud
    budgets: Budgets
    memory: MemoryProposer  # memory proposals by a cheap model (after answers, or on demand)
    scheduler: Scheduler  # scheduled prompts; its loop runs unless LLM_ROUTER_SCHEDULER=false
    push: PushService  # Web Push to users' devices (``notify``)


def provider_registry(
    configs: list[ProviderConfig], policy: AddressPolicy, timeouts: Timeouts | None = None
) -> ProviderRegistry:
    """The instance registry; every client it makes goes through the SSRF guard of ``policy``."""
    return ProviderRegistry(configs, http_client_factory=provider_client_factory(policy), timeouts=timeouts)


@asynccontextmanager
async def open_services(
    settings: Settings,
    routes: RoutesFile,
    configs: list[ProviderConfig] | None = None,
    metrics: Metrics | None = None,
    *,
    migrate: bool = True,
) -> AsyncIterator[AppServices]:
    """Build the services (``configs``: the providers file and environment, when already read;
    ``metrics``: the app's, which its request-log middleware already records into; ``migrate``: False
    when the caller has just migrated the database)."""
    async with AsyncExitStack() as stack:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        alone = False  # no other server shares the database: answers left running are orphans
        if (database_file := sqlite_path(settings.effective_database_url)) is not None:
            server_lock = ServerLock(database_file)
            alone = server_lock.acquire()
            stack.callback(server_lock.release)
        metrics = metrics or Metrics()
        db = Database(settings.effective_database_url)
        stack.push_async_callback(db.dispose)
        if migrate:
            await migrate_if_needed(db)
        configs = load_provider_configs(settings) if configs is None else configs
        if any(not config.is_local for config in configs):
            # genai-prices (0.1 s, 6 MB) loads in a worker thread while the server already answers.
            # Local models cost nothing, so with none but local servers configured it loads only if a
            # priced model turns up (a user's own key), with its first lookup.
            asyncio.get_running_loop().run_in_executor(None, load_prices)
        policy = AddressPolicy.from_entries(settings.allowed_private_hosts)
        providers = provider_registry(configs, policy, Timeouts.from_settings(settings))
        stack.push_async_callback(providers.aclose)
        catalog = ModelCatalog(providers)
        catalog.start()
        stack.push_async_callback(catalog.stop)

        vault = Vault(db, await open_cipher(settings, db), policy, user_keys=settings.user_keys)
        user_providers = UserProviders(vault, lambda: providers)
        stack.push_async_callback(user_providers.aclose)
        keys = ProviderKeys(vault, providers, user_providers, tuple(configs))
        await keys.publish_instance()

        login_guard, rate_limiter, redis = _limits(settings, db)
        if redis is not None:
            stack.push_async_callback(redis.close)

        router = Router(routes)
        budgets = Budgets(db)
        memory = MemoryProposer(db, user_providers.for_user, settings.memory_propose_after)
        media = MediaStore(db, settings.data_dir / "media")
        attachments = AttachmentService(
            db,
            media,
            Limits(
                settings.media_max_file_bytes, settings.media_max_message_bytes, settings.media_max_image_side
            ),
        )
        for sweeper in _sweepers(settings, db, media):
            sweeper.start()
            stack.push_async_callback(sweeper.stop)
        push = PushService(db, settings.data_dir, policy, settings.push_contact)
        stack.push_async_callback(push.aclose)
        jobs = GenerationManager(
            db,
            router,
            user_providers.for_user,
            RedisRelay(settings.redis_url) if settings.redis_url else None,
            on_usage=metrics.observe_usage,
            budgets=budgets,
            after_answer=memory.after_answer,
            attachments=attachments,
            context=ContextPolicy(settings.context_overflow, settings.answer_reserve_tokens),
            notify=push.notify,
        )
        metrics.count_running(lambda: len(jobs.running_ids()))
        await jobs.open(alone=alone)
        stack.push_async_callback(jobs.close)  # running answers end "interrupted", their text stored
        scheduler = Scheduler(db, jobs.start, settings.scheduler_interval)
        if settings.scheduler:
            scheduler.start()  # its first look runs a slot missed while the server was down
            stack.push_async_callback(scheduler.stop)  # before the jobs close (reverse order)
        usage_writer = UsageWriter(db, observer=metrics.observe_usage)
        stack.push_async_callback(usage_writer.drain)  # rows of finished /v1 requests still being written
        backups = BackupSchedule(settings)
        backups.start()
        stack.push_async_callback(backups.stop)

        yield AppServices(
            settings=settings,
            db=db,
            providers=providers,
            catalog=catalog,
            vault=vault,
            user_providers=user_providers,
            keys=keys,
            login_guard=login_guard,
            rate_limiter=rate_limiter,
            router=router,
            jobs=jobs,
            usage_writer=usage_writer,
            token_verifier=TokenVerifier(db),
            metrics=metrics,
            media=media,
            images=ImageService(db, media),
            attachments=attachments,
            voice=VoiceService(db),
            budgets=budgets,
            memory=memory,
            scheduler=scheduler,
            push=push,
        )


def _sweepers(settings: Settings, db: Database, media: MediaStore) -> list[Periodic]:
    """Hourly housekeeping in every server process (each sweep is harmless when several run it): uploads
    left in a discarded draft go after a day, stored /v1/responses after ``responses_keep_days``."""
    sweepers = [Periodic("unsent-upload-sweeper", lambda: sweep_unsent(media), every=HOUR)]
    if settings.responses_keep_days > 0:
        keep = timedelta(days=settings.responses_keep_days)
        sweepers.append(
            Periodic("stored-response-sweeper", lambda: stored_responses.sweep(db, keep), every=HOUR)
        )
    return sweepers


def _limits(settings: Settings, db: Database) -> tuple[LoginGuard, RequestLimiter | None, RedisLimits | None]:
    """Login throttle and request rate limits: in Redis when there is one, in the database with
    several workers and no Redis (shared by every process either way), else in this process's memory."""
    per_minute = settings.rate_limit_per_minute
    # The rate limits keep one account or token from starving the others; with LLM_ROUTER_AUTH=none
    # there is only the owner, and a limit would only throttle the owner's own tools. Off by default
    # (0): an agent's burst of calls on the owner's own token is the normal case, not an abuse.
    limited = settings.auth != "none" and per_minute > 0
    if not settings.redis_url and settings.workers > 1:
        guard = LoginGuard(DatabaseFailureThrottle(db, "account"), DatabaseFailureThrottle(db, "ip"))
        return guard, DatabaseRateLimiter(db, per_minute) if limited else None, None
    if not settings.redis_url:
        return LoginGuard(), RateLimiter(per_minute) if limited else None, None
    redis = RedisLimits(settings.redis_url)
    guard = LoginGuard(RedisFailureThrottle(redis, "account"), RedisFailureThrottle(redis, "ip"))
    return guard, RedisRateLimiter(redis, per_minute) if limited else None, redis


def attach(app: FastAPI, services: AppServices) -> None:
    """Make ``services`` the app's (the lifespan does this once, before the first request)."""
    app.state.services = services


def services_of(request: Request) -> AppServices:
    services: AppServices = request.app.state.services
    return services


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
