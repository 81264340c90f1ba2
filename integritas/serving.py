"""`integritas serve --workers N`: gunicorn's master and N worker processes, each with threads.

The app is loaded in each worker after the fork (no database connection or key is shared between
processes). Gunicorn is told not to interpret X-Forwarded-* itself: integritas.security.proxy does it
the same way for every server.
"""

from __future__ import annotations

import argparse
from typing import Any

from gunicorn.app.base import BaseApplication


class ProductionServer(BaseApplication):
    def __init__(self, args: argparse.Namespace):
        self.options: dict[str, Any] = {
            "bind": [f"[{args.host}]:{args.port}" if ":" in args.host else f"{args.host}:{args.port}"],
            "workers": args.workers,
            "worker_class": "gthread",
            "threads": args.threads,
            # A worker takes no more connections than it has threads; the others wait in the listening
            # socket's queue for whichever worker has a thread free. With connections kept open, a worker
            # kept the clients it had accepted (each request waiting for its one interpreter lock) while
            # another had nothing to do (BENCHMARKS.md). Behind nginx every request comes on a connection
            # of its own anyway (``proxy_pass`` without an upstream keepalive).
            "worker_connections": args.threads,
            "keepalive": 0,
            "timeout": 120,  # an evaluation report or a large upload may take a while
            "graceful_timeout": 10,
            "secure_scheme_headers": {},
            "forwarded_allow_ips": "",
            "control_socket_disable": True,
            "proc_name": "integritas",
            "errorlog": "-",
        }
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self) -> Any:
        from integritas.wsgi import application

        return application
