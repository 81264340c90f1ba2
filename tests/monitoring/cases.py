"""A hand-built set of cases for the monitoring tests, on real 2026 dates in WIB (UTC+7).

- A: filed 31 July 23:30 WIB (16:30 UTC): a July case; examined founded on time, reviewed (revoke) on
  time, in follow-up with one action done and one open.
- B: filed 1 August 00:30 WIB (31 July 17:30 UTC): an August case although July in UTC; examined
  unfounded after its deadline (closed).
- C: filed 3 August: the vice principal withdrew from it (recusal); now with the principal.
- D: filed 4 August about the school's treasurer, who sits on the school's team.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from integritas.cases import services
from integritas.cases.models import Case, Via
from integritas.orgs.models import Person, Position
from tests.factories import add_team, make_person, make_position, reload, submit

WIB = ZoneInfo("Asia/Jakarta")
API = Via.API


def wib(month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=WIB)


@dataclass
class Built:
    a: Case
    b: Case
    c: Case
    d: Case
    treasurer: Person
    p_treasurer: Position


def build(org) -> Built:
    a = reload(submit(org.school, org.p_teacher, now=wib(7, 31, 23, 30), categories=["procurement"]).case)
    services.case_examine(
        case=a, actor=org.vice, conclusion="founded", findings="Terbukti", via=API, now=wib(8, 3)
    )
    services.case_review(
        case=reload(a), actor=org.principal, decision="revoke", notes="Dicabut", via=API, now=wib(8, 4)
    )
    a = reload(a)
    done = services.follow_up_add(
        case=a,
        actor=org.school_team,
        title="Ulang seleksi",
        due_date=dt.date(2026, 8, 10),
        via=API,
        now=wib(8, 4, 11),
    )
    services.follow_up_add(
        case=a,
        actor=org.school_team,
        title="Laporan ke dinas",
        due_date=dt.date(2026, 8, 20),
        via=API,
        now=wib(8, 4, 11),
    )
    services.follow_up_done(case=reload(a), actor=org.school_team, follow_up=done, via=API, now=wib(8, 6))

    b = reload(submit(org.school, org.p_teacher, now=wib(8, 1, 0, 30), categories=["gratification"]).case)
    # Filed Saturday 1 August; the school works Monday to Saturday: due Wednesday 5 August 23:59:59.
    services.case_examine(
        case=b, actor=org.vice, conclusion="unfounded", findings="Tidak terbukti", via=API, now=wib(8, 6, 9)
    )

    c = reload(submit(org.school, org.p_teacher, now=wib(8, 3), categories=["procurement", "side_job"]).case)
    services.case_recuse(case=c, actor=org.vice, reason="Adik saya", now=wib(8, 3, 11))

    treasurer = make_person("bendahara", name="Wulan Sari")
    p_treasurer = make_position(
        "BENDAHARA", org.school, title="Bendahara", reports_to=org.p_principal, holder=treasurer
    )
    add_team(org.school, treasurer)
    d = reload(submit(org.school, p_treasurer, now=wib(8, 4), categories=["gratification"]).case)
    return Built(reload(a), reload(b), reload(c), reload(d), treasurer, p_treasurer)
