"""Build the benchmark data set: the organisation through `import-org` (timed, and a re-import that
changes nothing), then N cases written with COPY in the shape of real ones.

Each case has what the services write: its row (own data key wrapped by the master key, sealed report
bound to its reference, handler, level, stage clock, outcome), 1–2 category rows, a handler row per
level it went through, the events of its path (and the stage steps monitoring counts, copied from
them after the COPY), one evidence row (sealed file name), a follow-up action when it reached
follow-up, and the reminder milestones already sent for its current stage.
States: 70% closed (created over two years), 15% examination, 10% review, 5% follow-up (created in
the last 90 days, deadlines 6–96 h ahead). Volume per district is even; inside a district it is
skewed (1/rank^0.7) so that principals with a few dozen cases exist at every size.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection

from bench import orgdata

PASSWORD = "Bench-Password-2026!"
STATE_FILE = "bench-build.json"
CHUNK = 20_000
CATEGORIES = [
    "procurement",
    "family_community",
    "gratification",
    "side_job",
    "affiliation",
    "insider_information",
]
DECISIONS = ["admission", "procurement", "staffing"]
REVIEW = [("revoke", "reviewed_revoke", "revoked"), ("amend", "reviewed_amend", "amended"),
          ("uphold", "reviewed_uphold", "upheld")]  # fmt: skip


def data_dir() -> Path:
    path = Path(os.environ["INTEGRITAS_DATA_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_state(**values: Any) -> None:
    file = data_dir() / STATE_FILE
    state = json.loads(file.read_text()) if file.exists() else {}
    state.update(values)
    file.write_text(json.dumps(state, indent=2, default=str))


def load_state() -> dict[str, Any]:
    file = data_dir() / STATE_FILE
    return json.loads(file.read_text()) if file.exists() else {}


def _integritas(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "integritas", *args],
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "integritas.settings"},
    )
    return time.perf_counter() - started


def import_org(districts: int, schools: int) -> None:
    from integritas.orgs.models import Unit

    if Unit.objects.exists():
        print("organisation already there: import not timed again", flush=True)
        return
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(orgdata.build(districts, schools), handle)
    first = _integritas("import-org", handle.name)
    again = _integritas("import-org", handle.name)
    os.unlink(handle.name)
    units = Unit.objects.count()
    print(f"import-org of {units} units: {first:.1f} s; again (no change): {again:.1f} s", flush=True)
    save_state(import_seconds=first, reimport_seconds=again, units=units)


@dataclass
class Org:
    units: dict[int, tuple[str, str, int | None]]  # id → (code, path, parent id)
    positions: dict[int, tuple[str, int, int | None]]  # id → (code, unit id, reports-to id)
    holder: dict[int, int]  # position id → person id
    schools_by_district: dict[int, list[int]]
    subjects: dict[int, list[int]]  # school id → positions that can be reported


def load_org() -> Org:
    from integritas.orgs.models import Holding, Position, Unit

    units = {
        pk: (code, path, parent)
        for pk, code, path, parent in Unit.objects.values_list("pk", "code", "path", "parent_id")
    }
    positions = {
        pk: (code, unit, to)
        for pk, code, unit, to in Position.objects.values_list("pk", "code", "unit_id", "reports_to_id")
    }
    holder = dict(Holding.objects.filter(end__isnull=True).values_list("position_id", "person_id"))
    by_district: dict[int, list[int]] = {}
    for pk, (code, _path, parent) in sorted(units.items()):
        if code.startswith("SMP-") and parent is not None:
            by_district.setdefault(parent, []).append(pk)
    subjects: dict[int, list[int]] = {}
    for pk, (code, unit, _to) in positions.items():
        if code.startswith(("GURU-", "WAKA-", "KTU.", "KS.")) and unit in units:
            subjects.setdefault(unit, []).append(pk)
    return Org(units, positions, holder, by_district, subjects)


def chain(org: Org, position: int) -> list[int]:
    """The positions above ``position``, nearest first."""
    found: list[int] = []
    current = org.positions[position][2]
    while current is not None and len(found) < 6:
        found.append(current)
        current = org.positions[current][2]
    return found


class Writer:
    """Rows per table, written with COPY when a chunk is full."""

    COLUMNS = {
        "cases_case": (
            "id reference unit_id status subject_position_id decision_kind decision_date anonymous reporter_person_id "
            "wrapped_key sealed receipt_hash handler_position_id handler_person_id handler_team_id level "
            "stage_started_at due_at overdue reminded conclusion review_decision outcome created_at concluded_at "
            "reviewed_at closed_at"
        ),
        "cases_casecategory": "case_id code unit_id created_at",
        "cases_casehandler": "case_id person_id position_id level assigned_at",
        "cases_event": (
            "case_id at kind actor_id actor_role actor_position_id actor_team_id from_status to_status "
            "to_position_id to_team_id data note stage stage_started_at stage_due_at"
        ),
        "cases_evidence": "case_id sender sealed_name size content_type storage_name sha256 created_at",
        "cases_followup": (
            "case_id title due_date done done_at notes cancelled cancel_reason created_by_id created_at unit_id "
            "case_created_at"
        ),
        "notify_milestone": "case_id key at",
    }

    def __init__(self) -> None:
        self.rows: dict[str, list[tuple[Any, ...]]] = {table: [] for table in self.COLUMNS}

    def add(self, table: str, *row: Any) -> None:
        self.rows[table].append(row)

    def flush(self) -> None:
        raw = connection.connection
        with raw.cursor() as cursor:
            for table, rows in self.rows.items():
                if not rows:
                    continue
                columns = ", ".join(self.COLUMNS[table].split())
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                rows.clear()
        raw.commit()


def build_cases(total: int, seed: int) -> None:
    from integritas.cases import content
    from integritas.cases.models import Case
    from integritas.orgs.models import Person

    rng = random.Random(seed)
    org = load_org()
    now = dt.datetime.now(dt.UTC)
    districts = sorted(org.schools_by_district)
    weights = {d: _cumulative(len(org.schools_by_district[d])) for d in districts}
    first_id = (Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    taken = set(Case.objects.values_list("reference", flat=True))
    writer = Writer()
    template = Case(unit_id=next(iter(org.units)))
    evidence_sha = "0" * 64
    started = time.perf_counter()
    connection.ensure_connection()
    for n in range(total):
        pk = first_id + n
        district = districts[n % len(districts)]
        school = rng.choices(org.schools_by_district[district], cum_weights=weights[district])[0]
        subject = rng.choice(org.subjects[school])
        above = chain(org, subject)
        roll = rng.random()
        status = (
            "closed"
            if roll < 0.70
            else "examination"
            if roll < 0.85
            else "review"
            if roll < 0.95
            else "follow_up"
        )
        if status == "closed":
            created = now - dt.timedelta(seconds=rng.uniform(7 * 86400, 730 * 86400))
        else:
            created = now - dt.timedelta(seconds=rng.uniform(86400, 90 * 86400))
        year = created.year
        while True:
            reference = f"BK-{year:04d}-{rng.randint(1, 999_999):06d}"
            if reference not in taken:
                taken.add(reference)
                break
        template.pk, template.reference = pk, reference
        template._data_key = None  # type: ignore[attr-defined]
        content.new_case_key(template)
        content.seal_report(
            template,
            {
                "description": f"Laporan uji beban nomor {n}: keputusan diambil oleh kerabat terlapor.",
                "reporter": None
                if n % 3 == 0
                else {"name": "Pelapor Uji", "email": f"pelapor{n}@example.net"},
                "decision": {
                    "title": "Penetapan pemenang pengadaan",
                    "number": f"421/{n}",
                    "date": "",
                    "kind": "",
                },
                "subject": None,
            },
        )
        sealed_name = content.seal_evidence_name(template, "bukti.pdf")
        level = 0
        founded = status != "closed" or rng.random() < 0.6
        if status == "review":
            level = 1
        elif status == "examination" and rng.random() < 0.1:
            level = 1
        handler_position = above[level] if level < len(above) else None
        handler_person = org.holder.get(handler_position) if handler_position else None
        handler_team = None if handler_position else district
        stage_started = due = None
        conclusion = review_decision = outcome = ""
        concluded = reviewed = closed = None
        routed_at = created + dt.timedelta(seconds=2)
        if status in ("examination", "review"):
            stage_started = max(routed_at, now - dt.timedelta(seconds=rng.uniform(3600, 5 * 86400)))
            due = now + dt.timedelta(seconds=rng.uniform(6 * 3600, 96 * 3600))
        if status in ("review", "follow_up", "closed") and founded:
            concluded = created + dt.timedelta(days=rng.uniform(1, 5))
            conclusion = "founded"
        if status == "closed" and not founded:
            concluded = closed = created + dt.timedelta(days=rng.uniform(1, 5))
            conclusion, outcome = "unfounded", "unfounded"
        decision = rng.choice(REVIEW)
        if status in ("follow_up", "closed") and founded:
            assert concluded is not None
            reviewed = concluded + dt.timedelta(days=rng.uniform(1, 5))
            review_decision = decision[0]
            level = 1
            handler_position = above[1] if len(above) > 1 else None
            handler_person = org.holder.get(handler_position) if handler_position else None
            handler_team = None if handler_position else district
        if status == "closed" and founded:
            assert reviewed is not None
            closed = reviewed + dt.timedelta(days=rng.uniform(1, 10))
            outcome = decision[2]
        if status == "review":
            concluded = stage_started
        # Which reminder of the current stage went out: the same milestones as written below, so the
        # first tick after the build finds nothing to catch up on (``Case.reminded`` is their hint).
        reminded = 0
        if stage_started is not None and due is not None:
            reminded = 2 if due < now + dt.timedelta(days=1) else 1 if due < now + dt.timedelta(days=3) else 0
        writer.add(
            "cases_case",
            pk, reference, school, status, subject, rng.choice(DECISIONS), created.date(), n % 7 == 0, None,
            bytes(template.wrapped_key), bytes(template.sealed), os.urandom(32).hex(),
            handler_position, handler_person, handler_team, level, stage_started, due, False, reminded,
            conclusion, review_decision, outcome, created, concluded, reviewed, closed,
        )  # fmt: skip
        codes = [rng.choice(CATEGORIES)]
        if rng.random() < 0.27:
            codes.append(rng.choice([c for c in CATEGORIES if c != codes[0]]))
        for code in codes:
            writer.add("cases_casecategory", pk, code, school, created)
        for lvl in range(level + 1):
            if lvl < len(above) and above[lvl] in org.holder:
                writer.add("cases_casehandler", pk, org.holder[above[lvl]], above[lvl], lvl, routed_at)
        writer.add(
            "cases_evidence",
            pk,
            "reporter",
            sealed_name,
            102_400,
            "application/pdf",
            "bench/none",
            evidence_sha,
            created,
        )
        ev = lambda at, kind, role, fr, to, pk=pk, **kw: writer.add(  # noqa: E731
            "cases_event", pk, at, kind, kw.get("actor"), role, kw.get("actor_position"), None, fr, to,
            kw.get("to_position"), kw.get("to_team"), "{}", "", kw.get("stage", ""), kw.get("started"), kw.get("due"),
        )  # fmt: skip
        ev(created, "submitted", "reporter", "", "submitted")
        ev(routed_at, "routed", "system", "submitted", "examination", to_position=above[0] if above else None)
        if concluded is not None and status != "review" or status == "review":
            pass
        if conclusion == "founded" and concluded is not None:
            ev(concluded, "examined_founded", "position", "examination", "review", stage="examination",
               started=routed_at, due=routed_at + dt.timedelta(days=7), to_position=above[1] if len(above) > 1 else None)  # fmt: skip
        if conclusion == "unfounded" and concluded is not None:
            ev(concluded, "examined_unfounded", "position", "examination", "closed", stage="examination",
               started=routed_at, due=routed_at + dt.timedelta(days=7))  # fmt: skip
        if reviewed is not None and concluded is not None:
            ev(reviewed, decision[1], "position", "review", "follow_up", stage="review",
               started=concluded, due=concluded + dt.timedelta(days=7))  # fmt: skip
            done = status == "closed"
            writer.add(
                "cases_followup", pk, "Pembinaan terlapor", (reviewed + dt.timedelta(days=14)).date(), done,
                (reviewed + dt.timedelta(days=5)) if done else None, "", False, "", None, reviewed, school, created,
            )  # fmt: skip
            ev(reviewed, "follow_up_added", "team", "follow_up", "follow_up")
        if closed is not None and outcome != "unfounded":
            ev(closed, "closed", "team", "follow_up", "closed", stage="follow_up", started=reviewed)
        if stage_started is not None and due is not None:
            key = stage_started.isoformat()
            if due < now + dt.timedelta(days=3):
                writer.add("notify_milestone", pk, f"deadline_soon:{key}", now)
            if due < now + dt.timedelta(days=1):
                writer.add("notify_milestone", pk, f"deadline_today:{key}", now)
        if (n + 1) % CHUNK == 0:
            writer.flush()
            rate = (n + 1) / (time.perf_counter() - started)
            print(f"  {n + 1:,} cases ({rate:,.0f}/s)", flush=True)
    writer.flush()
    with connection.cursor() as cursor:
        for table in Writer.COLUMNS:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        # The team already heard of the open follow-up actions that fell due before the build (their
        # milestone, keyed by the action's id, which COPY has just given them).
        cursor.execute(FOLLOW_UPS_HEARD, [now])
    elapsed = time.perf_counter() - started
    print(f"{total:,} cases written in {elapsed:.0f} s", flush=True)
    Person.objects.filter(username__in=[]).exists()


FOLLOW_UPS_HEARD = """
INSERT INTO notify_milestone (case_id, key, at)
SELECT f.case_id, 'follow_up_due:' || f.id, %s FROM cases_followup f JOIN cases_case c ON c.id = f.case_id
WHERE NOT f.done AND NOT f.cancelled AND c.status = 'follow_up' AND f.due_date <= CURRENT_DATE + 1
ON CONFLICT (case_id, key) DO NOTHING
"""


def _cumulative(count: int) -> list[float]:
    total, out = 0.0, []
    for rank in range(1, count + 1):
        total += 1 / rank**0.7
        out.append(total)
    return out


def prepare_accounts() -> dict[str, str]:
    """Passwords for the accounts the run signs in with; the principal is the one whose handled count
    is nearest 30."""
    from django.contrib.auth.hashers import make_password
    from django.db.models import Count

    from integritas.cases.models import CaseHandler
    from integritas.orgs.models import Person

    principal = (
        CaseHandler.objects.filter(position__code__startswith="KS.")
        .values("person__username")
        .annotate(n=Count("*"))
        .order_by("n")
    )
    chosen = min(principal, key=lambda row: abs(row["n"] - 30), default=None)
    accounts = {
        "principal": chosen["person__username"]
        if chosen
        else orgdata.username("KS", orgdata.school_code(1, 1)),
        "district_head": orgdata.username("KABID-SMP", orgdata.district_code(1)),
        "district_team": orgdata.username("PENGAWAS-1", orgdata.district_code(1)),
        "root_team": orgdata.username("AUD-1", orgdata.ROOT),
        "nobody": orgdata.username("SEKDIS", orgdata.district_code(2)),
    }
    Person.objects.filter(username__in=accounts.values()).update(password=make_password(PASSWORD))
    save_state(accounts=accounts)
    return accounts


def finish() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_floor (id bigserial PRIMARY KEY, at timestamptz NOT NULL)"
        )
    old = connection.connection.autocommit
    connection.connection.autocommit = True
    with connection.connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connection.connection.autocommit = old


def build(cases: int, seed: int = 1, districts: int = 30, schools: int = 333) -> None:
    from django.core.management import call_command

    from integritas.cases import steps, tallies
    from integritas.cases.models import Case

    call_command("migrate", verbosity=0)
    import_org(districts, schools)
    have = Case.objects.count()
    if have < cases:
        build_cases(cases - have, seed + have)
        started = time.perf_counter()
        written = steps.rebuild()  # the stage steps monitoring counts, from the events just written
        print(f"{written:,} stage steps written in {time.perf_counter() - started:.0f} s", flush=True)
        started = time.perf_counter()
        written = tallies.rebuild()  # the monitoring tallies, from the cases and rows just written
        print(f"{written:,} tally rows written in {time.perf_counter() - started:.0f} s", flush=True)
    finish()
    accounts = prepare_accounts()
    save_state(cases=Case.objects.count(), built_at=dt.datetime.now(dt.UTC).isoformat())
    print(f"ready: {Case.objects.count():,} cases; accounts {accounts}", flush=True)
