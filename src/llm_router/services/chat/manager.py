"""Durable background generation: ``GenerationManager`` (``AppServices.jobs``) owns this process's jobs.

A job is an asyncio task independent of any HTTP connection: closing the tab changes nothing. A
graceful shutdown interrupts the running ones (``interrupted``, their text kept). Messages left
``pending``/``streaming`` by a process that died: when this server is alone on its database (the SQLite
server lock says so), all of them become ``interrupted`` at start-up; and in every case a periodic sweep
interrupts those whose job stopped writing its heartbeat, since several processes may share the
database (``serve --workers N`` on SQLite, replicas on PostgreSQL) and one of them may be killed.

Every turn is planned by the routing service over the user's own view of the models, so the web chat
follows the routes file (aliases, fallback chains, local-first) and ``#no_cloud`` as ``/v1`` does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import ColumnElement, select, update

from llm_router.core.ids import utcnow
from llm_router.db.engine import Database
from llm_router.db.models import Conversation, Message
from llm_router.providers.registry import ProviderRegistry
from llm_router.services.accounts.budgets import Budgets
from llm_router.services.chat import turns
from llm_router.services.chat.attachments import AttachmentLoader
from llm_router.services.chat.conversations import RUNNING_STATUSES, get_message, owned_message
from llm_router.services.chat.job import GenerationJob
from llm_router.services.chat.live import LiveMessage, RedisRelay
from llm_router.services.chat.presence import Presence
from llm_router.services.chat.titles import improve_title
from llm_router.services.chat.turn_input import TurnInput, TurnPlanner
from llm_router.services.chat.window import DEFAULT_POLICY, ContextPolicy
from llm_router.services.routing import Router
from llm_router.services.usage.records import UsageObserver

log = logging.getLogger(__name__)

INTERRUPTED_ERROR = "interrupted: the server stopped before the answer finished; continue or regenerate it"
STALE_AFTER = timedelta(seconds=10)  # no heartbeat for this long: the job's process is gone
SWEEP_INTERVAL = 2.0
STOP_TIMEOUT = 10.0
FINISHED_KEPT = 2.0  # seconds a finished answer's stored row is kept for a watcher that arrives late


ProvidersOf = Callable[[str], Awaitable[ProviderRegistry]]
"""A user's view of the providers: the instance's, with the user's own keys and endpoints on top."""

AnswerHook = Callable[[str, str], Awaitable[None]]
"""Told (owner id, conversation id) after an answer completes, in the background (memory proposals)."""


class Notify(Protocol):
    """``notify(user_id, title, body, url)``: tells a user whose app is closed (Web Push); a newer notice
    with the same ``tag`` replaces an older one."""

    def __call__(
        self, user_id: str, title: str, body: str, url: str, *, tag: str | None = None
    ) -> Awaitable[object]: ...


NOTIFY_STATUSES = ("complete", "error")  # cancelled: the user did it; interrupted: the server stopped


