"""`integritas serve --workers N`: gunicorn's options (issue 13, intake at c16). A worker takes no more
connections than it has threads, so a request waits in the listening socket for whichever worker has a
thread free rather than behind a busy worker; the connections are not kept open between requests."""

from __future__ import annotations

import argparse

from integritas.serving import ProductionServer


def test_a_worker_takes_no_more_connections_than_it_has_threads():
    args = argparse.Namespace(host="127.0.0.1", port=8000, workers=2, threads=8)
    cfg = ProductionServer(args).cfg
    assert cfg.worker_class_str == "gthread"
    assert (cfg.workers, cfg.threads, cfg.worker_connections, cfg.keepalive) == (2, 8, 8, 0)
