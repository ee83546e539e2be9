"""Durable background generation: ``GenerationManager`` (``app.state.jobs``) owns this process's jobs.

A job is an asyncio task independent of any HTTP connection: closing the tab changes nothing. At
start-up, messages left ``pending``/``streaming`` by an earlier process become ``interrupted`` (their
text kept); a graceful shutdown interrupts the running ones the same way. On PostgreSQL several
processes may share the database, so only messages whose job stopped writing its heartbeat are
interrupted, by a periodic sweep.

Every turn is planned by the routing service over the user's own view of the models, so the web chat
follows the routes file (aliases, fallback chains, local-first) and ``#no_cloud`` as ``/v1`` does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any

from sqlalchemy import update

from llm_router.core.ids import utcnow
from llm_router.db.engine import Database
from llm_router.db.models import Message
from llm_router.providers.base import Usage
from llm_router.providers.pricing import cost_of
from llm_router.services.chat import turns
from llm_router.services.chat.choice import ModelChoice, ModelResolver, ResolvedModel
from llm_router.services.chat.conversations import RUNNING_STATUSES, get_message, owned_message
from llm_router.services.chat.job import GenerationJob
from llm_router.services.chat.live import LiveMessage, RedisRelay
from llm_router.services.chat.titles import improve_title
from llm_router.services.routing.cache import ResponseCache
from llm_router.services.routing.config import RoutesFile
from llm_router.services.routing.router import Router

log = logging.getLogger(__name__)

INTERRUPTED_ERROR = "interrupted: the server stopped before the answer finished; continue or regenerate it"
STALE_AFTER = timedelta(seconds=10)  # no heartbeat for this long: the job's process is gone
SWEEP_INTERVAL = 2.0
STOP_TIMEOUT = 10.0


def price_of(model: ResolvedModel, usage: Usage) -> float | None:
    return cost_of(model.provider.name, model.model_id, usage, is_local=model.is_local)


class _Planning:
    """A user's ``ModelResolver`` as the router's resolver (planning never lists models)."""

    def __init__(self, resolver: ModelResolver) -> None:
        self._resolver = resolver

    def resolve(self, name: str) -> ResolvedModel:
        return self._resolver.resolve(name)

    def available_ids(self) -> list[str]:
        return []


class GenerationManager:
    def __init__(
        self,
        db: Database,
        resolver: ModelResolver,
        relay: RedisRelay | None = None,
        *,
        owner_resolver: Callable[[str], Awaitable[ModelResolver]] | None = None,
        routes: Callable[[], RoutesFile] | None = None,
    ) -> None:
        self.db = db
        self.resolver = resolver
        self.owner_resolver = owner_resolver  # each user's own keys on top of the instance's
        self.routes = routes or RoutesFile  # the routes file ``/v1`` uses (none: models by name only)
        self._cache = ResponseCache()  # required by ``Router``; chat runs never use it (``run_of``)
        self.relay = relay
        self._jobs: dict[str, GenerationJob] = {}
        self._background: set[asyncio.Task[None]] = set()
        self._sweeper: asyncio.Task[None] | None = None

    # ------------------------------------------------------------ life cycle

    async def start(self) -> None:
        count = await self.interrupt_orphans(all_running=self.db.is_sqlite)
        if count:
            log.info("marked %d unfinished answer(s) from an earlier run as interrupted", count)
        if not self.db.is_sqlite:
            self._sweeper = asyncio.create_task(self._sweep_forever(), name="generation-sweeper")

    async def stop(self) -> None:
        """Graceful shutdown: running answers end ``interrupted`` with their text stored."""
        if self._sweeper is not None:
            self._sweeper.cancel()
        for job in list(self._jobs.values()):
            job.stop("interrupted")
        for task in list(self._background):
            task.cancel()
        pending = [job.task for job in self._jobs.values() if job.task] + list(self._background)
        if pending:
            await asyncio.wait(pending, timeout=STOP_TIMEOUT)
        if self.relay is not None:
            await self.relay.close()

    async def interrupt_orphans(self, *, all_running: bool) -> int:
        """Mark running messages no job of this process owns as interrupted, keeping their text."""
        query = update(Message).where(Message.status.in_(RUNNING_STATUSES))
        if not all_running:
            query = query.where(Message.updated_at < utcnow() - STALE_AFTER)
        if self._jobs:
            query = query.where(Message.id.not_in(list(self._jobs)))
        async with self.db.write() as session:
            result = await session.execute(
                query.values(status="interrupted", error=INTERRUPTED_ERROR, updated_at=utcnow())
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_INTERVAL)
            try:
                await self.interrupt_orphans(all_running=False)
            except Exception:  # a database hiccup must not end the sweeping
                log.exception("sweeping interrupted answers failed")

    # ------------------------------------------------------------ jobs

    def live(self, message_id: str) -> LiveMessage | None:
        job = self._jobs.get(message_id)
        return job.live if job else None

    def running_ids(self) -> list[str]:
        return list(self._jobs)

    def launch(self, spec: turns.JobSpec) -> None:
        job = GenerationJob(spec, self.db, self.relay)
        self._jobs[spec.message_id] = job
        job.task = asyncio.create_task(self._run(job), name=f"generate-{spec.message_id}")

    async def _run(self, job: GenerationJob) -> None:
        try:
            await job.run()
        except Exception:  # the final write failed: the sweep or the next start marks it interrupted
            log.exception("storing the answer %s failed", job.spec.message_id)
        finally:
            self._jobs.pop(job.spec.message_id, None)
        if job.spec.first_prompt is not None and job.final_status == "complete":
            self._spawn(self._title(job))

    async def _title(self, job: GenerationJob) -> None:
        spec = job.spec
        assert spec.first_prompt is not None
        try:
            await improve_title(
                self.db,
                await self._resolver(spec.owner_id),
                owner_id=spec.owner_id,
                conversation_id=spec.conversation_id,
                prompt=spec.first_prompt,
                answer=job.live.text,
                allow_cloud=_cloud_may_title(job),
            )
        except Exception:  # the first-words title stays; the answer is unaffected
            log.exception("title for conversation %s failed", spec.conversation_id)

    async def _resolver(self, owner_id: str) -> ModelResolver:
        return await self.owner_resolver(owner_id) if self.owner_resolver else self.resolver

    async def _routing(self, owner_id: str) -> turns.ChatRouting:
        resolver = await self._resolver(owner_id)
        return turns.ChatRouting(resolver, Router(self.routes(), _Planning(resolver), price_of, self._cache))

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # ------------------------------------------------------------ turns (store, then start)

    async def send(
        self,
        owner_id: str,
        conversation_id: str,
        content: str,
        parent_id: str | None,
        choice: ModelChoice,
        device_id: str | None,
    ) -> turns.Turn:
        turn = await turns.send_message(
            self.db,
            await self._routing(owner_id),
            owner_id,
            conversation_id,
            content,
            parent_id,
            choice,
            device_id,
        )
        self.launch(turn.spec)
        return turn

    async def edit(self, owner_id: str, message_id: str, content: str, device_id: str | None) -> turns.Turn:
        turn = await turns.edit_message(
            self.db, await self._routing(owner_id), owner_id, message_id, content, device_id
        )
        self.launch(turn.spec)
        return turn

    async def regenerate(
        self, owner_id: str, message_id: str, choice: ModelChoice, device_id: str | None
    ) -> turns.Turn:
        turn = await turns.regenerate_message(
            self.db, await self._routing(owner_id), owner_id, message_id, choice, device_id
        )
        self.launch(turn.spec)
        return turn

    async def resume(self, owner_id: str, message_id: str, device_id: str | None) -> turns.Turn:
        turn = await turns.continue_message(
            self.db, await self._routing(owner_id), owner_id, message_id, device_id
        )
        self.launch(turn.spec)
        return turn

    async def cancel(self, owner_id: str, message_id: str) -> Message:
        """Stop a running answer; its text so far is kept. Finished answers are returned unchanged."""
        message = await get_message(self.db, owner_id, message_id)
        job = self._jobs.get(message_id)
        if job is not None and job.task is not None:
            job.stop("cancelled")
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(job.task)
        elif message.status in RUNNING_STATUSES:
            # Running in another process: its flusher sees the row is no longer running and stops.
            async with self.db.write() as session:
                await session.execute(
                    update(Message)
                    .where(Message.id == message_id, Message.status.in_(RUNNING_STATUSES))
                    .values(status="cancelled", updated_at=utcnow())
                )
        async with self.db.read() as session:
            return await owned_message(session, owner_id, message_id)

    async def stop_conversation(self, conversation_id: str) -> None:
        """Before a conversation is deleted: stop its jobs so none writes into deleted rows."""
        jobs = [j for j in self._jobs.values() if j.spec.conversation_id == conversation_id]
        for job in jobs:
            job.stop("cancelled")
        tasks = [j.task for j in jobs if j.task]
        if tasks:
            await asyncio.wait(tasks, timeout=STOP_TIMEOUT)


def _cloud_may_title(job: GenerationJob) -> bool:
    """A conversation answered locally, or under ``#no_cloud``, never has its text sent to the cloud."""
    answered_by = job.answered_by
    local = answered_by is not None and answered_by.is_local
    prompt = job.spec.first_prompt or ""
    return not (local or job.spec.plan.no_cloud or "#no_cloud" in prompt)
