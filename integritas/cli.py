"""The `integritas` command (API.md §1). Every command that touches data migrates first."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from pathlib import Path

log = logging.getLogger("integritas")


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "integritas.settings")
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    from integritas.settings import ensure_data_dir

    ensure_data_dir()
    call_command("migrate", interactive=False, verbosity=0)


def cmd_serve(args: argparse.Namespace) -> int:
    from waitress.server import create_server

    from integritas.scheduler import Scheduler
    from integritas.vault.crypto import master_key
    from integritas.wsgi import application

    # Generate (or check) the master key before any request thread needs it: the first reports
    # would otherwise race to create the key file, and a bad INTEGRITAS_MASTER_KEY fails here.
    master_key()
    server = create_server(application, host=args.host, port=args.port, threads=args.threads)
    scheduler = Scheduler()
    scheduler.start()

    def stop(signum: int, frame: object) -> None:
        log.info("signal %s: stopping", signum)
        scheduler.stop()
        server.close()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"Integritas serving on http://{args.host}:{args.port}/ (Ctrl+C to stop)", flush=True)
    try:
        server.run()
    except (KeyboardInterrupt, SystemExit):
        pass
    except OSError:
        # asyncore raises on a closed socket map during shutdown
        if not scheduler.stopping.is_set():
            raise
    finally:
        scheduler.stop()
    print("Integritas stopped", flush=True)
    return 0


def cmd_import_org(args: argparse.Namespace) -> int:
    from integritas.orgs.importer import ImportProblem, import_org

    path = Path(args.file)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        print(f"error: {path}: no such file", file=sys.stderr)
        return 2
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        print(f"error: {path} is not valid JSON: {exc}", file=sys.stderr)
        return 2
    try:
        summary = import_org(data, dry_run=args.dry_run)
    except ImportProblem as problem:
        print(f"error: {path}: nothing was imported; fix these entries:", file=sys.stderr)
        for item in problem.problems:
            print(f"  - {item}", file=sys.stderr)
        return 1
    print(summary.as_text())
    for line in summary.changes:
        print(f"  {line}")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from integritas.cases.sweep import sweep

    result = sweep()
    print(f"Sweep: {len(result.marked)} overdue, {len(result.escalated)} escalated")
    for ref in result.escalated:
        print(f"  escalated {ref}")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """Run the scheduled jobs (sweep, reminders, outbox) in a loop until SIGTERM/SIGINT. Any number
    of workers may run beside `serve` and each other: every job claims its rows."""
    import threading

    from django.conf import settings
    from django.db import close_old_connections

    from integritas.scheduler import run_jobs_once
    from integritas.vault.crypto import master_key

    master_key()
    stopping = threading.Event()

    def stop(signum: int, frame: object) -> None:
        log.info("signal %s: stopping after the current run", signum)
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    interval = args.interval or settings.INTEGRITAS["SCHEDULER_INTERVAL"]
    if not args.once:
        print(f"Integritas worker running every {interval} s (Ctrl+C to stop)", flush=True)
    while True:
        try:
            close_old_connections()
            run_jobs_once()
        except Exception:
            log.exception("scheduled jobs failed; retrying at the next run")
            if args.once:
                return 1
        finally:
            close_old_connections()
        if args.once or stopping.wait(interval):
            break
    if not args.once:
        print("Integritas worker stopped", flush=True)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from integritas.demo import load_demo

    print(load_demo())
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    if args.action != "verify":
        print("usage: integritas audit verify", file=sys.stderr)
        return 2
    try:
        from integritas.audit.chain import verify  # type: ignore[import-not-found]
    except ImportError:
        print(
            "audit verify: the hash-chained audit log is not part of this version yet "
            "(it arrives with the security work); nothing was verified.",
            file=sys.stderr,
        )
        return 3
    ok, message = verify()
    print(message, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="integritas", description="Integritas: WBS and conflict-of-interest handling"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="migrate, then serve the web app and API with the scheduler")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--threads", type=int, default=8)
    serve.set_defaults(func=cmd_serve)

    imp = sub.add_parser("import-org", help="create or update the organisation from a JSON file")
    imp.add_argument("file")
    imp.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
    imp.set_defaults(func=cmd_import_org)

    sw = sub.add_parser("sweep", help="run the deadline sweep once")
    sw.set_defaults(func=cmd_sweep)

    worker = sub.add_parser(
        "worker", help="run the deadline sweep, reminders and the e-mail outbox in a loop (stops on SIGTERM)"
    )
    worker.add_argument("--once", action="store_true", help="run the jobs once and exit")
    worker.add_argument("--interval", type=float, default=None, help="seconds between runs")
    worker.set_defaults(func=cmd_worker)

    demo = sub.add_parser("demo", help="load the demo organisation and sample cases")
    demo.set_defaults(func=cmd_demo)

    audit = sub.add_parser("audit", help="audit log tools")
    audit.add_argument("action", choices=["verify"])
    audit.set_defaults(func=cmd_audit)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup()
    migrate()
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
