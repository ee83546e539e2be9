"""HTTP side of authentication: who sent a request, over what, and the session cookie."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from starlette.requests import HTTPConnection
from starlette.responses import Response

from llm_router.core.errors import AppError
from llm_router.core.ids import utcnow
from llm_router.core.settings import Settings
from llm_router.db.engine import Database
from llm_router.db.models import OWNER_USER_ID, User
from llm_router.services.accounts.auth import get_user, user_for_proxy_header
from llm_router.services.accounts.sessions import SESSION_COOKIE, SESSION_LIFETIME, user_for_session
from llm_router.services.accounts.signed_in import signed_in

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=32)
def _networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _in_networks(address: str, networks: tuple[IPNetwork, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in net for net in networks)


def in_networks(address: str, entries: list[str]) -> bool:
    """Whether ``address`` lies in one of the comma-setting's addresses/CIDRs (``entries``)."""
    return bool(entries) and _in_networks(address, _networks(tuple(entries)))


def peer_address(conn: HTTPConnection) -> str:
    return conn.client.host if conn.client else ""


def from_trusted_proxy(conn: HTTPConnection, settings: Settings) -> bool:
    return bool(settings.trusted_proxies) and _in_networks(
        peer_address(conn), _networks(tuple(settings.trusted_proxies))
    )


def client_ip(conn: HTTPConnection, settings: Settings) -> str:
    """The client's address: ``X-Forwarded-For`` is believed only when the peer is a trusted proxy."""
    peer = peer_address(conn)
    if not from_trusted_proxy(conn, settings):
        return peer
    trusted = _networks(tuple(settings.trusted_proxies))
    hops = [hop.strip() for hop in conn.headers.get("x-forwarded-for", "").split(",") if hop.strip()]
    for hop in reversed(hops):  # the right-most address no trusted proxy vouches for
        if not _in_networks(hop, trusted):
            return hop
    return peer


def is_https(conn: HTTPConnection, settings: Settings) -> bool:
    if conn.url.scheme == "https":
        return True
    forwarded = conn.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return forwarded == "https" and from_trusted_proxy(conn, settings)


async def _owner(db: Database) -> User | None:
    """The owner, unless disabled; remembered like a session (``services/accounts/signed_in.py``)."""
    cache = signed_in(db)
    known, owner, _ = cache.get(OWNER_USER_ID, utcnow())
    if known:
        return owner
    version = cache.version
    row = await get_user(db, OWNER_USER_ID)
    owner = None if row.disabled else row
    cache.put(OWNER_USER_ID, version, owner)
    return owner


def set_session_cookie(response: Response, conn: HTTPConnection, settings: Settings, value: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(conn, settings),
    )


def clear_session_cookie(response: Response, conn: HTTPConnection, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=is_https(conn, settings)
    )


async def resolve_user(conn: HTTPConnection, settings: Settings, db: Database) -> User | None:
    """The signed-in user by the configured mode, or None. Never raises for a missing login."""
    if settings.auth == "none":
        return await _owner(db)
    if settings.auth == "trusted-header":
        if not from_trusted_proxy(conn, settings):
            return None
        name = conn.headers.get(settings.trusted_header, "").strip()
        if not name:
            return None
        try:
            return await user_for_proxy_header(db, name)
        except AppError:  # a malformed name from the proxy: nobody is signed in
            return None
    cookie = conn.cookies.get(SESSION_COOKIE)
    return await user_for_session(db, cookie) if cookie else None
