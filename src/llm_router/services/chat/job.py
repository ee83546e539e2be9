"""One generation job: stream an answer from the provider into a message, whatever its watchers do.

The job runs the turn's routing plan (``Router.start``: a route's models in order, until one produces
its first event; a failure after that ends the answer ``error`` with its text kept, since no other model
can take that text back). It grows a ``LiveMessage`` for subscribers in this process, publishes the same
deltas to Redis for other processes, and a flusher writes the text so far to the database every half
second (so a crash loses at most about that much). The final write stores text, tokens, cost, timings,
outcome, the model that answered and the attempts made (``params.attempts``), plus one usage event, in
one transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import func, update

from llm_router.core.ids import utcnow
from llm_router.db.engine import Database
from llm_router.db.models import Conversation, Message
from llm_router.providers.base import Finish, ReasoningDelta, TextDelta, UpstreamError
from llm_router.providers.registry import ResolvedModel
from llm_router.services.chat.conversations import RUNNING_STATUSES
from llm_router.services.chat.live import LiveMessage, RedisRelay, SafePublisher
from llm_router.services.chat.presence import Presence
from llm_router.services.chat.turns import JobSpec
from llm_router.services.routing import Router
from llm_router.services.usage.records import UsageEvent, add_usage

log = logging.getLogger(__name__)

FLUSH_INTERVAL = 0.5  # seconds between writes of the partial text ("at least once a second")
HEARTBEAT_INTERVAL = 1.0  # rewrite even without new text, so other processes can tell it is alive

StopReason = Literal["cancelled", "interrupted"]


@dataclass(slots=True)
class Outcome:
    status: str = "complete"
    finish_reason: str | None = None
    error: str | None = None
    error_kind: str | None = None
    dropped: tuple[str, ...] = ()  # parameters the model refuses, left out of the request


class GenerationJob:
    def __init__(
        self,
        spec: JobSpec,
        db: Database,
        router: Router,
        relay: RedisRelay | None,
        presence: Presence | None = None,
    ) -> None:
        self.spec = spec
        self.presence = presence
        self.watched = False  # a page watched the conversation when the answer ended
        self.db = db
        self.live = LiveMessage(spec.message_id, spec.prefix_text, spec.prefix_reasoning)
        self.publisher = SafePublisher(relay, spec.message_id)
        self.stop_reason: StopReason | None = None
        self.task: asyncio.Task[None] | None = None
        self.router = router
        self.route_run = router.run(spec.plan)
        self.final_status: str | None = None
        self.usage_event: UsageEvent | None = None  # the row stored with the answer (for metrics)
        self.message: Message | None = None  # the row as stored when the turn started (for watchers)
        self.final_message: Message | None = None  # the row as the final write stored it

    def stop(self, reason: StopReason) -> None:
        """Stop the upstream call (cancelling the task closes the SDK's HTTP stream)."""
        if self.task is not None and not self.task.done():
            self.stop_reason = self.stop_reason or reason
            self.route_run.stop(self.stop_reason)
            self.task.cancel()

    async def run(self) -> None:
        flusher = asyncio.create_task(self._flush_loop(), name=f"flush-{self.spec.message_id}")
        outcome = Outcome()
        try:
            await self.publisher.publish("start", 0)
            for kind, prefix in (("text", self.live.text), ("reasoning", self.live.reasoning)):
                if prefix:  # a continued message: other processes rebuild the text from offset 0
                    await self.publisher.publish(kind, 0, prefix)
            await self._stream(outcome)
        except UpstreamError as exc:
            outcome = Outcome("error", "error", _error_text(exc, self.route_run.report.attempts), exc.kind)
            log.info("generation %s: upstream %s: %s", self.spec.message_id, exc.kind, exc.message)
        except asyncio.CancelledError:
            reason = self.stop_reason or "interrupted"
            outcome = Outcome(reason, None, _stop_message(reason), None)
        except Exception:  # a bug must not leave the message streaming forever
            log.exception("generation %s failed", self.spec.message_id)
            outcome = Outcome("error", "error", "internal error while generating; try again", "internal")
        finally:
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher
        await self._finish(outcome)

    @property
    def answered_by(self) -> ResolvedModel | None:
        return self.route_run.answering

    async def _stream(self, outcome: Outcome) -> None:
        await self.router.start(self.route_run)  # raises when no model produced a first event
        async for event in self.route_run.events():
            match event:
                case TextDelta(text=text) | ReasoningDelta(text=text) if text:
                    kind: Literal["text", "reasoning"] = (
                        "text" if isinstance(event, TextDelta) else "reasoning"
                    )
                    start = len(self.live.text if kind == "text" else self.live.reasoning)
                    self.live.append(kind, text)
                    await self.publisher.publish(kind, start, text)
                case Finish(reason=reason, metadata=metadata):
                    outcome.finish_reason = reason
                    outcome.dropped = tuple(metadata.get("dropped", ()))

    async def _flush_loop(self) -> None:
        written = (-1, -1)
        last_write = 0.0
        while True:
            await asyncio.sleep(FLUSH_INTERVAL)
            now = (len(self.live.text), len(self.live.reasoning))
            if now == written and time.monotonic() - last_write < HEARTBEAT_INTERVAL:
                continue
            if not await self._write_partial():
                # Cancelled from another process (or deleted): the row is no longer running.
                self.stop("cancelled")
                return
            written, last_write = now, time.monotonic()

    def _who(self) -> dict[str, Any]:
        """The model that answered, else the last one asked, else the first choice (nothing ran yet)."""
        model, provider = self.route_run.who
        return {"model": model, "provider": provider}

    async def _write_partial(self) -> bool:
        async with self.db.write() as session:
            result = await session.execute(
                update(Message)
                .where(Message.id == self.spec.message_id, Message.status.in_(RUNNING_STATUSES))
                .values(
                    content=self.live.text,
                    reasoning_content=self.live.reasoning,
                    status="streaming",
                    updated_at=utcnow(),
                    **(self._who() if self.route_run.answered else {}),  # the model that answers
                )
            )
        return bool(getattr(result, "rowcount", 1))

    async def _finish(self, outcome: Outcome) -> None:
        spec = self.spec
        report = self.route_run.report  # priced: the answer and a local-first probe spent on the way
        usage, cost = report.usage, report.cost
        params = {**spec.params, "attempts": list(report.attempts)}
        if outcome.dropped:  # shown where the user set them: "/temp 0.3" struck, with the reason
            params["dropped"] = list(outcome.dropped)
        async with self.db.write() as session:
            # RETURNING: the stored row comes back from the write itself, so a watcher arriving just after
            # the end is answered from memory (``GenerationManager.finished_message``)
            stored = await session.scalars(
                update(Message)
                .where(Message.id == spec.message_id)
                .values(
                    content=self.live.text,
                    reasoning_content=self.live.reasoning,
                    status=outcome.status,
                    finish_reason=outcome.finish_reason,
                    error=outcome.error,
                    error_kind=outcome.error_kind,
                    tokens_in=Message.tokens_in + usage.input_tokens,
                    tokens_out=Message.tokens_out + usage.output_tokens,
                    tokens_reasoning=Message.tokens_reasoning + usage.reasoning_tokens,
                    tokens_cached=Message.tokens_cached + usage.cached_tokens,
                    **({"tokens_estimated": True} if report.usage_estimated else {}),
                    cost=None if cost is None else func.coalesce(Message.cost, 0.0) + cost,
                    latency_ms=report.latency_ms,
                    ttft_ms=report.ttft_ms,
                    params=params,
                    updated_at=utcnow(),
                    model=report.model,
                    provider=report.provider,
                )
                .returning(Message)
            )
            self.final_message = stored.one_or_none()
            await session.execute(
                update(Conversation)
                .where(Conversation.id == spec.conversation_id)
                .values(total_cost=Conversation.total_cost + (cost or 0.0), updated_at=utcnow())
            )
            # One row for the message, as ``/v1`` writes one per request: ``attempts`` lists every
            # upstream call (model, provider, outcome, latency), failed ones included.
            event = report.usage_event(
                owner_id=spec.owner_id,
                source="chat",
                device_id=spec.device_id,
                conversation_id=spec.conversation_id,
                message_id=spec.message_id,
            )
            add_usage(session, event)
        self.usage_event = event
        self.final_status = outcome.status
        # taken before the watchers are woken: a watcher's stream ends soon after ``finish``
        self.watched = self.presence is not None and self.presence.is_watched(spec.conversation_id)
        self.live.finish()
        await self.publisher.publish("done", 0, outcome.status)
        log.info(
            "generation %s: %s via %s (%s), %d+%d tokens, %s ms",
            spec.message_id,
            outcome.status,
            report.model,
            report.route,
            usage.input_tokens,
            usage.output_tokens,
            report.latency_ms,
        )


def _error_text(exc: UpstreamError, attempts: tuple[dict[str, Any], ...]) -> str:
    """The last failure, and when a chain was tried, what happened to each model before it."""
    if len(attempts) < 2:
        return exc.message
    tried = ", ".join(f"{a['model']}: {a['outcome']}" for a in attempts)
    return f"{exc.message} (tried {tried})"


def _stop_message(reason: StopReason) -> str | None:
    if reason == "cancelled":
        return None  # the user asked for it: nothing to explain
    return "interrupted: the server stopped before the answer finished; continue or regenerate it"
