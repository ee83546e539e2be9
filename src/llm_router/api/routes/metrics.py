"""``GET /metrics``: Prometheus text format. Not public: an admin's API token (``Authorization: Bearer``),
or a client address inside ``LLM_ROUTER_METRICS_ALLOW`` (e.g. the Prometheus container's network)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from llm_router.api.deps import Services
from llm_router.api.security import client_ip, in_networks
from llm_router.core.errors import AppError, Forbidden
from llm_router.services.accounts.auth import get_user
from llm_router.services.usage.metrics import CONTENT_TYPE

router = APIRouter(tags=["operations"])


@router.get(
    "/metrics",
    summary="Prometheus metrics (admin API token, or a client in LLM_ROUTER_METRICS_ALLOW)",
    response_class=Response,
    responses={401: {"description": "No admin credential"}, 403: {"description": "Not an admin"}},
)
async def metrics(request: Request, services: Services) -> Response:
    await _check_reader(request, services)
    return Response(services.metrics.render(), media_type=CONTENT_TYPE)


async def _check_reader(request: Request, services: Services) -> None:
    settings = services.settings
    if in_networks(client_ip(request, settings), settings.metrics_allow):
        return
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AppError(
            "/metrics needs an admin's API token (Authorization: Bearer …) or a client address in "
            "LLM_ROUTER_METRICS_ALLOW",
            status_code=401,
            code="unauthorized",
        )
    principal = await services.token_verifier.verify(token.strip())
    user = await get_user(services.db, principal.user_id)
    if user.role != "admin":
        raise Forbidden("only an admin's API token may read /metrics")
