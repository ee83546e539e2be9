"""A fake OpenAI + Anthropic server on loopback, for tests, benchmarks and a demo mode.

It speaks both wire formats the way the real services do, so the official SDKs parse it unchanged, and
plays scripted behaviours (text pieces, tool calls, delays, errors, broken streams)::

    with FakeProvider() as fake:
        fake.enqueue(Behaviour(chunks=["Hel", "lo"]))
        client = OpenAI(base_url=fake.openai_base_url, api_key="sk-fake")

Run alone (for benchmarks): ``python -m llm_router.testing.fake_provider --port 9100 --chunks 20``.
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Callable, Sequence
from types import TracebackType

import uvicorn

from llm_router.testing.http_app import DEFAULT_TRANSCRIPT, FakeState, build_app
from llm_router.testing.local_server import LocalServer
from llm_router.testing.playback import quiet_connection_cuts
from llm_router.testing.script import Behaviour, RecordedRequest

DEFAULT_MODELS = ("gpt-4o-mini", "gpt-4o", "claude-haiku-4-5", "claude-sonnet-4-6")
START_TIMEOUT = 30.0


class FakeProvider:
    """The fake server. ``models``: when given, other model ids get a 404 (else any id is accepted and
    ``/v1/models`` lists ``DEFAULT_MODELS``). ``api_key``: when given, any other key gets a 401 (else any
    non-empty key is accepted; a request without one always gets a 401)."""

    def __init__(
        self,
        models: Sequence[str] | None = None,
        *,
        api_key: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self._initial_models = list(models) if models is not None else None
        self._initial_key = api_key
        self.state = FakeState(self._initial_models, api_key, list(DEFAULT_MODELS))
        config = uvicorn.Config(
            build_app(self.state),
            host=host,
            port=port,
            log_config=None,
            access_log=False,
            lifespan="off",
            backlog=4096,  # benchmarks open a thousand streams at once
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None
        self.url = ""

    # ------------------------------------------------------------ lifecycle

    def start(self) -> FakeProvider:
        quiet_connection_cuts()
        self._thread = threading.Thread(target=self._server.run, name="fake-provider", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("fake provider failed to start (is the port free?)")
            if time.monotonic() > deadline:
                raise RuntimeError(f"fake provider did not start within {START_TIMEOUT:.0f} s")
            time.sleep(0.005)
        host, port = self._server.servers[0].sockets[0].getsockname()[:2]
        self.url = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        # force_exit: streams still playing a long scripted delay must not hold the shutdown
        self._server.should_exit = True
        self._server.force_exit = True
        if self._thread is not None:
            self._thread.join(timeout=15)
            self._thread = None

    def __enter__(self) -> FakeProvider:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # ------------------------------------------------------------ addresses

    @property
    def openai_base_url(self) -> str:
        return self.url + "/v1"

    @property
    def anthropic_base_url(self) -> str:
        return self.url

    # ------------------------------------------------------------ scripting

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received since the last ``reset()``, oldest first."""
        return self.state.requests

    @property
    def models(self) -> list[str] | None:
        return self.state.models

    @models.setter
    def models(self, models: Sequence[str] | None) -> None:
        self.state.models = list(models) if models is not None else None

    @property
    def api_key(self) -> str | None:
        return self.state.api_key

    @api_key.setter
    def api_key(self, key: str | None) -> None:
        self.state.api_key = key

    @property
    def local_server(self) -> LocalServer | None:
        """Local-server mode: report this window (``/props`` or ``/api/show``) and hold chats to it."""
        return self.state.local_server

    @local_server.setter
    def local_server(self, server: LocalServer | None) -> None:
        self.state.local_server = server

    def enqueue(self, behaviour: Behaviour, model: str | None = None) -> None:
        """Answer the next request (for ``model``, or any model when None) with ``behaviour``; FIFO."""
        self.state.enqueue(behaviour, model)

    def set_default(self, behaviour: Behaviour) -> None:
        """The behaviour for requests that no queued behaviour matches."""
        self.state.default = behaviour

    def release(self) -> None:
        """Let the streams paused by ``Behaviour(pause_after=K)`` go on."""
        self.state.gate.release()

    def wait_until_paused(self, count: int = 1, timeout: float = 30.0) -> None:
        """Block until ``count`` streams are paused (their first K pieces are sent)."""
        self._wait_for(lambda: self.state.gate.paused >= count, timeout, f"{count} paused stream(s)")

    def wait_until_none_paused(self, timeout: float = 30.0) -> None:
        """Block until no stream is paused: released, or its client hung up (a paused stream watches
        its connection and stops when the client closes it)."""
        self._wait_for(lambda: self.state.gate.paused == 0, timeout, "paused streams end")

    def wait_for_requests(self, count: int, timeout: float = 30.0) -> list[RecordedRequest]:
        """Block until ``count`` requests have arrived, e.g. from a background job; returns them all."""
        self._wait_for(lambda: len(self.requests) >= count, timeout, f"{count} request(s)")
        return self.requests

    @staticmethod
    def _wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError(f"the fake provider saw no {what} within {timeout:.0f} s")
            time.sleep(0.005)

    def reset(self) -> None:
        """Back to a fresh server: no queue, no recorded requests, echo default, initial models and key."""
        self.state.clear_queue()
        self.state.requests.clear()
        self.state.default = Behaviour()
        self.state.models = list(self._initial_models) if self._initial_models is not None else None
        self.state.api_key = self._initial_key
        self.state.transcript = DEFAULT_TRANSCRIPT
        self.state.local_server = None
        self.state.gate.release()  # a stream a test left paused must not hang the next test

    def serve_forever(self) -> None:
        """Run in the calling thread until interrupted (the command-line mode)."""
        quiet_connection_cuts()
        self._server.run()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake OpenAI/Anthropic provider for tests and benchmarks.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--chunks", type=int, default=0, help="reply pieces (0: echo the last user message)")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each piece")
    parser.add_argument("--first-byte-delay", type=float, default=0.0)
    parser.add_argument("--api-key", default=None, help="accept only this key (default: any non-empty key)")
    parser.add_argument("--models", default=None, help="comma-separated model ids to accept (default: any)")
    args = parser.parse_args(argv)
    fake = FakeProvider(
        models=args.models.split(",") if args.models else None,
        api_key=args.api_key,
        host=args.host,
        port=args.port,
    )
    chunks = [f"word{i} " for i in range(args.chunks)] if args.chunks else None
    fake.set_default(Behaviour(chunks=chunks, delay=args.delay, first_byte_delay=args.first_byte_delay))
    print(f"fake provider on http://{args.host}:{args.port} (OpenAI base URL: /v1)", flush=True)
    fake.serve_forever()


if __name__ == "__main__":
    main()
