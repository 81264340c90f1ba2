"""What waits for me (``cases.queue``): the one selection behind "Kasus saya" and ``GET /cases?mine=true``
(new-user finding 12.8), and the marker of a message from the reporter not yet read."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from integritas.cases import queue, services
from integritas.cases.models import Via
from tests.cases.chain import NOW, in_examination, in_follow_up, in_review
from tests.factories import PASSWORD, add_team, make_person, make_position, make_unit, reload, submit

pytestmark = pytest.mark.django_db


def waiting(person) -> set[str]:
    return set(queue.cases_waiting_for(person).values_list("reference", flat=True))


def second_school(org, *, with_team: bool):
    """SMPN2 under the district: teacher → principal → the district's head of division."""
    school = make_unit("SMPN2", parent=org.district, work_week="mon-sat")
    head = make_person("head2")
    p_head = make_position("KS2", school, title="Kepala Sekolah 2", reports_to=org.p_kabid, holder=head)
    p_teacher = make_position("GURU2", school, title="Guru IPA", reports_to=p_head, holder=make_person("t2"))
    team = make_person("team2")
    if with_team:
        add_team(school, team)
    return school, p_teacher, head, team


def follow_up_at(org, school, p_teacher, head):
    case = reload(submit(school, p_teacher, now=NOW).case)
    services.case_examine(case=case, actor=head, conclusion="founded", findings="Benar", via=Via.API, now=NOW)
    services.case_review(
        case=reload(case), actor=org.kabid, decision="reassign", notes="Ulang", via=Via.API, now=NOW
    )
    return reload(case)


def test_follow_up_waits_for_the_team_of_the_unit_not_for_the_reviewer(org):
    case = in_follow_up(org)
    assert case.reference in waiting(org.school_team)
    assert case.reference not in waiting(org.principal)  # reviewed it: nothing left to do
    assert case.reference not in waiting(org.district_team)  # oversees it; the school's team handles it


def test_follow_up_of_a_unit_without_a_team_waits_for_the_nearest_team_above(org):
    school, p_teacher, head, _ = second_school(org, with_team=False)
    case = follow_up_at(org, school, p_teacher, head)
    assert waiting(org.district_team) == {case.reference}
    assert case.reference not in waiting(org.kabid)
    assert case.reference not in waiting(org.school_team)  # a sibling school's team sees nothing


def test_a_team_member_who_left_does_not_count_as_the_nearer_team(org):
    school, p_teacher, head, team = second_school(org, with_team=True)
    case = follow_up_at(org, school, p_teacher, head)
    assert waiting(team) == {case.reference} and waiting(org.district_team) == set()
    team.is_active = False
    team.save()
    assert waiting(org.district_team) == {case.reference}


def test_examinations_reviews_and_triage_wait_for_their_handler(org):
    examination = in_examination(org)
    review = in_review(org)
    triage = reload(submit(org.school, None, now=NOW).case)
    assert waiting(org.vice) == {examination.reference}
    assert waiting(org.principal) == {review.reference}
    assert waiting(org.school_team) == {triage.reference}


def test_the_api_mine_is_the_same_selection(org):
    in_examination(org)
    follow_up = in_follow_up(org)
    client = Client()
    for person in (org.school_team, org.district_team, org.principal, org.vice):
        token = client.post(
            "/api/v1/auth/token",
            {"username": person.username, "password": PASSWORD},
            content_type="application/json",
        ).json()["token"]
        r = client.get("/api/v1/cases", {"mine": "true"}, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert r.status_code == 200
        assert {item["reference"] for item in r.json()["items"]} == waiting(person), person.username
    assert waiting(org.school_team) == {follow_up.reference}


def unread(person) -> dict[str, bool]:
    qs = queue.unread_marked(queue.cases_waiting_for(person), person)
    return {case.reference: case.unread for case in qs}


def test_a_message_from_the_reporter_is_marked_until_the_case_is_opened(org):
    case = in_examination(org)
    assert unread(org.vice) == {case.reference: False}  # the report itself is not a message
    services.reporter_message(case=case, text="Ada bukti baru", now=NOW + dt.timedelta(hours=1))
    assert unread(org.vice) == {case.reference: True}
    services.case_open(case=case, actor=org.vice, via=Via.API, now=NOW + dt.timedelta(hours=2))
    assert unread(org.vice) == {case.reference: False}
    services.reporter_message(case=case, text="Satu lagi", now=NOW + dt.timedelta(hours=3))
    assert unread(org.vice) == {case.reference: True}
    # Reading is per person: the team has its own mark.
    assert queue.unread_marked(queue.cases_waiting_for(org.vice), org.school_team).get().unread is True
