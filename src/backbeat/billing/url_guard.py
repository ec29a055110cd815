"""The SSRF guard: a webhook URL must resolve to public addresses only, unless its host is named
in BACKBEAT_WEBHOOK_ALLOWED_HOSTS. Checked at creation and again before every delivery, and the
delivery connects to the address that was checked (no second lookup to rebind)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from backbeat.billing.webhook_errors import UnsafeWebhookUrl

Resolver = Callable[[str, int], Awaitable[list[str]]]
RESOLVE_TIMEOUT_SECONDS = 5.0
MAX_URL_LENGTH = 2000


async def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for the host."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def forbidden_address(address: str) -> bool:
    """True for anything but a global unicast address (IPv4-mapped IPv6 judged as IPv4)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def parse_webhook_url(url: str) -> httpx.URL:
    """An absolute http(s) URL with a host, no credentials and no fragment."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        raise UnsafeWebhookUrl("the URL is not a valid URL") from None
    if len(url) > MAX_URL_LENGTH or parsed.scheme not in ("http", "https") or not parsed.host:
        raise UnsafeWebhookUrl("a webhook URL is an absolute http or https URL")
    if parsed.userinfo or parsed.fragment:
        raise UnsafeWebhookUrl("a webhook URL carries no credentials and no fragment")
    return parsed


@dataclass(frozen=True)
class Target:
    """Where to send: the URL as given, and the checked address to connect to."""

    url: httpx.URL
    address: str

    def pinned_url(self) -> httpx.URL:
        """The URL with its host replaced by the checked address."""
        return self.url.copy_with(host=self.address)

    def headers(self) -> dict[str, str]:
        """The Host header of the URL as given (the connection goes to the address)."""
        return {"host": self.url.netloc.decode("ascii")}

    def extensions(self) -> dict[str, str]:
        """TLS: the server name for SNI and certificate checks stays the URL's host."""
        return {"sni_hostname": self.url.host} if self.url.scheme == "https" else {}


async def check_url(
    url: str, allowed_hosts: frozenset[str], resolver: Resolver = system_resolver
) -> Target:
    """The target, or UnsafeWebhookUrl when it does not resolve or resolves somewhere private."""
    parsed = parse_webhook_url(url)
    host = parsed.host.lower()
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        addresses = await asyncio.wait_for(resolver(host, port), RESOLVE_TIMEOUT_SECONDS)
    except (OSError, TimeoutError, UnicodeError):
        raise UnsafeWebhookUrl(f"the host {host!r} does not resolve") from None
    if not addresses:
        raise UnsafeWebhookUrl(f"the host {host!r} does not resolve")
    if host not in allowed_hosts and any(forbidden_address(a) for a in addresses):
        raise UnsafeWebhookUrl(
            f"the host {host!r} resolves to a private, loopback or link-local address"
        )
    return Target(parsed, addresses[0])
