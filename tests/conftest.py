from __future__ import annotations

import os
import shutil
import tempfile

import pytest

# Each test run gets its own data dir (keys, files); set before Django reads its settings.
_DATA_DIR = tempfile.mkdtemp(prefix="integritas-test-")
os.environ.setdefault("INTEGRITAS_DATA_DIR", _DATA_DIR)
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_sessionfinish(session, exitstatus):  # noqa: ARG001
    shutil.rmtree(_DATA_DIR, ignore_errors=True)


@pytest.fixture
def org(db):
    from tests.factories import make_org

    return make_org()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    # Each test its own audit anchor: lines committed by one test name entries another test never has.
    settings.AUDIT_ANCHOR_FILE = str(tmp_path / "audit-anchor.log")


def on_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def pytest_collection_modifyitems(config, items):  # noqa: ARG001
    """Tests marked `postgres` run in the PostgreSQL pass of the suite (dev.py test runs both)."""
    if on_postgres():
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: runs in the PostgreSQL pass (DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings, request):
    """argon2 is deliberately slow; tests that check hashing itself mark themselves `real_hashing`."""
    if "real_hashing" not in request.keywords:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache: every test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