class GenerationManager:
    def __init__(
        self,
        db: Database,
        router: Router,
        providers_of: ProvidersOf,
        relay: RedisRelay | None = None,
        budgets: Budgets | None = None,
        on_usage: UsageObserver | None = None,
        after_answer: AnswerHook | None = None,
        context: ContextPolicy = DEFAULT_POLICY,
        attachments: AttachmentLoader | None = None,
        notify: Notify | None = None,
    ) -> None:
        self.after_answer = after_answer
        self.db = db
        self.context = context  # how a history longer than the model's window is handled
        self.attachments = attachments  # swaps a turn's ``media:`` parts for the files' content
        self.notify = notify  # an answer that ends while no page watches its conversation
        self.presence = Presence()
        self.budgets = budgets
        self.on_usage = on_usage  # told of each stored answer's usage row (metrics)
        self.router = router  # the app's one router (the routes file ``/v1`` follows too)
        self.providers_of = providers_of
        self.relay = relay
        self._jobs: dict[str, GenerationJob] = {}
        # message id -> (until, owner, row as its final write stored it): a fast answer is often complete
        # before its page's GET /stream arrives; that watcher needs no database read either
        self._finished: dict[str, tuple[float, str, Message]] = {}
        self._background: set[asyncio.Task[None]] = set()
        self._sweeper: asyncio.Task[None] | None = None

    # ------------------------------------------------------------ life cycle

    async def open(self, *, alone: bool = False) -> None:
        """At start-up: answers an earlier process left running become ``interrupted`` (all of them
        when no other server shares the database, else those whose heartbeat stopped)."""
        count = await self.interrupt_orphans(all_running=alone)
        if count:
            log.info("marked %d unfinished answer(s) from an earlier run as interrupted", count)
        self._sweeper = asyncio.create_task(self._sweep_forever(), name="generation-sweeper")

    async def close(self) -> None:
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
        return await interrupt_orphans(self.db, all_running=all_running, keep=list(self._jobs))

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

    def running_message(self, owner_id: str, message_id: str) -> Message | None:
        """A copy of the row of an answer this process is generating for ``owner_id``, as stored when
        its turn started, or of one it finished in the last ``FINISHED_KEPT`` seconds, as its final
        write stored it: a watcher's first event needs no database read. ``None`` otherwise."""
        job = self._jobs.get(message_id)
        if job is not None:
            if job.message is None or job.spec.owner_id != owner_id:
                return None
            return _copy(job.message)
        return self.finished_message(owner_id, message_id)

    def finished_message(self, owner_id: str, message_id: str) -> Message | None:
        """A copy of the stored row of an answer this process finished in the last ``FINISHED_KEPT``
        seconds (and no job of this process has changed since), else ``None``."""
        kept = self._finished.get(message_id)
        if kept is None or kept[1] != owner_id:
            return None
        if kept[0] < time.monotonic():
            del self._finished[message_id]
            return None
        return _copy(kept[2])

    def _keep_finished(self, job: GenerationJob) -> None:
        now = time.monotonic()
        for message_id in [k for k, v in self._finished.items() if v[0] < now]:
            del self._finished[message_id]
        if job.final_message is not None:
            self._finished[job.spec.message_id] = (now + FINISHED_KEPT, job.spec.owner_id, job.final_message)

    def launch(self, spec: turns.JobSpec, message: Message | None = None) -> None:
        self._finished.pop(spec.message_id, None)  # continued: the new run's row is the one to serve
        job = GenerationJob(spec, self.db, self.router, self.relay, self.presence)
        job.message = message
        self._jobs[spec.message_id] = job
        job.task = asyncio.create_task(self._run(job), name=f"generate-{spec.message_id}")

    async def _run(self, job: GenerationJob) -> None:
        try:
            await job.run()
        except Exception:  # the final write failed: the sweep or the next start marks it interrupted
            log.exception("storing the answer %s failed", job.spec.message_id)
        finally:
            self._keep_finished(job)
            self._jobs.pop(job.spec.message_id, None)
        if self.on_usage is not None and job.usage_event is not None:
            self.on_usage(job.usage_event)
        if job.spec.first_prompt is not None and job.final_status == "complete":
            self._spawn(self._title(job))
        if self.after_answer is not None and job.final_status == "complete":
            self._spawn(self._after_answer(self.after_answer, job.spec))
        if self.notify is not None and job.final_status in NOTIFY_STATUSES and not job.watched:
            self._spawn(self._announce(job, self.notify))

    async def _after_answer(self, hook: AnswerHook, spec: turns.JobSpec) -> None:
        try:
            await hook(spec.owner_id, spec.conversation_id)
        except Exception:  # background work never touches the answer
            log.exception("after-answer work for conversation %s failed", spec.conversation_id)

    async def _announce(self, job: GenerationJob, notify: Notify) -> None:
        """Tell the user the answer is there: the conversation's title, the answer's first words."""
        spec = job.spec
        try:
            async with self.db.read() as session:
                title = await session.scalar(
                    select(Conversation.title).where(Conversation.id == spec.conversation_id)
                )
            if job.final_status == "complete":
                body = " ".join(job.live.text.split()) or "(empty answer)"
            else:
                body = "the answer failed — open the conversation to retry"
            url = f"/#/c/{spec.conversation_id}"
            await notify(spec.owner_id, title or "answer ready", body, url, tag=spec.conversation_id)
        except Exception:  # a notice is best effort; the answer is stored either way
            log.exception("notifying about answer %s failed", spec.message_id)

    async def _title(self, job: GenerationJob) -> None:
        spec = job.spec
        assert spec.first_prompt is not None
        try:
            await improve_title(
                self.db,
                await self.providers_of(spec.owner_id),
                owner_id=spec.owner_id,
                conversation_id=spec.conversation_id,
                prompt=spec.first_prompt,
                answer=job.live.text,
                allow_cloud=_cloud_may_title(job),
            )
        except Exception:  # the first-words title stays; the answer is unaffected
            log.exception("title for conversation %s failed", spec.conversation_id)

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # ------------------------------------------------------------ turns (store, then start)

    async def start(self, turn: TurnInput) -> turns.Turn:
        """Plan and store ``turn`` in one short transaction, then start its job; returns the messages."""
        over_budget = await self.budgets.exceeded(turn.owner_id) if self.budgets else None
        providers = await self.providers_of(turn.owner_id)
        planner = TurnPlanner(self.router, providers, over_budget, self.context)
        stored = await turns.store_turn(self.db, planner, turn)
        if self.attachments is not None:
            stored.spec.plan = await self.attachments.resolve(turn.owner_id, stored.spec.plan)
        self.launch(stored.spec, stored.assistant_message)
        return stored

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
        for message_id in [k for k, v in self._finished.items() if v[2].conversation_id == conversation_id]:
            del self._finished[message_id]  # a deleted conversation's answers are not served from memory
        jobs = [j for j in self._jobs.values() if j.spec.conversation_id == conversation_id]
        for job in jobs:
            job.stop("cancelled")
        tasks = [j.task for j in jobs if j.task]
        if tasks:
            await asyncio.wait(tasks, timeout=STOP_TIMEOUT)


