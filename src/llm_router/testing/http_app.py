"""The fake provider's HTTP side: a Starlette app that records each request and plays its script."""

from __future__ import annotations

import threading
import uuid
from dataclasses import replace
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from llm_router.testing import (
    anthropic_wire,
    audio_wire,
    images_wire,
    local_server,
    openai_wire,
    responses_wire,
)
from llm_router.testing.playback import PauseGate, ScriptedResponse, Wire
from llm_router.testing.script import Behaviour, InvalidRequest, Prompt, RecordedRequest, echo_chunks

REDACTED = "[redacted]"
DEFAULT_TRANSCRIPT = "Hello from the microphone."
_CREDENTIAL_HEADERS = frozenset({"authorization", "x-api-key", "api-key"})


OPENAI = Wire(
    parse=openai_wire.parse_request,
    error=lambda status, message, _request_id: openai_wire.error_body(status, message),
    invalid=lambda message, _request_id: openai_wire.invalid_request_body(message),
    body=openai_wire.completion_body,
    frames=openai_wire.stream_frames,
    stream_error=lambda status, message, _request_id: openai_wire.stream_error_frame(status, message),
    stream_error_status=500,
    malformed=openai_wire.MALFORMED_FRAME,
    response_prefix="chatcmpl-",
    tool_call_prefix="call_",
    request_id_header=b"x-request-id",
)
ANTHROPIC = Wire(
    parse=anthropic_wire.parse_request,
    error=anthropic_wire.error_body,
    invalid=anthropic_wire.invalid_request_body,
    body=lambda script, prompt, message_id, _created: anthropic_wire.message_body(script, prompt, message_id),
    frames=lambda script, prompt, message_id, _created: anthropic_wire.stream_frames(
        script, prompt, message_id
    ),
    stream_error=anthropic_wire.stream_error_frame,
    stream_error_status=529,
    malformed=anthropic_wire.MALFORMED_FRAME,
    response_prefix="msg_",
    tool_call_prefix="toolu_",
    request_id_header=b"request-id",
)
RESPONSES = Wire(
    parse=responses_wire.parse_request,
    error=lambda status, message, _request_id: openai_wire.error_body(status, message),
    invalid=lambda message, _request_id: responses_wire.invalid_request_body(message),
    body=responses_wire.response_body,
    frames=responses_wire.stream_frames,
    stream_error=lambda status, message, _request_id: responses_wire.stream_error_frame(status, message),
    stream_error_status=500,
    malformed=responses_wire.MALFORMED_FRAME,
    response_prefix="resp_",
    tool_call_prefix="call_",
    request_id_header=b"x-request-id",
)


class FakeState:
    """Everything a test can change; shared between the test's thread and the server's event loop."""

    def __init__(self, models: list[str] | None, api_key: str | None, listed_models: list[str]) -> None:
        self.models = models  # None: any model is accepted
        self.api_key = api_key  # None: any non-empty key is accepted
        self.listed_models = listed_models
        self.default = Behaviour()
        self.requests: list[RecordedRequest] = []
        self.arrivals = 0  # requests received so far (an ``interruptible`` answer ends at the next one)
        self.gate = PauseGate()
        self.transcript = DEFAULT_TRANSCRIPT  # what /v1/audio/transcriptions "hears"
        self.local_server: local_server.LocalServer | None = None  # reports and holds to a window
        self._queue: list[tuple[str | None, Behaviour]] = []
        self._lock = threading.Lock()

    def enqueue(self, behaviour: Behaviour, model: str | None) -> None:
        with self._lock:
            self._queue.append((model, behaviour))

    def clear_queue(self) -> None:
        with self._lock:
            self._queue.clear()

    def next_behaviour(self, model: str) -> Behaviour:
        with self._lock:
            for i, (wanted, behaviour) in enumerate(self._queue):
                if wanted is None or wanted == model:
                    del self._queue[i]
                    return behaviour
            return self.default


def presented_key(request: Request) -> str | None:
    if key := request.headers.get("x-api-key"):
        return key
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def _record(state: FakeState, request: Request, body: Any, prompt: Prompt | None) -> None:
    state.arrivals += 1
    headers = {k: REDACTED if k in _CREDENTIAL_HEADERS else v for k, v in request.headers.items()}
    state.requests.append(
        RecordedRequest(
            method=request.method,
            path=request.url.path,
            headers=headers,
            json=body,
            model=prompt.model if prompt else None,
            images=prompt.images if prompt else [],
            api_key=presented_key(request),
            peer=f"{request.client.host}:{request.client.port}" if request.client else None,
        )
    )


