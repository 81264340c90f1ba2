"""Time every figure of issue 13 against a server started here (`integritas serve`, the floor added).

Requests take turns between endpoints in rounds (so a noisy neighbour hits them all alike), over
keep-alive connections from 127.0.0.1; p50 and p95 are nearest-rank. The sweep figures call the
scheduler's jobs in this process (a tick of `integritas worker`), after moving 1% of the open cases
past their deadline with a plain UPDATE, then once more with nothing overdue.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection

from bench.build import PASSWORD, load_state

ROOT = Path(__file__).resolve().parent.parent
PDF_100K = (
    b"%PDF-1.4\n" + b"%" + os.urandom(8).hex().encode() + b"\n" + b"0" * (100 * 1024 - 40) + b"\n%%EOF\n"
)


@dataclass
class Figure:
    name: str
    what: str
    times: list[float] = field(default_factory=list)  # seconds
    note: str = ""
    errors: int = 0
    rate: float | None = None

    def pct(self, p: float) -> float:
        ordered = sorted(self.times)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


class Client:
    def __init__(self, port: int, token: str | None = None, cookie: str | None = None):
        self.port, self.token, self.cookie = port, token, cookie
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ):
        h = dict(headers or {})
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        if self.cookie:
            h["Cookie"] = self.cookie
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=h)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def timed(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None):
        started = time.perf_counter()
        status, payload = self.request(method, path, body, headers)
        return time.perf_counter() - started, status, payload


def start_server(port: int, workers: int = 0) -> subprocess.Popen[bytes]:
    """The embedded server (one process, 8 threads), or gunicorn with ``workers`` processes."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        # The application is imported from the working directory (a checkout to compare), the floor from here.
        "PYTHONPATH": os.pathsep.join([os.getcwd(), str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "INTEGRITAS_SCHEDULER_INTERVAL": "86400",  # the sweep is timed on its own, not during reads
        "BENCH_SERVER_TOKEN": uuid.uuid4().hex,
    }
    log = open(Path(os.environ["INTEGRITAS_DATA_DIR"]) / "bench-server.log", "ab")  # noqa: SIM115
    server = subprocess.Popen(
        [sys.executable, "-m", "integritas", "serve", "--port", str(port)]
        + (["--workers", str(workers), "--no-scheduler"] if workers else []),
        env=env,
        stdout=log,
        stderr=log,
    )
    deadline = time.monotonic() + 900  # the first scheduler tick runs before the first request is served
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"bench: the server stopped (see {log.name})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                status, body = Client(port).request("GET", "/bench/floor")
                if status == 200 and body.decode() != env["BENCH_SERVER_TOKEN"]:
                    server.terminate()
                    raise SystemExit(f"bench: port {port} is served by another process; choose --port")
                if status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("bench: the server did not answer within 15 minutes")


def token_for(port: int, username: str) -> str:
    status, body = Client(port).request(
        "POST",
        "/api/v1/auth/token",
        json.dumps({"username": username, "password": PASSWORD}).encode(),
        {"Content-Type": "application/json"},
    )
    if status != 200:
        raise SystemExit(f"bench: sign-in of {username} failed: {status} {body[:300]!r}")
    return json.loads(body)["token"]


def session_cookie(username: str) -> str:
    """A signed-in session for the pages, made as the sign-in view makes it (same database, same key)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from integritas.orgs.models import Person

    person = Person.objects.get(username=username)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(person.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = person.get_session_auth_hash()
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def read_figures(port: int, requests: int, accounts: dict[str, str], only: set[str]) -> list[Figure]:
    tokens = {role: token_for(port, user) for role, user in accounts.items() if role != "nobody"}
    tokens["nobody"] = token_for(port, accounts["nobody"])
    district, root = "DISDIK-01", "ITJEN"
    specs: list[tuple[str, str, Client, str]] = [
        ("floor", "floor: GET /bench/floor (writes one row)", Client(port), "/bench/floor"),
        ("empty", "GET /cases?mine=true, nothing to return", Client(port, tokens["nobody"]), "/api/v1/cases?mine=true"),
        ("mine_principal", "GET /cases?mine=true, a principal", Client(port, tokens["principal"]), "/api/v1/cases?mine=true"),
        ("mine_head", "GET /cases?mine=true, a district head", Client(port, tokens["district_head"]), "/api/v1/cases?mine=true"),
        ("exam_district", "GET /cases?status=examination, district team", Client(port, tokens["district_team"]),
         "/api/v1/cases?status=examination"),
        ("list_district", "GET /cases, district team", Client(port, tokens["district_team"]), "/api/v1/cases"),
        ("stats_district", f"GET /stats?unit={district}", Client(port, tokens["district_team"]), f"/api/v1/stats?unit={district}"),
        ("stats_root", f"GET /stats?unit={root}", Client(port, tokens["root_team"]), f"/api/v1/stats?unit={root}"),
        ("page_district", "page /kasus/semua/, district team", Client(port, cookie=session_cookie(accounts["district_team"])),
         "/kasus/semua/"),
        ("page_root", "page /kasus/semua/, inspectorate team", Client(port, cookie=session_cookie(accounts["root_team"])),
         "/kasus/semua/"),
        ("dashboard_district", f"page /pemantauan/, {district} this year", Client(port, cookie=session_cookie(accounts["district_team"])),
         f"/pemantauan/?unit={district}&period={time_now().year}"),
    ]  # fmt: skip
    specs = [s for s in specs if not only or s[0] in only or s[0] == "floor"]
    figures = {name: Figure(name, what) for name, what, _, _ in specs}
    for name, _, client, path in specs:  # warm-up
        for _ in range(2):
            _, status, body = client.timed("GET", path)
            if status != 200:
                raise SystemExit(f"bench: {name} answered {status}: {body[:300]!r}")
    for _ in range(requests):
        for name, _, client, path in specs:
            elapsed, status, _ = client.timed("GET", path)
            figures[name].times.append(elapsed)
            figures[name].errors += status != 200
    return list(figures.values())


def report_body(unit: str, position: str) -> tuple[bytes, str]:
    data = {
        "unit": unit,
        "subject": {"position": position},
        "decision": {"title": "Penetapan pemenang pengadaan seragam", "number": "421/012/2026", "date": "2026-07-01",
                     "kind": "procurement"},
        "categories": ["procurement"],
        "description": "Pemenang pengadaan adalah toko milik adik terlapor.",
        "reporter": {"name": "Pelapor Uji", "email": "pelapor@example.net", "phone": None, "nik": None,
                     "relation": "orang tua siswa"},
        "anonymous": False,
        "good_faith": True,
    }  # fmt: skip
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="data"\r\n\r\n{json.dumps(data)}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="evidence"; filename="bukti.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + PDF_100K
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def run_intake(port: int, total: int, concurrency: int) -> Figure:
    figure = Figure(f"intake_c{concurrency}", f"intake POST /reports, 100 KB PDF, concurrency {concurrency}")
    from integritas.orgs.models import Unit

    rng = random.Random(concurrency)
    schools = list(
        Unit.objects.filter(code__startswith="SMP-").order_by("code").values_list("code", flat=True)[:60]
    )
    lock = threading.Lock()
    left = [total]

    def worker() -> None:
        client = Client(port)
        while True:
            with lock:
                if left[0] <= 0:
                    return
                left[0] -= 1
            unit = rng.choice(schools)
            body, ctype = report_body(unit, f"GURU-1.{unit}")
            elapsed, status, payload = client.timed("POST", "/api/v1/reports", body, {"Content-Type": ctype})
            with lock:
                figure.times.append(elapsed)
                if status != 201:
                    figure.errors += 1
                    if figure.errors <= 3:
                        print(f"  intake error {status}: {payload[:200]!r}", flush=True)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    figure.rate = total / (time.perf_counter() - started)
    return figure


def _drain_mail() -> None:
    """Mail queued before a sweep figure is not part of it."""
    from integritas.notify.outbox import deliver

    while deliver().sent:
        pass


def _make_overdue() -> list[int]:
    """Move 1% of the open cases (the same ones each time) an hour past their deadline; their ids."""
    from integritas.cases.models import TIMED_STATUSES, Case

    open_ids = list(Case.objects.filter(status__in=TIMED_STATUSES).values_list("pk", flat=True))
    chosen = random.Random(7).sample(open_ids, max(1, len(open_ids) // 100)) if open_ids else []
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_case SET due_at = now() - interval '1 hour', overdue = false WHERE id = ANY(%s)",
            [chosen],
        )
    return chosen


def sweep_figures(*, tick: bool = True) -> list[Figure]:
    """The sweep with 1% of the open cases overdue; then (``tick``) the tick after it and an idle tick."""
    from integritas.notify.models import OutboxMessage
    from integritas.scheduler import run_jobs_once

    _drain_mail()
    chosen = _make_overdue()
    from integritas.cases.sweep import sweep

    started = time.perf_counter()
    result = sweep()
    marked = Figure("sweep_overdue", f"sweep: mark/escalate {len(chosen)} overdue (1% of open)",
                    [time.perf_counter() - started])  # fmt: skip
    marked.note = f"{len(result.marked)} of {len(chosen)} handled"
    if not tick:
        return [marked]
    queued = OutboxMessage.objects.filter(state="queued").count()
    started = time.perf_counter()
    run_jobs_once()
    rest = Figure(
        "tick_after", f"the tick after it (reminders, {queued} mails queued)", [time.perf_counter() - started]
    )
    _drain_mail()
    started = time.perf_counter()
    run_jobs_once()
    idle = Figure("sweep_idle", "sweep tick, nothing overdue", [time.perf_counter() - started])
    return [marked, rest, idle]


def split_sweep_figure(processes: int) -> Figure:
    """The same sweep shared by ``processes`` processes started together, as several `integritas worker`
    processes share it in production (each batch is claimed under row locks the others skip). The time
    is from the go to the last one done; the note says whether every case was handled exactly once."""
    _drain_mail()
    chosen = _make_overdue()
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "bench", "sweep-part"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for _ in range(processes)
    ]
    for child in children:  # each is set up and connected before the clock starts
        assert child.stdin is not None and child.stdout is not None
        if child.stdout.readline().strip() != "ready":
            for other in children:  # none is left waiting for a go that will not come
                other.kill()
            raise SystemExit(f"bench: a sweep process did not start ({child.wait()})")
    started = time.perf_counter()
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.close()
    outputs = [child.stdout.read() for child in children if child.stdout is not None]
    for child in children:
        child.wait()
    elapsed = time.perf_counter() - started
    lines = [out.strip().splitlines() for out in outputs]
    parts = [json.loads(last[-1]) if last else {"marked": []} for last in lines]  # none: it failed
    marked = [ref for part in parts for ref in part["marked"]]
    figure = Figure(
        f"sweep_overdue_{processes}p",
        f"sweep: the same {len(chosen)} overdue, {processes} processes",
        [elapsed],
    )
    shares = "+".join(str(len(part["marked"])) for part in parts)
    figure.note = f"{len(set(marked))} of {len(chosen)} handled ({shares})"
    figure.errors = len(marked) - len(set(marked)) + sum(child.returncode != 0 for child in children)
    return figure


def sweep_part() -> None:
    """One process of ``split_sweep_figure``: ready, wait for the go, sweep, print what it marked."""
    from integritas.cases.sweep import sweep

    connection.ensure_connection()
    print("ready", flush=True)
    sys.stdin.readline()
    result = sweep()
    print(json.dumps({"marked": result.marked, "escalated": result.escalated}), flush=True)


def report_figure(unit_code: str = "DISDIK-01", rounds: int = 3) -> Figure:
    """The evaluation PDF of a district's year (issue 10: goal ≤ 5 s), rendered in this process."""
    from integritas.monitoring.report import district_year_pdf

    year = time_now().year
    figure = Figure("pdf_district_year", f"evaluation PDF, {unit_code} year {year}")
    for _ in range(rounds):
        started = time.perf_counter()
        pdf = district_year_pdf(unit_code, year)
        figure.times.append(time.perf_counter() - started)
        figure.errors += not pdf.startswith(b"%PDF")
    figure.note = f"{len(pdf) // 1024} KB"
    return figure


def time_now():  # noqa: ANN201
    from django.utils import timezone

    return timezone.now()


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def print_table(figures: list[Figure], state: dict[str, Any]) -> None:
    floor = next((f for f in figures if f.name == "floor"), None)
    base = statistics.median(floor.times) if floor else None
    print()
    print(f"data set: {state.get('cases')} cases, {state.get('units')} units; load average {_load()}")
    if "import_seconds" in state:
        print(
            f"import-org: {state['import_seconds']:.1f} s; re-import without change: {state['reimport_seconds']:.1f} s"
        )
    print(f"{'figure':<52} {'n':>4} {'p50 ms':>9} {'p95 ms':>9} {'×floor':>7} {'rate/s':>7} {'err':>4}")
    for f in figures:
        if not f.times:
            continue
        p50, p95 = f.pct(50) * 1000, f.pct(95) * 1000
        ratio = f"{f.pct(50) / base:.1f}" if base else "-"
        rate = f"{f.rate:.1f}" if f.rate else ""
        print(
            f"{f.what:<52} {len(f.times):>4} {p50:>9.1f} {p95:>9.1f} {ratio:>7} {rate:>7} {f.errors:>4} {f.note}"
        )


def run(requests: int = 30, intake: int = 100, port: int = 8321, only: set[str] | None = None,
        out: Callable[[list[Figure]], None] | None = None, workers: int = 0,
        concurrency: tuple[int, ...] = (1, 16)) -> int:  # fmt: skip
    only = only or set()
    state = load_state()
    accounts = state.get("accounts")
    if not accounts:
        raise SystemExit("bench: build the data set first (python -m bench build)")
    server = start_server(port, workers)
    figures: list[Figure] = []
    try:
        figures += read_figures(port, requests, accounts, only)
        if intake and (not only or "intake" in only):
            for clients in concurrency:
                figures.append(run_intake(port, intake, clients))
    finally:
        server.terminate()
        server.wait(timeout=60)
    if not only or "report" in only:
        figures.append(report_figure(rounds=1 if requests < 5 else 3))
    if not only or "sweep" in only:
        figures += sweep_figures()
    print_table(figures, state)
    if out:
        out(figures)
    return 1 if any(f.errors for f in figures) else 0
