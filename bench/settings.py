"""The application's settings with the floor endpoint added (the server the benchmark starts)."""

from integritas.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
