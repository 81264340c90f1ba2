"""Running one piece of test work in several threads released at the same moment (PostgreSQL races)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import close_old_connections


def at_once(count: int, work: Callable[[], None], *, timeout: float = 120) -> list[BaseException]:
    """Run ``work`` in ``count`` threads that start together; what they raised (empty when none did)."""
    start = threading.Barrier(count)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            work()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return errors
