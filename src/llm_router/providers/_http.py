"""What every protocol module shares: one call made with the adapter's own HTTP client, read here as server-
sent events (or, when the client wants one whole answer, as one JSON body).

The call goes out through ``passthrough.send`` (the same aiohttp pool, ``upstream.py``, auth headers,
retry policy and error mapping as a forwarded request), not through the SDK's ``post``: in the profile the
SDK's request building, option copies and response wrapping were a third of a routed call's time, and
nothing in them is needed here. The SDK client still supplies the auth and protocol headers and its
exception classes (``status_error`` makes the SDK's own exception, so errors map exactly as before), and
serves the model lists (``list_models``) and other endpoints (``post_json``). The adapter turns each event
into ours (``StreamReader``); every failure, before or during the stream, goes through the adapter's one
error mapping; the response is always closed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from typing import Any, ClassVar, Protocol

import httpx2
import orjson

from llm_router.providers import errors, passthrough
from llm_router.providers.activity import CallActivity
from llm_router.providers.base import ChatRequest, Finish, RawRequest, StreamEvent, UpstreamError, Usage
from llm_router.providers.config import ProviderConfig, Timeouts
from llm_router.providers.upstream import HttpClients, Upstream, UpstreamResponse

# Both SDKs run on httpx2 (the Anthropic SDK refuses classic httpx clients), so a caller-supplied SDK
# client (e.g. an SSRF-guarding transport for user-entered endpoints) is an httpx2 one.
HttpClient = httpx2.AsyncClient
NO_KEY = "no-key"  # keyless local servers; an explicit value stops the SDK reading OPENAI_API_KEY


class StreamReader(Protocol):
    """One call's stream, event by event; remembers what only arrives at the end."""

    def read(self, name: bytes, data: bytes, response: UpstreamResponse) -> list[StreamEvent]:
        """Our events for one SSE event; an error event raises what the SDK's own stream would."""
        ...

    def end(self) -> list[StreamEvent] | None:
        """The closing ``Usage``/``Finish`` events, or ``None`` when the stream was cut short."""
        ...