async def interrupt_orphans(db: Database, *, all_running: bool, keep: list[str] | None = None) -> int:
    """Mark running messages (all, or those without a heartbeat for ``STALE_AFTER``) except ``keep``
    as interrupted, keeping their text. A read first: the sweep takes the write lock only when it has
    something to mark."""
    where: list[ColumnElement[bool]] = [Message.status.in_(RUNNING_STATUSES)]
    if not all_running:
        where.append(Message.updated_at < utcnow() - STALE_AFTER)
    if keep:
        where.append(Message.id.not_in(keep))
    async with db.read() as session:
        if (await session.scalar(select(Message.id).where(*where).limit(1))) is None:
            return 0
    async with db.write() as session:
        result = await session.execute(
            update(Message)
            .where(*where)
            .values(status="interrupted", error=INTERRUPTED_ERROR, updated_at=utcnow())
        )
    return int(getattr(result, "rowcount", 0) or 0)


def _copy(row: Message) -> Message:
    """A detached copy for one watcher (which sets its content from the live text)."""
    return Message(**{a.key: getattr(row, a.key) for a in Message.__mapper__.column_attrs})


def _cloud_may_title(job: GenerationJob) -> bool:
    """A conversation answered locally, or under ``#no_cloud``, never has its text sent to the cloud."""
    answered_by = job.answered_by
    local = answered_by is not None and answered_by.is_local
    prompt = job.spec.first_prompt or ""
    return not (local or job.spec.plan.no_cloud or "#no_cloud" in prompt)
