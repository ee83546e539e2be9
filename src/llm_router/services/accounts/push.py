"""Web Push to a user's devices: subscriptions (one per device) and ``notify(user_id, title, body, url)``.

Anything that wants to reach a user whose app is closed calls ``notify``; the chat jobs do when an answer
finishes or fails while no page watches its conversation (scheduled prompts are such answers too). A
device opts in from Settings; its subscription is tied to the login session that made it, so signing
out of that device deletes it (a foreign key), and so does the push service answering 404/410 (the
browser dropped it). Sending never blocks a job: ``notify`` is awaited in a background task, each
device's request concurrently, through the SSRF-guarded client (endpoints are user-supplied URLs).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import orjson
from sqlalchemy import delete, or_, select, update

from llm_router.core.errors import AppError
from llm_router.core.ids import utcnow
from llm_router.db.engine import Database
from llm_router.db.models import PushSubscription
from llm_router.services.keys.ssrf import AddressPolicy, check_base_url
from llm_router.services.keys.ssrf_client import guarded_client

if TYPE_CHECKING:  # the wire (cryptography's EC, AES-GCM, py_vapid) loads with the first push
    import httpx2

    from llm_router.services.accounts.webpush import VapidKeys

log = logging.getLogger(__name__)

SEND_TIMEOUT = 15.0
TTL = 24 * 3600  # an answer a day old is still worth telling about; older, the app shows it anyway
GONE = (404, 410)  # the push service no longer knows the subscription
MAX_BODY_CHARS = 180
MAX_PAYLOAD = 3000  # webpush.MAX_PAYLOAD: what one encrypted record carries with room to spare


@dataclass(frozen=True, slots=True)
class NewSubscription:
    endpoint: str
    p256dh: str
    auth: str
    device_id: str | None = None
    session_id: str | None = None  # the login session (its stored id); None with LLM_ROUTER_AUTH=none
    user_agent: str | None = None


class PushService:
    def __init__(self, db: Database, data_dir: Path, policy: AddressPolicy, contact: str) -> None:
        self.db = db
        self.data_dir = data_dir
        self.policy = policy
        self.contact = contact
        self._keys: VapidKeys | None = None
        self._keys_lock = asyncio.Lock()
        self._http: httpx2.AsyncClient | None = None  # made with the first push: TLS setup costs MBs

    @property
    def _client(self) -> httpx2.AsyncClient:
        if self._http is None:
            self._http = guarded_client(self.policy, SEND_TIMEOUT)
        return self._http

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    async def keys(self) -> VapidKeys:
        """The VAPID key pair, made into the data dir on first use."""
        async with self._keys_lock:
            if self._keys is None:
                from llm_router.services.accounts.webpush import VapidKeys

                self._keys = await asyncio.to_thread(VapidKeys.load_or_create, self.data_dir, self.contact)
            return self._keys

    async def public_key(self) -> str:
        return (await self.keys()).public_key

    # ------------------------------------------------------------ subscriptions

    async def subscribe(self, user_id: str, new: NewSubscription) -> PushSubscription:
        """Store (or replace) this device's subscription: one per endpoint, one per user and device."""
        _check_keys(new.p256dh, new.auth)
        endpoint = await check_base_url(new.endpoint, self.policy)
        if not endpoint.startswith("https://") and not self.policy.hosts and not self.policy.networks:
            raise AppError("a push endpoint must be an https:// URL", status_code=422, code="invalid_url")
        same_device = (
            (PushSubscription.user_id == user_id) & (PushSubscription.device_id == new.device_id)
            if new.device_id
            else PushSubscription.endpoint == endpoint
        )
        row = PushSubscription(
            user_id=user_id,
            session_id=new.session_id,
            device_id=new.device_id,
            endpoint=endpoint,
            p256dh=new.p256dh,
            auth=new.auth,
            user_agent=(new.user_agent or "")[:255] or None,
        )
        async with self.db.write() as session:
            await session.execute(
                delete(PushSubscription).where(or_(PushSubscription.endpoint == endpoint, same_device))
            )
            session.add(row)
        return row

    async def unsubscribe(self, user_id: str, endpoint: str) -> bool:
        async with self.db.write() as session:
            result = await session.execute(
                delete(PushSubscription).where(
                    PushSubscription.user_id == user_id, PushSubscription.endpoint == endpoint.strip()
                )
            )
        return bool(getattr(result, "rowcount", 0))

    async def subscriptions(self, user_id: str) -> Sequence[PushSubscription]:
        async with self.db.read() as session:
            rows = await session.scalars(
                select(PushSubscription)
                .where(PushSubscription.user_id == user_id)
                .order_by(PushSubscription.created_at)
            )
            return rows.all()

    # ------------------------------------------------------------ sending

    async def notify(self, user_id: str, title: str, body: str, url: str, *, tag: str | None = None) -> int:
        """Push ``title``/``body`` to each of the user's devices; tapping it opens ``url``. Returns how
        many devices accepted it. Failures are logged, never raised (a notice is best effort)."""
        targets = await self.subscriptions(user_id)
        if not targets:
            return 0
        keys = await self.keys()
        payload = _payload(title, body, url, tag)
        results = await asyncio.gather(*(self._send(keys, target, payload, tag) for target in targets))
        return sum(results)

    async def _send(self, keys: VapidKeys, target: PushSubscription, payload: bytes, tag: str | None) -> bool:
        from llm_router.services.accounts.webpush import push_request

        request = push_request(keys, target.endpoint, target.p256dh, target.auth, payload, ttl=TTL, topic=tag)
        try:
            response = await self._client.post(
                request.endpoint, headers=request.headers, content=request.body
            )
        except Exception as exc:  # unreachable, refused by the SSRF guard, timed out…
            log.warning("push to a device of user %s failed: %s", target.user_id, type(exc).__name__)
            return False
        if response.status_code in GONE:
            log.info("push subscription %s is gone (%s); deleted", target.id, response.status_code)
            async with self.db.write() as session:
                await session.execute(delete(PushSubscription).where(PushSubscription.id == target.id))
            return False
        if response.status_code >= 400:
            log.warning("push service answered %s for subscription %s", response.status_code, target.id)
            return False
        async with self.db.write() as session:
            await session.execute(
                update(PushSubscription).where(PushSubscription.id == target.id).values(last_sent_at=utcnow())
            )
        return True


def _check_keys(p256dh: str, auth: str) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    from llm_router.services.accounts.webpush import b64url_decode

    try:
        point, secret = b64url_decode(p256dh), b64url_decode(auth)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)  # on the curve
    except ValueError:
        point, secret = b"", b""
    if len(point) != 65 or len(secret) != 16:
        raise AppError(
            "keys.p256dh must be a P-256 public key (65 bytes) and keys.auth 16 bytes, both base64url",
            status_code=422,
            code="invalid_subscription",
        )


def _payload(title: str, body: str, url: str, tag: str | None) -> bytes:
    body = body if len(body) <= MAX_BODY_CHARS else body[: MAX_BODY_CHARS - 1].rstrip() + "…"
    data = orjson.dumps({"title": title[:120], "body": body, "url": url, "tag": tag})
    return data if len(data) <= MAX_PAYLOAD else orjson.dumps({"title": title[:120], "body": "", "url": url})
