"""Rate limits that count failures, never legitimate use.

Thirty parents behind one school's shared address can each report and track; what is limited is
guessing: wrong receipts per client address, wrong passwords per account and per address. The counters
live in Django's cache (per process by default; Redis when INTEGRITAS_REDIS_URL is set, so several app
servers share them).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import cast

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from integritas.errors import TooManyAttempts


@dataclass(frozen=True)
class Throttle:
    scope: str
    limit: int  # failures allowed within the window
    window: int  # seconds
    lockout: int  # seconds locked once the limit is reached

    def _key(self, kind: str, subject: str) -> str:
        digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
        return f"integritas:throttle:{self.scope}:{kind}:{digest}"

    def check(self, subject: str) -> None:
        until = cache.get(self._key("lock", subject))
        if until is not None:
            retry = int(until - time.time()) + 1
            if retry > 0:
                raise TooManyAttempts(retry_after=retry, scope=self.scope)

    def fail(self, subject: str) -> None:
        key = self._key("count", subject)
        cache.add(key, 0, timeout=self.window)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=self.window)
            count = 1
        if count >= self.limit:
            cache.set(self._key("lock", subject), time.time() + self.lockout, timeout=self.lockout)
            cache.delete(key)

    def reset(self, subject: str) -> None:
        cache.delete_many([self._key("count", subject), self._key("lock", subject)])


def _limits() -> dict[str, tuple[int, int, int]]:
    return cast(dict[str, tuple[int, int, int]], settings.INTEGRITAS["THROTTLE"])


def receipt_throttle() -> Throttle:
    limit, window, lockout = _limits()["receipt"]
    return Throttle("receipt", limit, window, lockout)


def password_account_throttle() -> Throttle:
    limit, window, lockout = _limits()["password_account"]
    return Throttle("pw-account", limit, window, lockout)


def password_address_throttle() -> Throttle:
    limit, window, lockout = _limits()["password_address"]
    return Throttle("pw-address", limit, window, lockout)


def client_address(request: HttpRequest) -> str:
    """The client's address (behind trusted proxies, the one they saw: integritas.security.proxy)."""
    return str(request.META.get("REMOTE_ADDR") or "unknown")