class SdkStreamModel:
    """Base of the adapters: ``stream`` posts ``path`` with ``sdk_client`` and reads the answer with the
    reader ``prepare`` gives. A protocol module sets the class variables and writes ``prepare`` and
    ``list_models``."""

    protocol: ClassVar[str]  # the wire protocol's name (``PROTOCOLS``): requests in it pass through
    path: ClassVar[str]
    sdk_client: ClassVar[type[Any]]  # the SDK's async client class (``AsyncOpenAI``, ``AsyncAnthropic``)
    sdk_errors: ClassVar[errors.SdkErrors]
    log: ClassVar[logging.Logger]

    def __init__(
        self,
        config: ProviderConfig,
        *,
        http_client: HttpClients | None = None,
        max_retries: int = 2,
        timeouts: Timeouts | None = None,
    ) -> None:
        clients = http_client or HttpClients()
        self.provider = config.name
        self.config = config
        self.max_retries = max_retries
        self.timeouts = (timeouts or Timeouts()).for_provider(config)
        self.activity = CallActivity()
        # read (and write, pool) is the longest silence allowed, not a cap on the whole answer
        timeout = httpx2.Timeout(self.timeouts.read, connect=self.timeouts.connect)
        # the hot path (``passthrough.send``, both paths) has its own pool and the same guard
        self.upstream = Upstream(self.timeouts, clients.guard)
        # the SDK's client: model lists, other endpoints, the catalog's window probe
        self.http_client = clients.sdk or httpx2.AsyncClient(
            timeout=timeout,
            limits=httpx2.Limits(max_connections=1000, max_keepalive_connections=100),
            follow_redirects=True,  # as the SDKs' own default client
        )
        self._client: Any = self.sdk_client(
            api_key=config.api_key or NO_KEY,
            base_url=config.base_url,
            max_retries=max_retries,
            timeout=timeout,
            http_client=self.http_client,
        )
        self._raw_headers: dict[str, str] | None = None
        self._urls: dict[str, str] = {}

    def prepare(self, request: ChatRequest) -> tuple[dict[str, Any], StreamReader]:
        """The request body and a reader for its stream."""
        raise NotImplementedError

    async def list_models(self) -> list[str]:
        """The ids the endpoint lists."""
        raise NotImplementedError

    # ------------------------------------------------------------ pass-through (``passthrough.forward``)

    def raw_body(self, raw: RawRequest, model: str) -> tuple[dict[str, Any], bool]:
        """The client's body for this upstream, and whether a usage-only event the client did not ask
        for is to be withheld from it."""
        return {**raw.body, "model": model}, False

    def raw_reader(self) -> StreamReader:
        """A stream reader for a forwarded request (nothing was decided about it)."""
        raise NotImplementedError

    def read_whole(self, body: Any) -> list[StreamEvent]:
        """Our events from a whole (non-streamed) answer."""
        raise NotImplementedError

    def unstreamed(self, body: dict[str, Any]) -> dict[str, Any]:
        """A built (streaming) request body turned into the same request for one whole answer."""
        return {**body, "stream": False}

    @staticmethod
    def decided(event: StreamEvent, reader: StreamReader) -> StreamEvent:
        """A whole answer's ``Finish`` with what ``prepare`` decided (``reader.metadata``) in it."""
        metadata = getattr(reader, "metadata", None)
        if isinstance(event, Finish) and metadata:
            return Finish(event.reason, {**metadata, **event.metadata}, event.logprobs)
        return event

    def raw_headers(self) -> dict[str, str]:
        """What the SDK would send with every call (auth, protocol version), without its telemetry."""
        if self._raw_headers is None:
            headers = {**self._client.default_headers, **self._client.auth_headers}
            self._raw_headers = {
                k: v
                for k, v in headers.items()
                if isinstance(v, str) and not k.lower().startswith("x-stainless")
            }
        return self._raw_headers

    def raw_url(self, path: str) -> str:
        url = self._urls.get(path)
        if url is None:  # the SDK's base URL does not change; building its string was 1 % of a call
            url = self._urls[path] = str(self._client.base_url).rstrip("/") + path
        return url

    def status_error(self, response: httpx2.Response) -> Exception:
        """The SDK's own exception for an error response (already read), so it maps as usual."""
        error: Exception = self._client._make_status_error_from_response(response)
        return error

    # ------------------------------------------------------------ the call

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        self.activity.running += 1  # the catalog does not poll a local server while it answers
        try:
            async for event in self._stream(request):
                yield event
        finally:
            self.activity.running -= 1

    async def _stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        if request.raw is not None and request.raw.protocol == self.protocol:
            async for event in passthrough.forward(self, request, request.raw):
                yield event
            self.activity.succeeded()
            return
        if request.raw is not None and not request.raw.translatable:
            raise UpstreamError(
                "bad_request",
                f"{request.raw.path} is served only by {request.raw.protocol}-protocol providers, and "
                f"{self.provider} speaks {self.protocol}: ask for a model of another provider",
                provider=self.provider,
                model=request.model,
                status=400,
            )
        body, reader = self.prepare(request)
        whole = request.raw is not None and request.raw.body.get("stream") is not True
        if whole:  # the client wants one answer: ask for one, and read it as JSON rather than as SSE
            body = self.unstreamed(body)
        started = time.monotonic()
        response = await passthrough.send(self, request, self.path, orjson.dumps(body))
        self.activity.succeeded()  # the server is up and took the call
        received = False
        if whole:
            try:
                events: list[StreamEvent] | None = self.read_whole(orjson.loads(await response.read()))
            except Exception as exc:
                raise self._fail(exc, request.model, mid_stream=True) from None
            finally:
                response.close()
            for event in self.closing(events, request, received=True, started=started):
                yield self.decided(event, reader)
            return
        try:
            async for name, data in sse_events(response):
                for event in reader.read(name, data, response):
                    received = True
                    yield event
        except Exception as exc:
            raise self._fail(exc, request.model, mid_stream=True) from None
        finally:
            response.close()  # a client gone mid-stream (cancelled here) drops the upstream connection
        for event in self.closing(reader.end(), request, received=received, started=started):
            yield event

    def closing(
        self,
        events: list[StreamEvent] | None,
        request: ChatRequest,
        *,
        received: bool,
        started: float,
        via: str = "",
    ) -> list[StreamEvent]:
        """A finished call's closing events (``Usage``, ``Finish``), logged in one line. ``None`` (no proper
        end) is a cut stream, or with nothing received at all, how a local server answers a prompt past its
        window: both the translated and the passed-through path read it the same way."""
        if events is None:
            cut = errors.cut_short(self.provider, request.model, empty=not received)
            raise self._fail(cut, request.model, mid_stream=True)
        usage = next((e for e in events if isinstance(e, Usage)), Usage())
        self.log.info(
            "upstream %s/%s%s: %s in %d ms, %d in / %d out tokens",
            self.provider,
            request.model,
            via,
            getattr(events[-1], "reason", "?") if events else "?",
            (time.monotonic() - started) * 1000,
            usage.input_tokens,
            usage.output_tokens,
        )
        return events

    async def post_json(self, path: str, body: dict[str, Any], model: str) -> Any:
        """One non-streamed JSON call to another endpoint of the same API (images, embeddings…), with
        the adapter's auth, retries and error mapping."""
        try:
            response: httpx2.Response = await self._client.post(path, body=body, cast_to=httpx2.Response)
            return response.json()
        except Exception as exc:
            raise self._fail(exc, model, mid_stream=False) from None

    async def post_raw(
        self, path: str, body: dict[str, Any], model: str, files: list[tuple[str, Any]] | None = None
    ) -> httpx2.Response:
        """Like ``post_json`` for answers that are bytes (speech) or requests sent as multipart
        (``files``: transcriptions); the response is read whole."""
        options = {"headers": {"Content-Type": "multipart/form-data"}} if files else {}
        try:
            response: httpx2.Response = await self._client.post(
                path, body=body, files=files, options=options, cast_to=httpx2.Response
            )
            await response.aread()
            return response
        except Exception as exc:
            raise self._fail(exc, model, mid_stream=False) from None

    async def aclose(self) -> None:
        await self.upstream.aclose()
        await self._client.close()

    def _fail(self, exc: Exception, model: str, *, mid_stream: bool) -> UpstreamError:
        error = errors.map_error(exc, self.config, model, mid_stream=mid_stream, sdk=self.sdk_errors)
        return errors.log_failure(self.log, exc, error, self.sdk_errors, mid_stream=mid_stream)


async def sse_events(response: UpstreamResponse) -> AsyncIterator[tuple[bytes, bytes]]:
    """Server-sent events read straight from the upstream's response: ``(event, data)`` of each
    event; ``event`` is empty when the server names none, multi-line data is joined with newlines. Lines
    end in LF or CRLF (what every LLM API sends)."""
    buffer = b""
    event = b""
    data: list[bytes] = []
    async for chunk in response.chunks():
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            if line.endswith(b"\r"):
                line = line[:-1]
            if not line:  # a blank line ends the event
                if data:
                    yield event, b"\n".join(data)
                event, data = b"", []
                continue
            name, _, value = line.partition(b":")
            if value.startswith(b" "):
                value = value[1:]
            if name == b"data":
                data.append(value)
            elif name == b"event":
                event = value
    if data:  # a stream that ended without the final blank line
        yield event, b"\n".join(data)
