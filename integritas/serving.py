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
