"""`integritas serve` (embedded, and `--workers 2` under gunicorn) behind a real nginx terminating TLS
on 127.0.0.1 (issue 11 item 7, issue 11 item 12, issue 13 production serving).

Behind the trusted proxy: HSTS on every page, the sign-in form's CSRF check passes, and the throttle
counts each client by the address the proxy saw (one client locked out does not lock out another,
and writing X-Forwarded-For does not escape the lock). Straight to the app from an address that is not
a trusted proxy, the forwarded headers count for nothing. A Host that is not the site's gets a 400
that does not repeat it.
"""

from __future__ import annotations

import re
import urllib.parse

import pytest

from tests.proxy import Nginx, fetch
from tests.server import Served, cli_env, free_port, scratch_database

pytestmark = pytest.mark.slow

CLIENT_A, CLIENT_B, STRANGER = "127.0.0.2", "127.0.0.3", "127.0.0.5"


@pytest.fixture(params=["embedded", "workers"])
def behind_nginx(request, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    app_port, proxy_folder = free_port(), tmp_path / "nginx"
    with scratch_database() as url, Nginx(proxy_folder, app_port) as nginx:
        env = cli_env(
            data,
            url,
            INTEGRITAS_TRUSTED_PROXIES="1",
            INTEGRITAS_PROXY_ADDRESSES="127.0.0.1",
            INTEGRITAS_HTTPS="1",
            INTEGRITAS_PUBLIC_URL=f"https://127.0.0.1:{nginx.port}",
            INTEGRITAS_RECEIPT_FAILURES="3",
        )
        args = ("--workers", "2") if request.param == "workers" else ()
        with Served(env, tmp_path / "serve.log", port=app_port, args=args) as server:
            server.wait_ready()
            yield nginx, server
            server.stop()


def _csrf(answer) -> tuple[str, str]:
    cookie = next(c for c in answer.cookies() if c.startswith("csrftoken="))
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', answer.body)
    assert token, answer.body[:500]
    return cookie.split(";")[0], token.group(1).decode()


def test_through_nginx_hsts_csrf_and_the_client_address_work(behind_nginx):
    nginx, server = behind_nginx
    origin = f"https://127.0.0.1:{nginx.port}"

    def via_proxy(method, path, source=CLIENT_A, **kw):
        return fetch(nginx.port, method, path, tls_ca=nginx.cert, source=source, **kw)

    page = via_proxy("GET", "/masuk/")
    assert page.status == 200, page.body[:300]
    assert (
        page.header(
            "Strict-Transport-Security",
        )
        is not None
    ), dict(page.headers)
    assert "max-age=31536000" in page.header("Strict-Transport-Security")
    cookie, token = _csrf(page)
    assert "Secure" in next(c for c in page.cookies() if c.startswith("csrftoken="))

    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": "nobody", "password": "not-the-password"}
    ).encode()
    posted = via_proxy(
        "POST",
        "/masuk/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie,
            "Origin": origin,
            "Referer": origin + "/masuk/",
        },
    )
    assert posted.status != 403, (posted.status, posted.body[:400], server.output[-2000:])
    assert posted.status == 401 and b"csrfmiddlewaretoken" in posted.body  # the form again: wrong password

    # Wrong receipts: client A is locked out after three; client B, behind the same proxy, is not.
    wrong = {"X-Receipt": "SALAH-SALAH-SALAH-SALAH"}
    assert [via_proxy("GET", "/api/v1/track", headers=wrong).status for _ in range(3)] == [401] * 3
    assert via_proxy("GET", "/api/v1/track", headers=wrong).status == 429
    spoofed = {**wrong, "X-Forwarded-For": "10.9.8.7"}
    assert via_proxy("GET", "/api/v1/track", headers=spoofed).status == 429  # what A writes is ignored
    assert via_proxy("GET", "/api/v1/track", source=CLIENT_B, headers=wrong).status == 401

    # A Host that is not this site's: refused, and never written into the answer.
    evil = via_proxy("GET", "/lapor/", headers={"Host": "evil.example"})
    assert evil.status == 400 and b"evil.example" not in evil.body

    # Straight to the app from an address that is not the trusted proxy: the headers count for nothing.
    direct = fetch(
        server.port,
        "GET",
        "/masuk/",
        source=STRANGER,
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": CLIENT_B},
    )
    assert direct.status == 200 and direct.header("Strict-Transport-Security") is None
    # ... nor does X-Forwarded-For: the stranger's own wrong receipts lock only the stranger.
    for _ in range(3):
        fetch(
            server.port,
            "GET",
            "/api/v1/track",
            source=STRANGER,
            headers={**wrong, "X-Forwarded-For": "1.2.3.4"},
        )
    assert fetch(server.port, "GET", "/api/v1/track", source=STRANGER, headers=wrong).status == 429
    assert via_proxy("GET", "/api/v1/track", source=CLIENT_B, headers=wrong).status == 401
