"""The `integritas` command (API.md §1). Every command that touches data migrates first."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TypeVar, cast

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


def collect_static() -> None:
    """The static files under hashed names, with gzip/brotli copies, into <data dir>/static."""
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)


def cmd_serve(args: argparse.Namespace) -> int:
    from integritas.vault.crypto import master_key

    # Generate (or check) the master key before any request thread needs it: the first reports
    # would otherwise race to create the key file, and a bad INTEGRITAS_MASTER_KEY fails here.
    master_key()
    collect_static()
    if args.workers:
        return serve_processes(args)
    return serve_embedded(args)


def serve_embedded(args: argparse.Namespace) -> int:
    """One process: waitress with threads, and the scheduler in a thread beside it."""
    from waitress.server import create_server

    from integritas.scheduler import Scheduler
    from integritas.wsgi import application

    # The X-Forwarded-* headers reach the app untouched; integritas.security.proxy decides whom to believe.
    server = create_server(
        application, host=args.host, port=args.port, threads=args.threads, clear_untrusted_proxy_headers=False
    )
    scheduler = Scheduler()
    if not args.no_scheduler:
        scheduler.start()

    def stop(signum: int, frame: object) -> None:
        # Leave the loop from the main thread; the sockets are closed only after the request threads
        # are done (below). Closing them here, under a request still being answered, made its thread
        # write to a closed descriptor. A second signal while stopping changes nothing.
        if scheduler.stopping.is_set():
            return
        log.info("signal %s: stopping", signum)
        scheduler.stop()
        raise SystemExit(0)

    try:
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        print(f"Integritas serving on http://{args.host}:{args.port}/ (Ctrl+C to stop)", flush=True)
        server.run()  # on SystemExit: waits (at most 5 s) for the requests being answered, then returns
    except (KeyboardInterrupt, SystemExit):
        server.task_dispatcher.shutdown()
    finally:
        scheduler.stop()
        server.close()
    print("Integritas stopped", flush=True)
    return 0


def serve_processes(args: argparse.Namespace) -> int:
    """Several processes: gunicorn's master with N workers (threads each), and one `integritas worker`
    process for the scheduled jobs (unless --no-scheduler: then run `integritas worker` elsewhere)."""
    import subprocess

    from django.db import connections

    from integritas.serving import ProductionServer

    connections.close_all()  # nothing open is inherited by the forked workers
    scheduler = None
    if not args.no_scheduler:
        scheduler = subprocess.Popen([sys.executable, "-m", "integritas", "worker"])
    print(
        f"Integritas serving on http://{args.host}:{args.port}/ with {args.workers} processes (Ctrl+C to stop)",
        flush=True,
    )
    code = 0
    try:
        ProductionServer(args).run()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        if scheduler is not None:
            if scheduler.poll() is None:
                scheduler.send_signal(signal.SIGTERM)
            try:
                scheduler.wait(timeout=30)
            except subprocess.TimeoutExpired:
                scheduler.kill()
                scheduler.wait()
    print("Integritas stopped", flush=True)
    return code


def _cli_language() -> str:
    """The command line speaks the locale's language: Indonesian for id_*, English otherwise."""
    for name in ("INTEGRITAS_LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "").strip().lower()
        if value:
            return "id" if value.startswith(("id", "in_")) else "en"
    return "en"


# At most this many change lines are printed; the counts cover every change.
CLI_CHANGE_LINES = 1000


def cmd_import_org(args: argparse.Namespace) -> int:
    from django.utils import translation

    from integritas.orgs.importer import ImportProblem, import_org, read_file
    from integritas.orgs.presenters import change_text

    path = Path(args.file)
    with translation.override(_cli_language()):
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            print(f"error: {path}: no such file", file=sys.stderr)
            return 2
        except OSError as exc:
            print(f"error: {path}: {exc.strerror}", file=sys.stderr)
            return 2
        try:
            data, places = read_file(raw, path.name)
            summary = import_org(data, dry_run=args.dry_run, places=places, actor="cli", via="import")
        except ImportProblem as problem:
            print(
                f"error: {path}: {translation.gettext('nothing was imported; fix these entries:')}",
                file=sys.stderr,
            )
            for item in problem.problems:
                print(f"  - {item}", file=sys.stderr)
            return 1
        print(summary.as_text())
        for change in summary.changes[:CLI_CHANGE_LINES]:
            print(f"  {change_text(change)}")
        if len(summary.changes) > CLI_CHANGE_LINES:
            print(f"  … {len(summary.changes) - CLI_CHANGE_LINES}")
        for warning in summary.warnings:
            print(f"{translation.gettext('warning')}: {warning.text}", file=sys.stderr)
    return 0


def cmd_export_org(args: argparse.Namespace) -> int:
    from integritas.orgs.export import export_data
    from integritas.orgs.workbook import write_workbook

    path = Path(args.file)
    data = export_data()
    if path.suffix.lower() == ".xlsx":
        payload = write_workbook(data)
    elif path.suffix.lower() == ".json":
        payload = (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()
    else:
        print(f"error: {path}: the name must end in .xlsx or .json", file=sys.stderr)
        return 2
    try:
        path.write_bytes(payload)
    except OSError as exc:
        print(f"error: {path}: {exc.strerror}", file=sys.stderr)
        return 2
    counts = ", ".join(f"{len(data[k])} {k}" for k in ("units", "positions", "people", "teams", "holidays"))
    print(f"Exported the organisation to {path}: {counts}")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from integritas.cases.sweep import sweep
    from integritas.notify.jobs import run_notifications

    result = sweep()
    print(f"Sweep: {len(result.marked)} overdue, {len(result.escalated)} escalated")
    for ref in result.escalated:
        print(f"  escalated {ref}")
    from integritas.prevention.jobs import run_prevention_jobs  # issue 9

    prevention = run_prevention_jobs()
    print(
        f"Self-declarations: {len(prevention.marked)} overdue, {len(prevention.escalated)} escalated; "
        f"gratification notices: {len(prevention.gratifications_soon) + len(prevention.gratifications_overdue)}"
    )
    # A deployment that runs only `integritas sweep` from cron still sends its reminders and mail.
    reminders, delivery = run_notifications()
    print(f"Notifications: {delivery.sent} sent, {delivery.retried} to retry, {delivery.failed} failed")
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
    interval = args.interval or cast(float, settings.INTEGRITAS["SCHEDULER_INTERVAL"])
    if not (os.environ.get("INTEGRITAS_PUBLIC_URL") or os.environ.get("INTEGRITAS_SERVED_ADDRESS")):
        log.warning(
            "INTEGRITAS_PUBLIC_URL is not set: links in e-mails point to %s; set it to the address people use",
            settings.INTEGRITAS["PUBLIC_URL"],
        )
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


def cmd_cleanup(args: argparse.Namespace) -> int:
    import datetime as dt

    from integritas.vault.gc import remove_orphans

    removed = remove_orphans(min_age=dt.timedelta(minutes=max(0, args.min_age_minutes)))
    print(f"Removed {len(removed)} orphan evidence files")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from integritas.demo import load_demo

    print(load_demo())
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    if args.action != "verify":
        print("usage: integritas audit verify [--anchor NUMBER:HASH]", file=sys.stderr)
        return 2
    from integritas.audit.chain import verify

    anchors = []
    for text in args.anchor or []:
        number, _, digest = text.strip().partition(":")
        if not (number.isascii() and number.isdigit() and len(digest) == 64 and digest.isascii()):
            print(
                f"error: --anchor {text!r}: expected NUMBER:HASH (as in the anchor e-mail)", file=sys.stderr
            )
            return 2
        try:
            bytes.fromhex(digest)
        except ValueError:
            print(f"error: --anchor {text!r}: the hash is not hexadecimal", file=sys.stderr)
            return 2
        anchors.append((int(number), digest.lower()))
    ok, message = verify(anchors=anchors)
    print(message, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


def cmd_keys(args: argparse.Namespace) -> int:
    from integritas.vault.crypto import VaultError, decode_master, generate_master_key_text
    from integritas.vault.keyring import env_name, hex_id, previous_env_name
    from integritas.vault.keys import RotationError, key_status, keys_rotate

    if args.action == "generate":
        print(generate_master_key_text())
        return 0
    if args.action == "status":
        print(json.dumps(key_status(), indent=2))
        return 0
    text = args.new_key or os.environ.get("INTEGRITAS_NEW_MASTER_KEY", "")
    try:
        new_key = decode_master(text) if text else None
    except VaultError as exc:
        print(f"error: the new master key: {exc}", file=sys.stderr)
        return 2
    try:
        done = keys_rotate(
            new_key=new_key, batch_size=args.batch, grace=args.grace, keep_previous=args.keep_previous
        )
    except (RotationError, VaultError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    verb = "Finished the rotation" if done.resumed else "Rotated the master key"
    print(f"{verb}: {', '.join(done.old_ids) or '-'} -> {done.new_id}")
    print(
        f"  re-wrapped {done.data_keys} data keys and re-sealed {done.sealed} values (two-factor secrets, audit keys) in {done.passes} passes"
    )
    if done.mode == "file":
        if done.removed_previous:
            print("  the old key file (master_key.previous) was removed")
        else:
            print(f"  the old key was kept in {done.kept_previous}; remove it once you no longer need it")
        print(
            f"Note: backups made before now are encrypted under the old master key ({', '.join(done.old_ids)}); "
            "they can be restored only with that key. Make a new backup now: integritas backup FILE"
        )
    elif new_key is not None:
        print("Now, on every server (one at a time, no downtime):")
        print(f"  set {env_name()} to the new key (key id {hex_id(new_key)})")
        print(f"  set {previous_env_name()} to the old key (key id {', '.join(done.old_ids)}) and restart;")
        print(
            f"then run `integritas keys rotate` once more with those settings, and remove {previous_env_name()}."
        )
        print(f"Backups made before now need the old key ({', '.join(done.old_ids)}) to be restored.")
    else:
        print(
            f"Every data key is now under key id {done.new_id}: remove {previous_env_name()} on every server."
        )
        print(f"Backups made before now need the old key ({', '.join(done.old_ids)}) to be restored.")
    return 0


T = TypeVar("T")


def _on_local_file(
    target: str, local_copy: Callable[[str], AbstractContextManager[Path]], act: Callable[[str | Path], T]
) -> T:
    """``act`` on the backup file ``target``, or on a local copy of it when it is in a bucket."""
    from integritas.vault import remote

    if remote.is_remote(target):
        with local_copy(target) as local:
            return act(local)
    return act(target)


def cmd_backup(args: argparse.Namespace) -> int:
    from integritas.vault import remote
    from integritas.vault.backup import BackupError, backup_write

    try:
        done = _on_local_file(args.file, remote.local_copy_to_upload, backup_write)
    except (BackupError, remote.RemoteError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"Backup written to {args.file if remote.is_remote(args.file) else done.path}: "
        f"{done.models.get('cases.case', 0)} cases, "
        f"{sum(done.models.values())} rows, {done.files} files, {done.size} bytes"
    )
    print(f"  encrypted under master key id {done.key_id}: keep that key, the backup opens with it only")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from integritas.vault import remote
    from integritas.vault.backup import BackupError, backup_restore
    from integritas.vault.keys import KeyProblem

    try:
        done = _on_local_file(args.file, remote.downloaded, backup_restore)
    except (BackupError, KeyProblem, remote.RemoteError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"Restored {args.file} (made {done.created_at}): {done.models.get('cases.case', 0)} cases, "
        f"{sum(done.models.values())} rows, {done.files} files; master key id {done.key_id}"
    )
    if done.anchor_moved is not None:
        print(f"  the anchor file that was here is kept as {done.anchor_moved}")
    if not done.audit_ok:
        print(f"  {done.audit}", file=sys.stderr)
        return 1
    print(f"  {done.audit}")
    return 0


def _process_count(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 0 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(
            f"{text!r}: a number of processes from 1 to 64 (0: one process, the embedded server)"
        )
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="integritas", description="Integritas: WBS and conflict-of-interest handling"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="migrate, then serve the web app and API with the scheduler")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--threads", type=int, default=8, help="request threads per process")
    serve.add_argument(
        "--workers",
        type=_process_count,
        default=0,
        metavar="N",
        help="serve with N processes (gunicorn); default: one process with the embedded server",
    )
    serve.add_argument(
        "--no-scheduler",
        action="store_true",
        help="do not run the scheduled jobs here (run `integritas worker` processes instead)",
    )
    serve.set_defaults(func=cmd_serve)

    imp = sub.add_parser(
        "import-org", help="create or update the organisation from a JSON file or an XLSX workbook"
    )
    imp.add_argument("file")
    imp.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
    imp.set_defaults(func=cmd_import_org)

    exp = sub.add_parser(
        "export-org", help="write the current organisation as an org file (FILE.json or FILE.xlsx)"
    )
    exp.add_argument("file")
    exp.set_defaults(func=cmd_export_org)

    sw = sub.add_parser("sweep", help="run the deadline sweep once")
    sw.set_defaults(func=cmd_sweep)

    worker = sub.add_parser(
        "worker", help="run the deadline sweep, reminders and the e-mail outbox in a loop (stops on SIGTERM)"
    )
    worker.add_argument("--once", action="store_true", help="run the jobs once and exit")
    worker.add_argument("--interval", type=float, default=None, help="seconds between runs")
    worker.set_defaults(func=cmd_worker)

    cleanup = sub.add_parser("cleanup", help="remove evidence files that no case records (left by a crash)")
    cleanup.add_argument("--min-age-minutes", type=int, default=60, help="only files older than this")
    cleanup.set_defaults(func=cmd_cleanup)

    demo = sub.add_parser("demo", help="load the demo organisation and sample cases")
    demo.set_defaults(func=cmd_demo)

    audit = sub.add_parser("audit", help="audit log tools")
    audit.add_argument("action", choices=["verify"])
    audit.add_argument(
        "--anchor",
        action="append",
        metavar="NUMBER:HASH",
        help="also check a head recorded elsewhere (the anchor e-mail); may be repeated",
    )
    audit.set_defaults(func=cmd_audit)

    keys = sub.add_parser(
        "keys",
        help="master key tools: status, rotate, generate",
        description="rotate: re-wrap every data key under a new master key while servers run. With the "
        "key file, the new key replaces it (the old one is kept as master_key.previous until every row "
        "has moved). With INTEGRITAS_MASTER_KEY, give the new key (--new-key or INTEGRITAS_NEW_MASTER_KEY), "
        "or first set INTEGRITAS_MASTER_KEY=<new> and INTEGRITAS_MASTER_KEY_PREVIOUS=<old> on every server "
        "and run rotate with those settings (no server ever meets a key it lacks).",
    )
    keys.add_argument("action", choices=["status", "rotate", "generate"])
    keys.add_argument(
        "--new-key",
        default="",
        help="the new master key (base64, 32 bytes); prefer INTEGRITAS_NEW_MASTER_KEY",
    )
    keys.add_argument("--batch", type=int, default=500, help="rows per transaction")
    keys.add_argument("--grace", type=float, default=2.0, help="seconds to wait before the final pass")
    keys.add_argument(
        "--keep-previous", action="store_true", help="keep the old key file (master_key.previous)"
    )
    keys.set_defaults(func=cmd_keys)

    backup = sub.add_parser(
        "backup", help="write an encrypted snapshot of the database and files (server may run)"
    )
    backup.add_argument("file", help="a new file, or s3://BUCKET/NAME (the evidence storage's S3 service)")
    backup.set_defaults(func=cmd_backup)

    restore = sub.add_parser(
        "restore", help="restore a backup into an empty data dir with the same master key"
    )
    restore.add_argument("file", help="a backup file, or s3://BUCKET/NAME")
    # The restore checks the key against the backup itself and never generates one.
    restore.set_defaults(func=cmd_restore, key_check=False)

    from integritas.monitoring import command as report_command

    report_command.add_parser(sub)  # issue 10: integritas report
    return parser


def check_master_key() -> str | None:
    """None when the master key opens the stored data (recorded on first start); else the problem."""
    from integritas.vault.crypto import VaultError
    from integritas.vault.keys import KeyProblem, key_check

    try:
        key_check()
    except (KeyProblem, VaultError) as problem:
        return str(problem)
    return None


def warn_about_key_placement(command: str) -> None:
    """One line at every start while the master key sits in the data dir (SECURITY.md, key placement)."""
    from integritas.vault.keyring import placement_warning_once

    warning = placement_warning_once()
    if warning is None:
        return
    if command in ("serve", "worker"):
        log.warning(warning)  # with the server's log, on stdout
    else:
        print(f"warning: {warning}", file=sys.stderr)  # stdout may be a key or JSON a script reads


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        # Read by the settings: the allowed hosts and, without INTEGRITAS_PUBLIC_URL, links in e-mails.
        os.environ["INTEGRITAS_SERVED_ADDRESS"] = f"{args.host}:{args.port}"
        os.environ["INTEGRITAS_SERVE_PROCESSES"] = str(max(1, args.workers))
    if args.command in ("serve", "worker"):  # long-running: keep database connections (settings.py)
        os.environ.setdefault("INTEGRITAS_DB_CONN_MAX_AGE", "300")
    setup()
    migrate()
    warn_about_key_placement(args.command)
    if getattr(args, "key_check", True):
        problem = check_master_key()
        if problem:
            print(f"error: {problem}", file=sys.stderr)
            return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