def _key_accepted(state: FakeState, request: Request) -> bool:
    key = presented_key(request)
    return key is not None and (state.api_key is None or key == state.api_key)


def _json_response(status: int, body: bytes, request_id: str, wire: Wire) -> Response:
    headers = {wire.request_id_header.decode(): request_id}
    return Response(body, status_code=status, headers=headers, media_type="application/json")


async def handle_chat(request: Request, state: FakeState, wire: Wire) -> Response:
    request_id = f"req_{uuid.uuid4().hex}"
    raw = await request.body()
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        body = None
    try:
        prompt: Prompt | None = wire.parse(body)
        problem = None
    except InvalidRequest as exc:
        prompt, problem = None, str(exc)
    _record(state, request, body, prompt)
    if not _key_accepted(state, request):
        return _json_response(401, wire.error(401, None, request_id), request_id, wire)
    if prompt is None:
        return _json_response(400, wire.invalid(problem or "invalid request", request_id), request_id, wire)
    if state.models is not None and prompt.model not in state.models:
        message = f"The model `{prompt.model}` does not exist or you do not have access to it."
        return _json_response(404, wire.error(404, message, request_id), request_id, wire)
    behaviour = state.next_behaviour(prompt.model)
    if state.local_server is not None and behaviour.context_window is None:
        behaviour = replace(behaviour, context_window=state.local_server.window)
    return ScriptedResponse(behaviour, prompt, wire, request_id, state.gate, lambda: state.arrivals)


async def handle_extra(request: Request, state: FakeState, wire: Wire) -> Response:
    """Embeddings, legacy completions and token counts: recorded, key-checked, answered (no faults)."""
    request_id = f"req_{uuid.uuid4().hex}"
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        body = None
    _record(state, request, body, None)
    if not _key_accepted(state, request):
        return _json_response(401, wire.error(401, None, request_id), request_id, wire)
    if not isinstance(body, dict) or not isinstance(body.get("model"), str):
        return _json_response(400, wire.invalid("model: Field required", request_id), request_id, wire)
    path = request.url.path
    try:
        if path.endswith("/count_tokens"):
            return _json_response(200, anthropic_wire.count_tokens_body(body), request_id, wire)
    except InvalidRequest as exc:
        return _json_response(400, wire.invalid(str(exc), request_id), request_id, wire)
    if path.endswith("/embeddings"):
        return _json_response(200, openai_wire.embeddings_body(body), request_id, wire)
    behaviour = state.next_behaviour(body["model"])
    pieces = list(behaviour.chunks or echo_chunks(str(body.get("prompt"))))
    frames = openai_wire.text_completion(body, pieces, f"cmpl-{uuid.uuid4().hex[:24]}", 1_700_000_000)
    if body.get("stream") is not True:
        return _json_response(200, frames[0], request_id, wire)
    return Response(b"".join(frames), media_type="text/event-stream")


async def handle_images(request: Request, state: FakeState) -> Response:
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        body = None
    _record(state, request, body, None)
    if not _key_accepted(state, request):
        return _json_response(401, openai_wire.error_body(401, None), "req_images", OPENAI)
    try:
        answer = images_wire.generate(body)
    except images_wire.ImageRequestError as exc:
        error = {
            "error": {
                "message": exc.message,
                "type": "invalid_request_error",
                "param": exc.param,
                "code": None,
            }
        }
        return Response(orjson.dumps(error), status_code=exc.status, media_type="application/json")
    return Response(orjson.dumps(answer), media_type="application/json")


def _audio_error(exc: audio_wire.AudioRequestError) -> Response:
    error = {
        "error": {"message": exc.message, "type": "invalid_request_error", "param": exc.param, "code": None}
    }
    return Response(orjson.dumps(error), status_code=exc.status, media_type="application/json")


