"""The application's settings with the floor endpoint added (the server the benchmark starts)."""

from integritas.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

# No scheduler tick in the server while requests are timed: the sweep figures time a tick on their own.
import integritas.scheduler  # noqa: E402

integritas.scheduler.Scheduler.run = lambda self: None  # type: ignore[method-assign]
