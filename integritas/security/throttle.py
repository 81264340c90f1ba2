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


@dataclass(frozen=True)
class ReceiptGuard:
    """Wrong receipts, counted per client address *and receipt prefix* (its first group of four).

    A receipt is 20 characters from an alphabet of 29 (about 97 bits). To open a given report a
    guesser must get its first four characters right and then the other sixteen; the guard allows
    ``free`` wrong receipts per address and prefix in ``window`` seconds, after which that prefix is
    refused to that address for a while: ``lockout`` seconds the first time, twice as long each further
    time the same address is stopped (at most an hour). So, per address and per hour, at most a
    dozen or so guesses can go at any one report's prefix (``guesses_per_hour`` gives the exact number):
    the chance of opening a report by guessing stays below 12 / 29**16 ≈ 5e-23 per address and hour.

    A correct receipt is never refused because of someone else's mistakes: other people behind the
    same address (a school's Wi-Fi, a mobile carrier's shared address) who mistype theirs, or a guesser
    trying random receipts, lock only the prefixes they typed — a different one from 707,281 but once.
    Only wrong receipts that begin like the right one (the reporter's own typos) can make it wait.
    """

    free: int  # wrong receipts allowed per address and prefix within the window
    window: int  # seconds
    lockout: int  # seconds, the first time; doubled for each further stop of the same address
    longest: int = 3600

    @staticmethod
    def prefix(receipt: str) -> str:
        from integritas.cases.receipts import normalise_receipt

        return normalise_receipt(receipt)[:4]

    def _key(self, kind: str, *parts: str) -> str:
        digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
        return f"integritas:receipt-guard:{kind}:{digest}"

    def check(self, address: str, receipt: str) -> None:
        until = cache.get(self._key("lock", address, self.prefix(receipt)))
        if until is not None:
            retry = int(until - time.time()) + 1
            if retry > 0:
                raise TooManyAttempts(retry_after=retry, scope="receipt")

    def fail(self, address: str, receipt: str) -> None:
        prefix = self.prefix(receipt)
        count = _incr(self._key("count", address, prefix), self.window)
        if count < self.free:
            return
        stops = _incr(self._key("stops", address), self.window)
        seconds = min(self.longest, self.lockout * 2 ** (stops - 1))
        cache.set(self._key("lock", address, prefix), time.time() + seconds, timeout=seconds)

    def guesses_per_hour(self) -> int:
        """The most wrong receipts one address can try at one prefix in an hour (the bound above):
        the free ones, then one more each time a stop ends, stops doubling from ``lockout``."""
        elapsed, guesses, stops = 0, self.free, 0
        while True:
            stops += 1
            elapsed += min(self.longest, self.lockout * 2 ** (stops - 1))
            if elapsed >= 3600:
                return guesses
            guesses += 1


def _incr(key: str, window: int) -> int:
    cache.add(key, 0, timeout=window)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def receipt_guard() -> ReceiptGuard:
    free, window, lockout = _limits()["receipt"]
    return ReceiptGuard(free, window, lockout)


def password_account_throttle() -> Throttle:
    limit, window, lockout = _limits()["password_account"]
    return Throttle("pw-account", limit, window, lockout)


def password_address_throttle() -> Throttle:
    limit, window, lockout = _limits()["password_address"]
    return Throttle("pw-address", limit, window, lockout)


def client_address(request: HttpRequest) -> str:
    """The client's address (behind trusted proxies, the one they saw: integritas.security.proxy)."""
    return str(request.META.get("REMOTE_ADDR") or "unknown")
