"""Which forwarded headers are believed (integritas.security.proxy); end to end: tests/cli/test_behind_proxy.py."""

from __future__ import annotations

import pytest

from integritas.security.proxy import apply_forwarded


@pytest.fixture
def proxies(settings):
    def set_(count: int, addresses: str = "127.0.0.1,::1,10.0.0.0/8") -> None:
        settings.INTEGRITAS = {
            **settings.INTEGRITAS,
            "TRUSTED_PROXIES": count,
            "PROXY_ADDRESSES": addresses.split(","),
        }

    return set_


def meta(peer: str, **headers: str) -> dict[str, object]:
    return {"REMOTE_ADDR": peer, "wsgi.url_scheme": "http", "HTTP_HOST": "app:8000", **headers}


def test_two_proxies_in_a_row_the_client_is_second_from_the_right(proxies):
    proxies(2)
    m = meta(
        "10.0.0.5",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7, 10.0.0.4",
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_X_FORWARDED_HOST="wbs.example.id",
    )
    apply_forwarded(m)
    assert m["REMOTE_ADDR"] == "203.0.113.7"  # what the client wrote (6.6.6.6) is ignored
    assert m["wsgi.url_scheme"] == "https" and m["HTTP_HOST"] == "wbs.example.id"
    assert "HTTP_X_FORWARDED_FOR" not in m


@pytest.mark.parametrize("peer", ["192.0.2.1", "not-an-address", ""])
def test_from_an_untrusted_peer_the_headers_are_dropped(proxies, peer):
    proxies(1)
    m = meta(
        peer, HTTP_X_FORWARDED_FOR="1.2.3.4", HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_HOST="evil"
    )
    apply_forwarded(m)
    assert m["REMOTE_ADDR"] == peer and m["wsgi.url_scheme"] == "http" and m["HTTP_HOST"] == "app:8000"
    assert not any(k.startswith("HTTP_X_FORWARDED") for k in m)


def test_without_trusted_proxies_nothing_is_believed_even_from_loopback(proxies):
    proxies(0)
    m = meta("127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4", HTTP_X_FORWARDED_PROTO="https")
    apply_forwarded(m)
    assert m["REMOTE_ADDR"] == "127.0.0.1" and m["wsgi.url_scheme"] == "http"


def test_an_ipv4_mapped_peer_and_a_short_chain(proxies):
    proxies(1, "127.0.0.1")
    m = meta("::ffff:127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.2", HTTP_X_FORWARDED_PROTO="ftp")
    apply_forwarded(m)
    assert m["REMOTE_ADDR"] == "198.51.100.2" and m["wsgi.url_scheme"] == "http"  # only http/https
    proxies(3)
    m = meta("127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.2")
    apply_forwarded(m)
    assert m["REMOTE_ADDR"] == "127.0.0.1"  # fewer hops than proxies: the chain is not trusted
