"""The names the site answers to and the address in e-mail links (issue 11 item 12, issue 12 item 16).

The settings are read in a fresh interpreter for each environment, as `integritas serve` would."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def settings_for(tmp_path: Path, **env: str) -> dict:
    code = (
        "import json; from integritas import settings as s; "
        "print(json.dumps({'hosts': s.ALLOWED_HOSTS, 'public': s.INTEGRITAS['PUBLIC_URL'], "
        "'proxies': s.INTEGRITAS['TRUSTED_PROXIES'], 'cache': s.CACHES['default']['BACKEND'], "
        "'storage': s.STORAGES['default']['BACKEND']}))"
    )
    keep = {
        k: v for k, v in __import__("os").environ.items() if not k.startswith(("INTEGRITAS_", "DATABASE_URL"))
    }
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**keep, "INTEGRITAS_DATA_DIR": str(tmp_path), "PYTHONPATH": str(REPO), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_allowed_hosts_come_from_the_public_and_served_addresses_never_a_wildcard(tmp_path):
    got = settings_for(
        tmp_path, INTEGRITAS_PUBLIC_URL="https://wbs.example.id/", INTEGRITAS_SERVED_ADDRESS="10.1.2.3:9000"
    )
    assert "*" not in got["hosts"]
    assert {"wbs.example.id", "10.1.2.3", "127.0.0.1", "localhost"} <= set(got["hosts"])
    assert got["public"] == "https://wbs.example.id"

    plain = settings_for(tmp_path)
    assert "*" not in plain["hosts"] and "evil.example" not in plain["hosts"]
    assert plain["public"] == "http://127.0.0.1:8000"

    extra = settings_for(tmp_path, INTEGRITAS_ALLOWED_HOSTS="wbs.internal,.sekolah.id")
    assert {"wbs.internal", ".sekolah.id"} <= set(extra["hosts"])


@pytest.mark.parametrize(
    ("served", "https", "expected"),
    [
        ("127.0.0.1:8101", "", "http://127.0.0.1:8101"),
        ("::1:8101", "", "http://[::1]:8101"),
        ("127.0.0.1:443", "1", "https://127.0.0.1"),
    ],
)
def test_without_a_public_url_links_use_the_served_address(tmp_path, served, https, expected):
    got = settings_for(tmp_path, INTEGRITAS_SERVED_ADDRESS=served, INTEGRITAS_HTTPS=https)
    assert got["public"] == expected
    assert expected.split("//")[1].rsplit(":", 1)[0] in got["hosts"] or "[::1]" in got["hosts"]


def test_proxy_cache_and_storage_settings(tmp_path):
    assert settings_for(tmp_path)["proxies"] == 0
    assert settings_for(tmp_path, INTEGRITAS_BEHIND_TLS_PROXY="1")["proxies"] == 1
    assert settings_for(tmp_path, INTEGRITAS_TRUSTED_PROXIES="2")["proxies"] == 2
    assert settings_for(tmp_path)["cache"].endswith("LocMemCache")
    assert settings_for(tmp_path, INTEGRITAS_SERVE_PROCESSES="4")["cache"].endswith("FileBasedCache")
    assert settings_for(tmp_path, INTEGRITAS_REDIS_URL="redis://127.0.0.1:6379/0")["cache"].endswith(
        "RedisCache"
    )
    assert settings_for(tmp_path)["storage"].endswith("FileSystemStorage")
    assert (
        settings_for(tmp_path, INTEGRITAS_S3_BUCKET="evidence")["storage"] == "storages.backends.s3.S3Storage"
    )


def test_the_package_license_is_an_spdx_expression():
    """A license table makes setuptools warn on every install (deprecated, unsupported from 2027)."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert project["project"]["license"] == "AGPL-3.0-or-later"
    requires = project["build-system"]["requires"]
    assert any(r.replace(" ", "").startswith("setuptools>=77") for r in requires), requires


def test_an_https_public_address_means_secure_cookies_and_a_trusted_origin(tmp_path):
    code = (
        "import json; from integritas import settings as s; "
        "print(json.dumps([s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.CSRF_TRUSTED_ORIGINS]))"
    )
    keep = {
        k: v for k, v in __import__("os").environ.items() if not k.startswith(("INTEGRITAS_", "DATABASE_URL"))
    }

    def read(**env: str) -> list:
        done = subprocess.run(
            [sys.executable, "-c", code],
            env={**keep, "INTEGRITAS_DATA_DIR": str(tmp_path), "PYTHONPATH": str(REPO), **env},
            capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        return json.loads(done.stdout.strip().splitlines()[-1])

    assert read(INTEGRITAS_PUBLIC_URL="https://wbs.example.id/") == [True, True, ["https://wbs.example.id"]]
    assert read(INTEGRITAS_PUBLIC_URL="https://wbs.example.id", INTEGRITAS_HTTPS="0")[:2] == [False, False]
    assert read()[:2] == [False, False]
