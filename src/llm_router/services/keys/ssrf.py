"""Outbound requests to user-supplied base URLs, safe against SSRF.

Two checks: when a URL is saved (a clear message), and when a connection is opened — the address
actually connected to is the one that was checked, so DNS rebinding and odd spellings cannot slip
through. Link-local and cloud-metadata addresses are never reachable; loopback, private, CGNAT and
unspecified addresses only when the admin allowlists the host or a CIDR
(``LLM_ROUTER_ALLOWED_PRIVATE_HOSTS``). Redirects are never followed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from llm_router.core.errors import AppError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_ALWAYS_BLOCKED = tuple(
    ipaddress.ip_network(n)
    for n in ("169.254.0.0/16", "fe80::/10", "fd00:ec2::254/128", "100.100.100.200/32")
)
_PRIVATE = tuple(
    ipaddress.ip_network(n) for n in ("100.64.0.0/10", "198.18.0.0/15", "fc00::/7", "::/128", "0.0.0.0/8")
)


RESOLVE_TIMEOUT = 5.0


class BlockedAddress(AppError):
    status_code = 422
    code = "address_not_allowed"


def normalize_ip(text: str) -> IPAddress | None:
    """The address a host string denotes, including legacy IPv4 spellings (``127.1``, ``0x7f000001``,
    ``2130706433``, ``0177.0.0.1``) that resolvers accept; IPv4-mapped/embedded IPv6 become IPv4."""
    host = text.strip("[]")
    try:
        ip: IPAddress = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        if not host or any(c not in "0123456789abcdefxABCDEFX." for c in host) or host.endswith("."):
            return None
        try:
            ip = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return _embedded_ipv4(ip)


def _embedded_ipv4(ip: IPAddress) -> IPAddress:
    if isinstance(ip, ipaddress.IPv6Address):
        for embedded in (ip.ipv4_mapped, ip.sixtofour, ip.teredo[1] if ip.teredo else None):
            if embedded is not None:
                return embedded
        if ip in ipaddress.ip_network("64:ff9b::/96"):  # NAT64 carries an IPv4 in the low bits
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


@dataclass(frozen=True)
class AddressPolicy:
    """Which private destinations the admin allowed: host names and networks."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_entries(cls, entries: Iterable[str]) -> AddressPolicy:
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for entry in entries:
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                hosts.add(entry.strip().lower().rstrip("."))
        return cls(frozenset(hosts), tuple(networks))

    def check(self, ip: IPAddress, host: str) -> None:
        """Raise ``BlockedAddress`` unless ``ip`` (reached for ``host``) may be connected to."""
        ip = _embedded_ipv4(ip)
        if any(ip in net for net in _ALWAYS_BLOCKED if net.version == ip.version):
            raise BlockedAddress(f"{host} resolves to {ip}, a link-local/metadata address: never allowed")
        if not _is_private(ip):
            return
        if host.lower().rstrip(".") in self.hosts or any(
            ip in n for n in self.networks if n.version == ip.version
        ):
            return
        raise BlockedAddress(
            f"{host} resolves to the private address {ip}: add the host or its network to "
            "LLM_ROUTER_ALLOWED_PRIVATE_HOSTS to allow it"
        )


def _is_private(ip: IPAddress) -> bool:
    return (
        ip.is_loopback
        or ip.is_private
        or ip.is_unspecified
        or ip.is_reserved
        or ip.is_multicast
        or any(ip in net for net in _PRIVATE if net.version == ip.version)
    )


def parse_base_url(url: str) -> tuple[str, str, int]:
    """Check the form of a base URL; returns (normalized URL, host, port). No network access."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise AppError("the base URL is not a valid URL", status_code=422, code="invalid_url") from None
    if parts.scheme not in ("http", "https"):
        raise AppError(
            "the base URL must start with http:// or https://", status_code=422, code="invalid_url"
        )
    if "@" in parts.netloc or parts.username is not None:
        raise AppError(
            "the base URL must not contain a user name or password", status_code=422, code="invalid_url"
        )
    host = parts.hostname or ""
    if not host or any(c in host for c in "\\%") or parts.fragment:
        raise AppError("the base URL needs a plain host name", status_code=422, code="invalid_url")
    port = port or (443 if parts.scheme == "https" else 80)
    return url.rstrip("/"), host, port


async def resolve(host: str, port: int) -> list[IPAddress]:
    literal = normalize_ip(host)
    if literal is not None:
        return [literal]
    loop = asyncio.get_running_loop()
    infos = await asyncio.wait_for(
        loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP), RESOLVE_TIMEOUT
    )
    addresses: list[IPAddress] = []
    for info in infos:
        ip = normalize_ip(str(info[4][0]))
        if ip is not None and ip not in addresses:
            addresses.append(ip)
    return addresses


async def check_base_url(url: str, policy: AddressPolicy) -> str:
    """Validate a base URL when it is saved; unresolvable names pass (checked again at connect time)."""
    normalized, host, port = parse_base_url(url)
    try:
        addresses = await resolve(host, port)
    except (OSError, TimeoutError):
        return normalized
    for ip in addresses:
        policy.check(ip, host)
    return normalized


async def allowed_addresses(host: str, port: int, policy: AddressPolicy) -> list[str]:
    """The addresses of ``host`` a connection may use (all checked); raises when none is allowed."""
    addresses = await resolve(host, port)
    if not addresses:
        raise BlockedAddress(f"{host} does not resolve")
    for ip in addresses:
        policy.check(ip, host)  # one bad address refuses the host: no mixed answers
    return [str(ip) for ip in addresses]
