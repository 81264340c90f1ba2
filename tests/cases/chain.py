"""The chain the service tests walk (teacher → vice principal → principal → head of division → head
of the office), on real 2026 dates: the school works Monday to Saturday and July 2026 has no
Indonesian holiday, so the deadlines can be counted by hand. People have real names, so that a
leaked name is easy to spot."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from integritas.cases import services, timeline
from integritas.cases.models import Case, Event, Status, Via
from integritas.orgs.models import Holding, Person, Position
from tests.factories import reload, submit

WIB = ZoneInfo("Asia/Jakarta")
NOW = dt.datetime(2026, 7, 7, 10, 0, tzinfo=WIB)  # Tuesday
LATER = dt.datetime(2026, 7, 9, 9, 0, tzinfo=WIB)  # Thursday
START = dt.date(2020, 1, 1)
API = Via.API


def end_of_day(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day, 23, 59, 59, tzinfo=WIB)


# 3 working days (mon-sat) after Tuesday 7 July: Wed 8, Thu 9, Fri 10.
EXAM_DUE = end_of_day(2026, 7, 10)

NAMES = {
    "teacher": "Ahmad Fauzi",
    "vice": "Bambang Wijaya",
    "principal": "Budi Santoso",
    "kabid": "Sri Wahyuni",
    "kadis": "Hendra Gunawan",
    "schoolteam": "Dewi Lestari",
    "districtteam": "Rina Kartika",
    "outsider": "Joko Susilo",
    "admin": "Agus Salim",
}


def vacate(person: Person, position: Position, *, end: dt.date = dt.date(2026, 6, 30)) -> None:
    Holding.objects.filter(person=person, position=position).update(end=end)


def hold(person: Person, position: Position, *, acting: bool = False, start: dt.date = START) -> Holding:
    return Holding.objects.create(person=person, position=position, acting=acting, start=start)


def events(case: Case) -> list[Event]:
    return list(Event.objects.filter(case=case).order_by("at", "id"))


def event_names(case: Case) -> list[str]:
    return [e.kind for e in events(case)]


def in_examination(org, now: dt.datetime = NOW) -> Case:
    case = reload(submit(org.school, org.p_teacher, now=now).case)
    assert case.status == Status.EXAMINATION and case.handler_person == org.vice
    return case


def in_review(org, now: dt.datetime = NOW) -> Case:
    """A case about the teacher, examined founded by the vice principal: the principal reviews."""
    case = in_examination(org, now)
    services.case_examine(
        case=case, actor=org.vice, conclusion="founded", findings="Terbukti", via=API, now=now
    )
    case = reload(case)
    assert case.status == Status.REVIEW and case.handler_person == org.principal
    return case


def in_follow_up(org, now: dt.datetime = NOW, decision: str = "revoke") -> Case:
    case = in_review(org, now)
    services.case_review(case=case, actor=org.principal, decision=decision, notes="Catatan", via=API, now=now)
    case = reload(case)
    assert case.status == Status.FOLLOW_UP
    return case


def assert_no_staff_names(case: Case) -> None:
    names = [n.lower() for n in Person.objects.exclude(name="").values_list("name", flat=True)]
    assert len(names) >= len(NAMES)
    for row in events(case):
        for text in (timeline.reporter_note(row), timeline.actor_label(row), timeline.detail(row)):
            for name in names:
                assert name not in text.lower(), f"{row.kind}: staff name {name!r} in {text!r}"
