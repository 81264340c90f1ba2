"""Handler screening (API.md "Handler screening", SPEC §6): a handler whose declarations name the
subject's current holder is passed over (policy ``skip``, the default) or kept with a warning
(``warn``), at first routing, at a founded examination, at an escalation by the sweep and after a
recusal. The passed-over person never sees the case; the reporter's timeline shows no reason.

Real dates: the school works Monday to Saturday; Tuesday 11 August 2026.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from integritas.cases import access, presenters, services
from integritas.cases.models import REPORTER_KINDS, Event, EventKind, Via
from integritas.cases.sweep import sweep
from integritas.errors import NotFound
from integritas.notify.models import Notice
from integritas.prevention.models import Screening
from integritas.prevention.screening import conflicted
from tests.factories import add_team, make_org, make_person, reload, submit
from tests.prevention.conftest import declare

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")
SUBMITTED = dt.datetime(2026, 8, 11, 10, 0, tzinfo=WIB)
SWEEP_AT = dt.datetime(2026, 8, 15, 9, 30, tzinfo=WIB)
TODAY = dt.date(2026, 8, 11)


def named_org(**policy):
    org = make_org(school_policy=policy or None)
    org.teacher.name = "Drs. Bambang Sutrisno, M.Pd."
    org.teacher.save()
    return org


def events(case, *, public=False):
    """The kinds of the case's history (only the reporter's when ``public``); a ``screened`` row that
    kept the handler with a warning (data ``outcome`` = ``warned``) reads ``screening_warning``."""
    rows = Event.objects.filter(case=case).order_by("at", "id")
    if public:
        rows = rows.filter(kind__in=REPORTER_KINDS)
    return [
        "screening_warning" if e.kind == EventKind.SCREENED and e.data.get("outcome") == "warned" else e.kind
        for e in rows
    ]


def test_conflicted_names_whose_declarations_match():
    org = named_org()
    declare(org.vice, ("Bambang Sutrisna", "adik ipar"))
    declare(org.principal, ("Bambang Santoso", "tetangga"))
    declare(org.kabid)  # "none"
    people = [org.vice.pk, org.principal.pk, org.kabid.pk, org.kadis.pk]
    assert conflicted(people, ["Drs. Bambang Sutrisno, M.Pd."], TODAY) == {org.vice.pk}
    assert conflicted(people, ["Siti Aminah"], TODAY) == set()
    assert conflicted(people, [], TODAY) == set()


def test_skip_at_first_routing_passes_the_superior_over():
    org = named_org()
    declare(org.vice, ("Bambang Sutrisna", "adik ipar"))
    case = reload(submit(org.school, org.p_teacher, now=SUBMITTED).case)

    assert case.handler_person == org.principal and case.handler_position == org.p_principal
    assert case.level == 1
    assert events(case) == ["submitted", "screened", "routed"]
    assert "screened" not in events(case, public=True)
    (row,) = Screening.objects.filter(case=case)
    assert row.person == org.vice and row.skipped
    # The passed-over superior never sees the case, even by its reference; nor hears of it.
    with pytest.raises(NotFound):
        access.get_case_for(org.vice, case.reference)
    assert not access.cases_visible_to(org.vice).filter(pk=case.pk).exists()
    assert not Notice.objects.filter(person=org.vice, case=case).exists()
    assert Notice.objects.filter(person=org.principal, case=case).exists()
    # The reporter's timeline shows no reason; the case does not warn (nobody conflicted handles it).
    timeline = presenters.for_reporter(case)["timeline"]
    assert [t["event"] for t in timeline] == ["submitted", "routed"]
    assert "Bambang" not in str(timeline) and "screen" not in str(timeline)
    detail = presenters.detail(case, org.principal)
    assert detail["screening_warning"] is False
    assert [h["event"] for h in detail["history"]] == ["submitted", "screened", "routed"]


def test_warn_at_first_routing_keeps_the_superior_with_a_warning():
    org = named_org(screening="warn")
    declare(org.vice, ("Bambang Sutrisna", "adik ipar"))
    case = reload(submit(org.school, org.p_teacher, now=SUBMITTED).case)

    assert case.handler_person == org.vice
    assert events(case) == ["submitted", "screening_warning", "routed"]
    assert "screening_warning" not in events(case, public=True)
    assert presenters.detail(case, org.vice)["screening_warning"] is True
    assert access.get_case_for(org.vice, case.reference) == case
    assert [t["event"] for t in presenters.for_reporter(case)["timeline"]] == ["submitted", "routed"]
    # Once the warned handler concludes, the next handler is not warned.
    services.case_examine(
        case=case, actor=org.vice, conclusion="founded", findings="Terbukti", via=Via.API, now=SUBMITTED
    )
    case = reload(case)
    assert case.handler_person == org.principal
    assert presenters.detail(case, org.principal)["screening_warning"] is False


def test_no_match_no_screening():
    org = named_org()
    declare(org.vice, ("Bambang Santoso", "kakak"), ("Siti Aminah", "istri"))
    case = reload(submit(org.school, org.p_teacher, now=SUBMITTED).case)
    assert case.handler_person == org.vice
    assert events(case) == ["submitted", "routed"]
    assert not Screening.objects.exists()


def test_skip_at_review_after_a_founded_examination():
    org = named_org()
    declare(org.principal, ("CV Maju Jaya", "usaha istri"), ("Bambang Sutrisno", "ipar"))
    case = reload(submit(org.school, org.p_teacher, now=SUBMITTED).case)
    assert case.handler_person == org.vice
    services.case_examine(
        case=case, actor=org.vice, conclusion="founded", findings="Terbukti", via=Via.API, now=SUBMITTED
    )
    case = reload(case)
    # The principal would review; their declaration names the subject: the head of division does.
    assert case.status == "review" and case.handler_person == org.kabid and case.level == 2
    assert events(case)[-2:] == ["screened", "examined_founded"]
    with pytest.raises(NotFound):
        access.get_case_for(org.principal, case.reference)


def test_skip_at_escalation_by_the_sweep():
    org = named_org()
    declare(org.principal, ("Bambang Sutrisna", "adik"))
    case = reload(submit(org.school, org.p_teacher, now=SUBMITTED).case)
    assert case.handler_person == org.vice
    result = sweep(now=SWEEP_AT)
    assert result.escalated == [case.reference]
    case = reload(case)
    assert case.handler_person == org.kabid and case.level == 2
    assert events(case)[-3:] == ["overdue", "screened", "escalated_overdue"]
    assert Screening.objects.get(case=case).person == org.principal
    with pytest.raises(NotFound):
        access.get_case_for(org.principal, case.reference)
    # Escalating again goes on from the head of division: the principal stays out.
    sweep(now=reload(case).due_at + dt.timedelta(seconds=1))
    assert reload(case).handler_person == org.kadis


def test_warn_at_escalation_by_the_sweep():
    org = named_org(screening="warn")
    declare(org.principal, ("Bambang Sutrisna", "adik"))
    case = reload(submit(org.school, org.p_teacher, now=SUBMITTED).case)
    sweep(now=SWEEP_AT)
    case = reload(case)
    assert case.handler_person == org.principal and case.level == 2
    assert events(case)[-3:] == ["overdue", "screening_warning", "escalated_overdue"]
    assert presenters.detail(case, org.principal)["screening_warning"] is True


def test_recusal_takes_screening_into_account():
    org = named_org()
    declare(org.principal, ("Bambang Sutrisno", "sepupu"))
    case = reload(submit(org.school, org.p_teacher, now=SUBMITTED).case)
    services.case_recuse(case=case, actor=org.vice, reason="Saya wali kelas anak terlapor", now=SUBMITTED)
    assert reload(case).handler_person == org.kabid


def test_screening_follows_the_current_holder_of_the_subjects_position():
    org = named_org()
    declare(org.vice, ("Bambang Sutrisno", "adik ipar"))
    # Bambang left; another teacher holds the position now: the vice principal may handle.
    from integritas.orgs.models import Holding

    Holding.objects.filter(person=org.teacher).update(end=dt.date(2026, 7, 31))
    newcomer = make_person("guru.baru", name="Siti Aminah, S.Pd.")
    Holding.objects.create(person=newcomer, position=org.p_teacher, start=dt.date(2026, 8, 1))
    case = reload(submit(org.school, org.p_teacher, now=SUBMITTED).case)
    assert case.handler_person == org.vice


def test_team_members_whose_declarations_name_the_subject_are_passed_over():
    org = named_org()
    # The chain above the head of the office is empty: the district's team handles.
    other = make_person("timdua", name="Tim Dua")
    add_team(org.district, other)
    declare(org.district_team, ("Heru Kadis", "kakak"))
    org.kadis.name = "Heru Kadis"
    org.kadis.save()
    case = reload(submit(org.district, org.p_kadis, now=SUBMITTED).case)
    assert case.handler_team == org.district
    assert Screening.objects.get(case=case).person == org.district_team
    with pytest.raises(NotFound):
        access.get_case_for(org.district_team, case.reference)
    assert access.get_case_for(other, case.reference) == case
