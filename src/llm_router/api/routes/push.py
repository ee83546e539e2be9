"""``/api/push``: Web Push opt-in per device — the server's public key, subscribe, unsubscribe, list."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from llm_router.api.deps import CurrentUser, DeviceId, Services
from llm_router.db.models import PushSubscription
from llm_router.services.accounts.push import NewSubscription
from llm_router.services.accounts.sessions import SESSION_COOKIE, session_id

router = APIRouter(prefix="/api/push", tags=["push"])


class PushKey(BaseModel):
    public_key: str = Field(description="The VAPID public key: `applicationServerKey` for `subscribe()`")


class SubscriptionKeys(BaseModel):
    model_config = ConfigDict(extra="forbid")
    p256dh: str = Field(min_length=80, max_length=128)
    auth: str = Field(min_length=16, max_length=64)


class SubscriptionCreate(BaseModel):
    """What the browser's ``PushSubscription.toJSON()`` gives."""

    model_config = ConfigDict(extra="forbid")
    endpoint: str = Field(min_length=10, max_length=1000)
    expirationTime: float | None = None
    keys: SubscriptionKeys


class SubscriptionDelete(BaseModel):
    model_config = ConfigDict(extra="forbid")
    endpoint: str = Field(min_length=1, max_length=1000)


class SubscriptionPublic(BaseModel):
    id: str
    endpoint: str
    push_service: str = Field(description="The push service's host (e.g. fcm.googleapis.com)")
    device_id: str | None
    user_agent: str | None
    created_at: datetime
    last_sent_at: datetime | None

    @classmethod
    def of(cls, row: PushSubscription) -> SubscriptionPublic:
        return cls(
            id=row.id,
            endpoint=row.endpoint,
            push_service=urlsplit(row.endpoint).hostname or "",
            device_id=row.device_id,
            user_agent=row.user_agent,
            created_at=row.created_at,
            last_sent_at=row.last_sent_at,
        )


class SubscriptionList(BaseModel):
    items: list[SubscriptionPublic]


@router.get("/key", summary="The server's VAPID public key (made on first use)")
async def push_key(user: CurrentUser, services: Services) -> PushKey:
    return PushKey(public_key=await services.push.public_key())


@router.get("/subscriptions", summary="This user's devices that receive push notifications")
async def list_subscriptions(user: CurrentUser, services: Services) -> SubscriptionList:
    rows = await services.push.subscriptions(user.id)
    return SubscriptionList(items=[SubscriptionPublic.of(row) for row in rows])


@router.post(
    "/subscriptions",
    status_code=status.HTTP_201_CREATED,
    summary="Turn push on for this device (replaces its earlier subscription)",
    description="Signing out of this device deletes the subscription.",
)
async def subscribe(
    body: SubscriptionCreate, user: CurrentUser, services: Services, request: Request, device_id: DeviceId
) -> SubscriptionPublic:
    cookie = request.cookies.get(SESSION_COOKIE)
    row = await services.push.subscribe(
        user.id,
        NewSubscription(
            endpoint=body.endpoint,
            p256dh=body.keys.p256dh,
            auth=body.keys.auth,
            device_id=device_id,
            session_id=session_id(cookie) if cookie and services.settings.auth == "password" else None,
            user_agent=request.headers.get("user-agent"),
        ),
    )
    return SubscriptionPublic.of(row)


@router.delete(
    "/subscriptions", status_code=status.HTTP_204_NO_CONTENT, summary="Turn push off for this device"
)
async def unsubscribe(body: SubscriptionDelete, user: CurrentUser, services: Services) -> Response:
    await services.push.unsubscribe(user.id, body.endpoint)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
