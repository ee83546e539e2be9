"""What a client's base URL setting runs into before any endpoint: ``HEAD /`` and ``HEAD /v1`` (clients'
preflight checks), and every unknown ``/v1`` path as a 404 in the caller's protocol's error shape, with a
hint when the path has ``/v1`` twice (a base URL ending in ``/v1`` for a client that adds it itself).

Included by the app after every other router, so it only sees what none of them serves.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from llm_router.api.v1.errors import failure_response, plain_failure, protocol_for

router = APIRouter(include_in_schema=False)

SERVED = (
    "/v1/chat/completions, /v1/responses, /v1/completions, /v1/images/generations, /v1/embeddings, "
    "/v1/audio/transcriptions, /v1/audio/speech, "
    "/v1/models, /v1/messages, /v1/messages/count_tokens"
)


@router.head("/")
@router.head("/v1")
@router.head("/v1/")
async def preflight() -> Response:
    return Response(status_code=200)


@router.api_route("/v1/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
async def unknown(request: Request, rest: str) -> Response:
    path = request.url.path
    if rest == "v1" or rest.startswith("v1/"):
        meant = path.removeprefix("/v1")
        origin = str(request.base_url).rstrip("/")
        message = (
            f"{path} has /v1 twice: this client adds /v1 itself, so its base URL should be {origin} "
            f"(without /v1); the endpoint is {meant}"
        )
        protocol = protocol_for(meant, request.headers)
    else:
        message = f"no endpoint {request.method} {path}; this router serves {SERVED}"
        protocol = protocol_for(path, request.headers)
    return failure_response(protocol, plain_failure(404, "not_found", message))
