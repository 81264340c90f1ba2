"""The demo organisation (`integritas demo`): SMP Negeri 1 Mejayan under its district office.

The organisation comes from ``demo_org.json`` through the ordinary org import, and the sample cases
(``demo_cases.json``: each report, then the steps its handlers take) go through the same services as real reports (``case_submit``, ``case_examine``, ``case_review``…),
so every row, event and deadline is what a real case would have. Loading twice adds nothing: the
import is idempotent and the cases are created only while the demo units have none.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone, translation

from integritas.cases import services
from integritas.cases.evidence import check_files
from integritas.cases.intake import validate_report
from integritas.cases.models import Case, Conclusion, FollowUp, ReviewDecision, Status, Via
from integritas.orgs.importer import import_org
from integritas.orgs.models import Holding, Person, Position, TeamMembership, Unit

ORG_FILE = Path(__file__).with_name("demo_org.json")
# The sample cases: each report, then the steps its handlers take (times before the loading).
SAMPLE_FILE = Path(__file__).with_name("demo_cases.json")
# Shared by every demo account, and printed by `integritas demo`: change it before any real use.
DEMO_PASSWORD = "Integritas-Demo-2026"
DISTRICT = "DISDIK-MADIUN"
SCHOOL = "SMPN1-MEJAYAN"


def load_org_file() -> dict[str, Any]:
    return json.loads(ORG_FILE.read_text(encoding="utf-8"))


def demo_unit_codes() -> list[str]:
    return [u["code"] for u in load_org_file()["units"]]


def load_demo(now: dt.datetime | None = None) -> str:
    """Import the demo organisation and, the first time, its sample cases; a printable summary."""
    now = now or timezone.now()
    data = load_org_file()
    imported = import_org(data, actor="demo", via="demo")
    units = [u["code"] for u in data["units"]]
    with translation.override("en"):
        organisation = imported.as_text()
    lines = [
        "Integritas demo: Dinas Pendidikan Kabupaten Madiun with SMP Negeri 1 Mejayan",
        "",
        "Organisation: " + organisation,
    ]
    existing = Case.objects.filter(unit__code__in=units).count()
    receipts: list[tuple[str, str]] = []
    if existing:
        lines.append(f"Sample cases: the demo units already have {existing} case(s); no cases were added.")
    else:
        with transaction.atomic():
            receipts = _create_cases(now)
        lines.append(f"Sample cases: {len(receipts)} created through the handling procedure.")
    lines += ["", *_units_text(units), "", *_accounts_text(data), "", *_cases_text(units)]
    # Prevention (issue 9): declarations, gratification, a self-declaration, an agenda, a risk map.
    from integritas.prevention.demo import load as load_prevention

    lines += ["", *load_prevention(now)]
    if receipts:
        lines += [
            "",
            "Reporter receipts (shown only now; track a case with its receipt):",
            *(f"  {reference}  {receipt}" for reference, receipt in receipts),
        ]
    return "\n".join(lines)


# ---------------------------------------------------------------- summary


def _units_text(codes: list[str]) -> list[str]:
    today = timezone.localdate()
    lines = ["Units (policy: the defaults; evidence is required, so every sample report carries a PDF)"]
    for unit in Unit.objects.filter(code__in=codes).select_related("parent").order_by("path"):
        depth = len(unit.ancestor_ids()) - 1
        lines.append(
            f"  {'  ' * depth}{unit.code:<14} {unit.name} ({unit.effective_timezone}, {unit.effective_work_week})"
        )
    held = Holding.objects.active_on(today).values("position_id")
    vacant = Position.objects.filter(unit__code__in=codes).exclude(pk__in=held).order_by("code")
    for position in vacant:
        lines.append(
            f"  Vacant: {position.code} ({position.title}, {position.unit.code}); the chain skips it to the next holder up"
        )
    return lines


def _accounts_text(data: dict[str, Any]) -> list[str]:
    usernames = [p["username"] for p in data["people"]]
    people = {p.username: p for p in Person.objects.filter(username__in=usernames)}
    today = timezone.localdate()
    lines = [
        f"Accounts (every demo account signs in with the password: {DEMO_PASSWORD})",
        f"  {'username':<16} {'name':<30} role",
    ]
    for username in usernames:
        person = people.get(username)
        if person is None:
            continue
        roles: list[str] = []
        holdings = (
            Holding.objects.active_on(today)
            .filter(person=person)
            .select_related("position__unit")
            .order_by("acting", "id")
        )
        for holding in holdings:
            title = ("Plt. " if holding.acting else "") + holding.position.title
            roles.append(f"{title} ({holding.position.unit.code})")
        for membership in TeamMembership.objects.filter(person=person).select_related("unit"):
            roles.append(f"Tim Penanganan Benturan Kepentingan {membership.unit.code}")
        if person.is_admin:
            roles.append("Administrator (manages the organisation; sees no case content)")
        lines.append(f"  {username:<16} {person.display_name:<30} {'; '.join(roles) or '-'}")
    return lines


def _cases_text(units: list[str]) -> list[str]:
    lines = ["Cases"]
    cases = (
        Case.objects.filter(unit__code__in=units)
        .select_related("unit", "subject_position", "handler_position", "handler_person", "handler_team")
        .order_by("created_at", "id")
    )
    for case in cases:
        state = case.status + (f" ({case.outcome})" if case.outcome else "")
        subject = case.subject_position.title if case.subject_position else "(subject to be identified)"
        if case.status == Status.CLOSED:
            handler = "-"
        elif case.status == Status.FOLLOW_UP:
            handler = f"team {case.unit.code} supervises the follow-up"
        elif case.handler_person is not None and case.handler_position is not None:
            handler = f"{case.handler_person.username} ({case.handler_position.title})"
        elif case.handler_team is not None:
            handler = f"team {case.handler_team.code}"
        else:
            handler = "-"
        lines.append(
            f"  {case.reference}  {state:<20} {case.unit.code:<14} terlapor: {subject}; handler: {handler}"
        )
    if len(lines) == 1:
        lines.append("  (none)")
    return lines


# ---------------------------------------------------------------- the sample cases


def _pdf(text: str) -> bytes:
    """A small valid one-page PDF carrying ``text``: the demo's evidence file."""
    safe = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 12 Tf 72 760 Td ({safe}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _evidence(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, _pdf(text), content_type="application/pdf")


def _submit(
    report: dict[str, Any], evidence: list[SimpleUploadedFile], at: dt.datetime
) -> services.Submitted:
    checked_report = validate_report(report, evidence_count=len(evidence))
    files = check_files(evidence, max_upload_mb=checked_report.policy["max_upload_mb"])
    return services.case_submit(report=checked_report, files=files, now=at)


def _report(sample: dict[str, Any], unit: str, today: dt.date) -> dict[str, Any]:
    """A sample's report as the portal sends it, its decision dated ``days_ago`` before ``today``."""
    report = sample["report"]
    decision = {key: value for key, value in report["decision"].items() if key != "days_ago"}
    decision["date"] = (today - dt.timedelta(days=report["decision"]["days_ago"])).isoformat()
    return {
        "unit": unit,
        "subject": report["subject"],
        "decision": decision,
        "categories": report["categories"],
        "description": report["description"],
        "reporter": {"nik": None, **report["reporter"]},
        "anonymous": False,
        "good_faith": True,
    }


def _take_step(
    case: Case,
    step: dict[str, Any],
    *,
    people: dict[str, Person],
    follow_ups: list[FollowUp],
    at: dt.datetime,
    today: dt.date,
) -> Case:
    """One step a handler (or the reporter) takes on a sample case, through the ordinary service."""
    action = step["do"]
    if action == "reporter_message":
        evidence = step["evidence"]
        services.reporter_message(
            case=case,
            now=at,
            text=step["text"],
            files=check_files(
                [_evidence(evidence["name"], evidence["text"])],
                max_upload_mb=case.unit.effective_policy["max_upload_mb"],
            ),
        )
        return case
    actor = people[step["by"]]
    if action == "open":
        # A handler opening a case for the first time confirms having no conflict with it.
        services.case_confirm_no_conflict(case=case, actor=actor, via=Via.WEB, now=at)
    elif action == "examine":
        case = services.case_examine(
            via=Via.WEB,
            case=case,
            actor=actor,
            conclusion=Conclusion(step["conclusion"]),
            now=at,
            findings=step["findings"],
        )
    elif action == "review":
        case = services.case_review(
            via=Via.WEB,
            case=case,
            actor=actor,
            decision=ReviewDecision(step["decision"]),
            now=at,
            notes=step["notes"],
        )
    elif action == "follow_up_add":
        due_date = today + dt.timedelta(days=step["due_in_days"])
        follow_ups.append(
            services.follow_up_add(
                via=Via.WEB, case=case, actor=actor, now=at, due_date=due_date, title=step["title"]
            )
        )
    elif action == "follow_up_done":
        services.follow_up_done(
            via=Via.WEB,
            case=case,
            actor=actor,
            follow_up=follow_ups[step["follow_up"] - 1],
            now=at,
            notes=step["notes"],
        )
    elif action == "close":
        services.case_close(via=Via.WEB, case=case, actor=actor, now=at, summary=step["summary"])
    elif action == "message":
        services.case_message(via=Via.WEB, case=case, actor=actor, now=at, text=step["text"])
    else:
        raise ValueError(f"{SAMPLE_FILE.name}: unknown step {action!r}")
    return case


def _create_cases(now: dt.datetime) -> list[tuple[str, str]]:
    samples = json.loads(SAMPLE_FILE.read_text(encoding="utf-8"))
    people = {
        p.username: p
        for p in Person.objects.filter(username__in=[e["username"] for e in load_org_file()["people"]])
    }
    unit = Unit.objects.get(code=samples["unit"])
    today = now.astimezone(unit.tz).date()
    receipts: list[tuple[str, str]] = []
    for sample in samples["cases"]:
        evidence = sample["evidence"]
        sub = _submit(
            _report(sample, unit.code, today),
            [_evidence(evidence["name"], evidence["text"])],
            now - dt.timedelta(**sample["submitted"]),
        )
        receipts.append((sub.case.reference, sub.receipt))
        case = sub.case
        follow_ups: list[FollowUp] = []
        for step in sample["steps"]:
            at = now - dt.timedelta(**step["ago"])
            case = _take_step(case, step, people=people, follow_ups=follow_ups, at=at, today=today)
    return receipts
