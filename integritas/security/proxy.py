"""Requests that came through a reverse proxy: the client's address, scheme and host.

A proxy in front (nginx, Caddy, a load balancer) turns every client into its own address, TLS into
plain HTTP and may change the host. It says what it saw in ``X-Forwarded-For``, ``X-Forwarded-Proto``
and ``X-Forwarded-Host``. Anyone can send those headers, so they are believed only from a proxy we
trust: ``INTEGRITAS_TRUSTED_PROXIES`` (N proxies in a row; ``INTEGRITAS_BEHIND_TLS_PROXY`` means at
least one) and only when the connection itself comes from one of ``INTEGRITAS_PROXY_ADDRESSES``
(default: this machine). Then the client is the Nth address from the right of ``X-Forwarded-For``
(each proxy appends the address it saw; what the client wrote stays on the left), and the scheme and
host are taken from the headers the nearest proxy set. From anyone else the headers are removed, so
no code further in can read them by mistake.

The servers pass the headers through untouched (waitress is told not to strip them, gunicorn not to
interpret them), so the embedded server and ``serve --workers N`` behave alike.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from functools import lru_cache
from typing import cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse

FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_FORWARDED",
)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(addresses: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(a, strict=False) for a in addresses)


def proxy_count() -> int:
    return cast(int, settings.INTEGRITAS["TRUSTED_PROXIES"])


def from_trusted_proxy(peer: str) -> bool:
    addresses = tuple(cast(list[str], settings.INTEGRITAS["PROXY_ADDRESSES"]))
    if "*" in addresses:
        return True
    try:
        address = ipaddress.ip_address(peer.strip().strip("[]"))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in _networks(addresses))


def _values(meta: dict[str, object], name: str) -> list[str]:
    return [v.strip() for v in str(meta.get(name, "")).split(",") if v.strip()]


def _nth_from_right(values: list[str], n: int) -> str | None:
    if not values:
        return None
    return values[-n] if len(values) >= n else values[0]


def apply_forwarded(meta: dict[str, object]) -> None:
    """Rewrite REMOTE_ADDR, the scheme and HTTP_HOST from a trusted proxy's headers; drop them otherwise."""
    n = proxy_count()
    if n and from_trusted_proxy(str(meta.get("REMOTE_ADDR", ""))):
        chain = _values(meta, "HTTP_X_FORWARDED_FOR")
        if len(chain) >= n:
            meta["REMOTE_ADDR"] = chain[-n]
        proto = _nth_from_right(_values(meta, "HTTP_X_FORWARDED_PROTO"), n)
        if proto and proto.lower() in ("http", "https"):
            meta["wsgi.url_scheme"] = proto.lower()
        host = _nth_from_right(_values(meta, "HTTP_X_FORWARDED_HOST"), n)
        if host:
            meta["HTTP_HOST"] = host  # still checked against ALLOWED_HOSTS by Django
    for name in FORWARDED_HEADERS:
        meta.pop(name, None)


class ForwardedMiddleware:
    """First in the chain, so the security headers, CSRF and the throttles see the real request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        apply_forwarded(request.META)
        return self.get_response(request)
