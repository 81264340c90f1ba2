"""Factories: units, chains of positions with holders, teams, and reports at any stage."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from integritas.cases import services
from integritas.cases.evidence import check_files
from integritas.cases.intake import validate_report
from integritas.cases.models import Case
from integritas.orgs.models import Holding, Person, Position, TeamMembership, Unit

PASSWORD = "Kuat-Sekali-2026!"
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def make_unit(code: str, *, parent: Unit | None = None, **kwargs: Any) -> Unit:
    kwargs.setdefault("name", code.replace("-", " ").title())
    return Unit.objects.create(code=code, parent=parent, **kwargs)


def make_person(username: str, *, name: str | None = None, email: str | None = None, **kwargs: Any) -> Person:
    person = Person(
        username=username, name=name or username.title(), email=email or f"{username}@example.org", **kwargs
    )
    person.set_password(PASSWORD)
    person.save()
    return person


def make_position(
    code: str,
    unit: Unit,
    *,
    title: str | None = None,
    reports_to: Position | None = None,
    holder: Person | None = None,
    acting: bool = False,
) -> Position:
    position = Position.objects.create(
        code=code, unit=unit, title=title or code.title(), reports_to=reports_to
    )
    if holder is not None:
        Holding.objects.create(person=holder, position=position, start=dt.date(2020, 1, 1), acting=acting)
    return position


def add_team(unit: Unit, *members: Person) -> None:
    for member in members:
        TeamMembership.objects.create(unit=unit, person=member)


@dataclass
class Org:
    """The demo-like chain: teacher → vice principal → principal → head of division (district)."""

    district: Unit
    school: Unit
    teacher: Person
    vice: Person
    principal: Person
    kabid: Person
    kadis: Person
    school_team: Person
    district_team: Person
    outsider: Person
    admin: Person
    p_teacher: Position
    p_vice: Position
    p_principal: Position
    p_kabid: Position
    p_kadis: Position


def make_org(
    *,
    school_week: str = "mon-sat",
    school_tz: str | None = None,
    school_policy: dict | None = None,
    district_policy: dict | None = None,
) -> Org:
    district = make_unit(
        "DISDIK",
        timezone="Asia/Jakarta",
        work_week="mon-fri",
        policy=district_policy or {"require_evidence": False},
    )
    school = make_unit(
        "SMPN1", parent=district, work_week=school_week, timezone=school_tz, policy=school_policy or {}
    )
    people = {
        n: make_person(n)
        for n in ("teacher", "vice", "principal", "kabid", "kadis", "schoolteam", "districtteam", "outsider")
    }
    admin = make_person("admin", is_admin=True)
    p_kadis = make_position("KADIS", district, title="Kepala Dinas", holder=people["kadis"])
    p_kabid = make_position(
        "KABID", district, title="Kepala Bidang SMP", reports_to=p_kadis, holder=people["kabid"]
    )
    p_principal = make_position(
        "KS", school, title="Kepala Sekolah", reports_to=p_kabid, holder=people["principal"]
    )
    p_vice = make_position(
        "WAKA", school, title="Wakil Kepala Sekolah", reports_to=p_principal, holder=people["vice"]
    )
    p_teacher = make_position(
        "GURU", school, title="Guru Matematika", reports_to=p_vice, holder=people["teacher"]
    )
    add_team(school, people["schoolteam"])
    add_team(district, people["districtteam"])
    return Org(
        district,
        school,
        people["teacher"],
        people["vice"],
        people["principal"],
        people["kabid"],
        people["kadis"],
        people["schoolteam"],
        people["districtteam"],
        people["outsider"],
        admin,
        p_teacher,
        p_vice,
        p_principal,
        p_kabid,
        p_kadis,
    )


def report_data(unit: Unit | str, position: Position | str | None = None, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "unit": unit if isinstance(unit, str) else unit.code,
        "subject": {"position": position if isinstance(position, str) else position.code}
        if position is not None
        else {"name": "Bendahara sekolah", "description": "yang mengurus dana BOS"},
        "decision": {
            "title": "Penetapan pemenang pengadaan seragam",
            "number": "421/012/2026",
            "date": "2026-07-01",
            "kind": "procurement",
        },
        "categories": ["procurement", "family_community"],
        "description": "Pemenang pengadaan adalah toko milik adik terlapor.",
        "reporter": {
            "name": "Siti Aminah",
            "email": "siti@example.net",
            "phone": "+6281234567890",
            "nik": None,
            "relation": "orang tua siswa",
        },
        "anonymous": False,
        "good_faith": True,
    }
    data.update(overrides)
    return data


def pdf_upload(name: str = "bukti.pdf", payload: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, payload, content_type="application/pdf")


def submit(
    unit: Unit,
    position: Position | None = None,
    *,
    files: list | None = None,
    now: dt.datetime | None = None,
    **overrides: Any,
) -> services.Submitted:
    files = files if files is not None else [pdf_upload()]
    report = validate_report(report_data(unit, position, **overrides), evidence_count=len(files))
    checked = check_files(files, max_upload_mb=report.policy["max_upload_mb"])
    return services.case_submit(report=report, files=checked, now=now)


def reload(case: Case) -> Case:
    return Case.objects.select_related(
        "unit", "handler_position", "handler_person", "handler_team", "subject_position"
    ).get(pk=case.pk)


def case_state(case: Case) -> tuple:
    """Everything an action may change on a case: a refused request leaves it equal."""
    from integritas.cases.models import FollowUp, IdentityRequest, NoConflictConfirmation

    case = reload(case)
    return (
        case.status,
        case.level,
        case.handler_person_id,
        case.handler_position_id,
        case.handler_team_id,
        case.subject_position_id,
        case.events.count(),
        case.messages.count(),
        list(FollowUp.objects.filter(case=case).order_by("pk").values_list("done", "cancelled")),
        list(IdentityRequest.objects.filter(case=case).order_by("pk").values_list("state", flat=True)),
        NoConflictConfirmation.objects.filter(case=case).count(),
        case.recusals.count(),
    )


def as_bytes(upload: SimpleUploadedFile) -> bytes:
    upload.seek(0)
    return upload.read()


__all__ = ["io"]
