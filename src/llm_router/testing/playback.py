"""Playing one scripted answer over ASGI: the delays, the body or stream, and the scripted faults.

The wire formats only turn a ``Script`` into bytes; this module decides when (and whether) they are sent.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from llm_router.testing.script import Behaviour, Frame, Prompt, Script, build_script

JSON = b"application/json"
EVENT_STREAM = b"text/event-stream; charset=utf-8"
OVERFLOW_TEXT = "the request exceeds the available context size, try increasing it"  # llama.cpp's server


class ConnectionCut(Exception):
    """Raised after the response started so that uvicorn drops the connection (a scripted fault)."""


class _DropScriptedCuts(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], ConnectionCut))


_quiet_lock = threading.Lock()
_quiet_installed = False


def quiet_connection_cuts() -> None:
    """Keep uvicorn from logging a traceback for every connection the script drops on purpose."""
    global _quiet_installed
    with _quiet_lock:
        if not _quiet_installed:
            logging.getLogger("uvicorn.error").addFilter(_DropScriptedCuts())
            _quiet_installed = True


@dataclass(frozen=True, slots=True)
class Wire:
    """What differs between the two protocols, as functions of the script."""

    parse: Callable[[Any], Prompt]
    error: Callable[[int, str | None, str], bytes]
    invalid: Callable[[str, str], bytes]
    body: Callable[[Script, Prompt, str, int], bytes]
    frames: Callable[[Script, Prompt, str, int], list[Frame]]
    stream_error: Callable[[int, str | None, str], bytes]
    stream_error_status: int  # what a mid-stream failure usually is for this service
    malformed: bytes
    response_prefix: str
    tool_call_prefix: str
    request_id_header: bytes


class PauseGate:
    """Streams scripted to pause wait here until a test calls ``release()``, from any thread.

    ``release()`` lets go of the streams paused at that moment (an epoch counter), so a test can pause,
    look at the router's state, and resume without guessing how long a delay should be.
    """

    POLL_SECONDS = 0.005

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._epoch = 0
        self.paused = 0  # streams waiting right now

    def release(self) -> None:
        with self._lock:
            self._epoch += 1

    async def wait(self, watcher: _DisconnectWatcher | None) -> bool:
        """Wait for the next ``release()``; True if the client disconnected meanwhile."""
        with self._lock:
            epoch = self._epoch
            self.paused += 1
        try:
            while self._epoch == epoch:
                if watcher and watcher.gone:
                    return True
                await asyncio.sleep(self.POLL_SECONDS)
            return False
        finally:
            with self._lock:
                self.paused -= 1


class ScriptedResponse(Response):
    """Plays one behaviour: delays, the body or stream, and the scripted faults."""

    def __init__(
        self,
        behaviour: Behaviour,
        prompt: Prompt,
        wire: Wire,
        request_id: str,
        gate: PauseGate,
        arrivals: Callable[[], int] = lambda: 0,
    ) -> None:
        self.gate = gate
        self.arrivals = arrivals
        self.behaviour = behaviour
        self.prompt = prompt
        self.wire = wire
        self.request_id = request_id.encode()
        self.status_code = behaviour.status

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        watcher = _DisconnectWatcher(receive) if self._has_delays() else None
        try:
            if (
                watcher
                and self.behaviour.first_byte_delay
                and await watcher.wait(self.behaviour.first_byte_delay)
            ):
                return  # the client gave up: nothing left to send
            await self._play(send, watcher)
        finally:
            if watcher:
                watcher.close()

    def _has_delays(self) -> bool:
        behaviour = self.behaviour
        return bool(behaviour.first_byte_delay or behaviour.delay or behaviour.pause_after is not None)

    async def _play(self, send: Send, watcher: _DisconnectWatcher | None) -> None:
        behaviour = self.behaviour
        if behaviour.overflows(self.prompt):
            await self._overflow(send)
            return
        error_status = behaviour.error_status(self.wire.stream_error_status)
        if error_status is not None and not (self.prompt.stream and behaviour.error_after is not None):
            await self._send_error(send, error_status)
            return
        created = int(time.time())
        response_id = self.wire.response_prefix + uuid.uuid4().hex[:24]
        call_prefix = f"{self.wire.tool_call_prefix}{uuid.uuid4().hex[:20]}_"
        script = build_script(behaviour, self.prompt, call_prefix)
        if self.prompt.stream:
            await self._stream(send, watcher, self.wire.frames(script, self.prompt, response_id, created))
        else:
            if behaviour.delay and watcher and await watcher.wait(behaviour.delay * script.piece_count):
                return
            await self._send_body(send, self.wire.body(script, self.prompt, response_id, created))

    async def _overflow(self, send: Send) -> None:
        """A prompt past ``context_window``: an empty 200 stream, or a 400 with llama.cpp's words."""
        if self.prompt.stream:
            headers = [(b"content-type", EVENT_STREAM), (self.wire.request_id_header, self.request_id)]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        body = self.wire.error(400, OVERFLOW_TEXT, self.request_id.decode())
        headers = [(b"content-type", JSON), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 400, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _send_error(self, send: Send, status: int) -> None:
        behaviour = self.behaviour
        body = self.wire.error(status, behaviour.error_message, self.request_id.decode())
        content_type = JSON
        if behaviour.error_html is not None:
            body, content_type = behaviour.error_html.encode(), b"text/html; charset=utf-8"
        headers = [(b"content-type", content_type), (self.wire.request_id_header, self.request_id)]
        if (retry_after := behaviour.retry_after_header()) is not None:
            headers.append((b"retry-after", retry_after.encode()))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _send_body(self, send: Send, body: bytes) -> None:
        length = len(body)
        if self.behaviour.malformed_at is not None:
            body = body[: length // 2]  # not JSON any more
            length = len(body)
        headers = [
            (b"content-type", JSON),
            (self.wire.request_id_header, self.request_id),
            (b"content-length", str(length).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        if self.behaviour.cut_after is not None:
            await send({"type": "http.response.body", "body": body[: length // 2], "more_body": True})
            raise ConnectionCut
        await send({"type": "http.response.body", "body": body})

    async def _stream(self, send: Send, watcher: _DisconnectWatcher | None, frames: list[Frame]) -> None:
        behaviour = self.behaviour
        cut_at = _frame_index(frames, behaviour.cut_after)
        malformed_at = _frame_index(frames, behaviour.malformed_at)
        error_at = _frame_index(frames, behaviour.error_after)
        pause_at = _frame_index(frames, behaviour.pause_after)
        headers = [
            (b"content-type", EVENT_STREAM),
            (self.wire.request_id_header, self.request_id),
            (b"cache-control", b"no-cache"),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        arrived = self.arrivals()
        for index, (data, is_piece) in enumerate(frames):
            if index == pause_at and await self.gate.wait(watcher):
                return
            if index == cut_at or (behaviour.interruptible and self.arrivals() != arrived):
                raise ConnectionCut
            if index == error_at:
                await send({"type": "http.response.body", "body": self._stream_error(), "more_body": False})
                return
            if index == malformed_at:
                await send({"type": "http.response.body", "body": self.wire.malformed, "more_body": True})
            if is_piece and behaviour.delay:
                await asyncio.sleep(behaviour.delay)
                if watcher and watcher.gone:
                    return
            await send({"type": "http.response.body", "body": data, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    def _stream_error(self) -> bytes:
        status = self.behaviour.error_status(self.wire.stream_error_status) or self.wire.stream_error_status
        return self.wire.stream_error(status, self.behaviour.error_message, self.request_id.decode())


def _frame_index(frames: list[Frame], piece: int | None) -> int | None:
    """Where "before piece K" falls in ``frames``: at piece K, or just after the last piece if fewer."""
    if piece is None:
        return None
    seen = 0
    after_last = 1  # no pieces at all: right after the opening frame
    for index, (_, is_piece) in enumerate(frames):
        if is_piece:
            if seen == piece:
                return index
            seen += 1
            after_last = index + 1
    return after_last


class _DisconnectWatcher:
    """Notices the client leaving while we wait, so a long scripted delay does not outlive it."""

    def __init__(self, receive: Receive) -> None:
        self._left = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._watch(receive))

    async def _watch(self, receive: Receive) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        self._left.set()

    @property
    def gone(self) -> bool:
        return self._left.is_set()

    async def wait(self, seconds: float) -> bool:
        """Sleep ``seconds``; True if the client disconnected meanwhile."""
        try:
            await asyncio.wait_for(self._left.wait(), seconds)
        except TimeoutError:
            return False
        return True

    def close(self) -> None:
        self._task.cancel()