async def handle_transcription(request: Request, state: FakeState) -> Response:
    async with request.form() as form:
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        upload = form.get("file")
        file = None
        if upload is not None and not isinstance(upload, str):
            file = (upload.filename or "", await upload.read())
    recorded = {
        **fields,
        "file": {
            "filename": file[0],
            "size": len(file[1]),
            "content_type": getattr(upload, "content_type", None),
        }
        if file
        else None,
    }
    _record(state, request, recorded, None)
    if not _key_accepted(state, request):
        return _json_response(401, openai_wire.error_body(401, None), "req_audio", OPENAI)
    try:
        answer, content_type = audio_wire.transcription(fields, file, state.transcript)
    except audio_wire.AudioRequestError as exc:
        return _audio_error(exc)
    body = answer.encode() if isinstance(answer, str) else orjson.dumps(answer)
    return Response(body, media_type=content_type)


async def handle_speech(request: Request, state: FakeState) -> Response:
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        body = None
    _record(state, request, body, None)
    if not _key_accepted(state, request):
        return _json_response(401, openai_wire.error_body(401, None), "req_audio", OPENAI)
    try:
        audio, content_type = audio_wire.speech(body)
    except audio_wire.AudioRequestError as exc:
        return _audio_error(exc)
    return Response(audio, media_type=content_type)


async def handle_local_report(request: Request, state: FakeState) -> Response:
    """llama.cpp's ``GET /props`` and Ollama's ``POST /api/show``, in local-server mode only."""
    server = state.local_server
    if server is None:
        return Response(b"Not Found", status_code=404, media_type="text/plain")
    body: Any = None
    if request.method == "POST":
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            body = None
    _record(state, request, body, None)
    if request.url.path == "/props":
        if server.kind != "llama.cpp":
            return Response(local_server.OLLAMA_NOT_FOUND, status_code=404, media_type="text/plain")
        listed = state.models or state.listed_models
        return Response(server.props(f"models/{listed[0]}.gguf"), media_type="application/json")
    if server.kind != "ollama":
        return Response(local_server.LLAMA_NOT_FOUND, status_code=404, media_type="application/json")
    model = body.get("model") or body.get("name") if isinstance(body, dict) else None
    if not isinstance(model, str) or (state.models is not None and model not in state.models):
        error = {"error": f"model '{model}' not found"}
        return Response(orjson.dumps(error), status_code=404, media_type="application/json")
    return Response(server.show(model), media_type="application/json")


def build_app(state: FakeState) -> Starlette:
    async def chat_completions(request: Request) -> Response:
        return await handle_chat(request, state, OPENAI)

    async def messages(request: Request) -> Response:
        return await handle_chat(request, state, ANTHROPIC)

    async def responses(request: Request) -> Response:
        return await handle_chat(request, state, RESPONSES)

    async def openai_extra(request: Request) -> Response:
        return await handle_extra(request, state, OPENAI)

    async def anthropic_extra(request: Request) -> Response:
        return await handle_extra(request, state, ANTHROPIC)

    async def models(request: Request) -> Response:
        anthropic = "anthropic-version" in request.headers
        wire = ANTHROPIC if anthropic else OPENAI
        _record(state, request, None, None)
        if not _key_accepted(state, request):
            return _json_response(401, wire.error(401, None, ""), "req_models", wire)
        listed = state.models if state.models is not None else state.listed_models
        body = (
            anthropic_wire.models_body(listed)
            if anthropic
            else openai_wire.models_body(listed, 1_700_000_000)
        )
        return Response(body, media_type="application/json")

    async def images(request: Request) -> Response:
        return await handle_images(request, state)

    async def transcriptions(request: Request) -> Response:
        return await handle_transcription(request, state)

    async def speech(request: Request) -> Response:
        return await handle_speech(request, state)

    async def local_report(request: Request) -> Response:
        return await handle_local_report(request, state)

    return Starlette(
        routes=[
            Route("/props", local_report, methods=["GET"]),
            Route("/api/show", local_report, methods=["POST"]),
            Route("/v1/images/generations", images, methods=["POST"]),
            Route("/v1/audio/transcriptions", transcriptions, methods=["POST"]),
            Route("/v1/audio/speech", speech, methods=["POST"]),
            Route("/v1/chat/completions", chat_completions, methods=["POST"]),
            Route("/v1/messages", messages, methods=["POST"]),
            Route("/v1/messages/count_tokens", anthropic_extra, methods=["POST"]),
            Route("/v1/embeddings", openai_extra, methods=["POST"]),
            Route("/v1/completions", openai_extra, methods=["POST"]),
            Route("/v1/responses", responses, methods=["POST"]),
            Route("/v1/models", models, methods=["GET"]),
        ]
    )
