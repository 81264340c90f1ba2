"""The "no conflict of interest" statement (SPEC §3) is a rule of the services: whoever sees a case's
content states it once before. The pages ask first (an unconfirmed person is refused); the API has
no such step, so its first read or action records it, marked as made through the API, in the same
transaction, audited. Team members who are not handlers see the identity too: they state it as well.
"""

from __future__ import annotations

import pytest

from integritas.audit.models import AuditEntry
from integritas.cases import conflict, services
from integritas.cases.models import Event, NoConflictConfirmation, Status, Via
from integritas.errors import WrongState
from tests.cases.chain import NOW, event_names, in_examination, in_review
from tests.factories import reload, submit

pytestmark = pytest.mark.django_db


def statements(case) -> list[tuple[str, str]]:
    return list(NoConflictConfirmation.objects.filter(case=case).values_list("person__username", "via"))


def test_on_the_pages_an_action_before_the_statement_is_refused_and_changes_nothing(org):
    case = in_examination(org)
    with pytest.raises(WrongState) as refused:
        services.case_examine(
            case=case, actor=org.vice, conclusion="unfounded", findings="Tidak terbukti", via=Via.WEB, now=NOW
        )
    assert refused.value.code == "confirm_no_conflict" and refused.value.status == 409
    case = reload(case)
    assert case.status == Status.EXAMINATION and statements(case) == []
    assert event_names(case) == ["submitted", "routed"]


def test_on_the_pages_the_statement_comes_first_then_the_action(org):
    case = in_examination(org)
    assert services.case_confirm_no_conflict(case=case, actor=org.vice, via=Via.WEB, now=NOW) is True
    assert services.case_confirm_no_conflict(case=case, actor=org.vice, via=Via.WEB, now=NOW) is False
    services.case_examine(
        case=case, actor=org.vice, conclusion="unfounded", findings="Tidak terbukti", via=Via.WEB, now=NOW
    )
    assert statements(case) == [("vice", "web")]
    assert event_names(case) == ["submitted", "routed", "no_conflict_confirmed", "examined_unfounded"]
    entry = AuditEntry.objects.get(action="case.no_conflict_confirmed")
    assert entry.actor == "vice" and entry.data["via"] == "web" and entry.data["role"] == "position"


def test_through_the_api_the_first_action_records_the_statement_in_its_transaction(org):
    case = in_examination(org)
    services.case_examine(
        case=case, actor=org.vice, conclusion="founded", findings="Terbukti", via=Via.API, now=NOW
    )
    assert statements(case) == [("vice", "api")]
    statement = Event.objects.get(case=case, kind="no_conflict_confirmed")
    assert statement.data == {"via": "api"} and statement.actor == org.vice and statement.at == NOW
    assert AuditEntry.objects.get(action="case.no_conflict_confirmed").data["via"] == "api"
    # Once made, it is not made again.
    services.case_review(
        case=reload(case), actor=org.principal, decision="uphold", notes="Mitigasi", via=Via.API, now=NOW
    )
    assert sorted(statements(case)) == [("principal", "api"), ("vice", "api")]


def test_an_action_that_fails_after_the_guard_records_no_statement(org):
    # The head of the office examines a report about the head of division; nobody above can review.
    org.district_team.team_memberships.all().delete()
    case = reload(submit(org.district, org.p_kabid, now=NOW).case)
    assert case.handler_person == org.kadis
    with pytest.raises(WrongState) as refused:
        services.case_examine(
            case=case, actor=org.kadis, conclusion="founded", findings="Terbukti", via=Via.API, now=NOW
        )
    assert refused.value.code == "no_higher_level"
    assert statements(case) == []
    assert not AuditEntry.objects.filter(action="case.no_conflict_confirmed").exists()


def test_reading_the_content_goes_through_the_same_guard(org):
    case = in_review(org)
    with pytest.raises(WrongState):
        services.case_open(case=case, actor=org.principal, via=Via.WEB)
    services.case_open(case=case, actor=org.principal, via=Via.API, now=NOW)
    assert ("principal", "api") in statements(case)
    services.case_open(case=case, actor=org.principal, via=Via.WEB)  # stated: the pages open it now


def test_team_members_who_do_not_handle_the_case_state_it_too(org):
    case = in_review(org)
    for member in (org.school_team, org.district_team):
        assert conflict.pending(member, case)
        with pytest.raises(WrongState):
            services.case_open(case=case, actor=member, via=Via.WEB)
        services.case_confirm_no_conflict(case=case, actor=member, via=Via.WEB, now=NOW)
        assert not conflict.pending(member, case)
        services.case_open(case=case, actor=member, via=Via.WEB)
    rows = Event.objects.filter(case=case, kind="no_conflict_confirmed").order_by("id")
    assert [
        (row.actor_role, row.actor_team) for row in rows if row.actor in (org.school_team, org.district_team)
    ] == [
        ("team", org.school),
        ("team", org.district),
    ]


def test_withdrawing_needs_no_statement(org):
    case = in_examination(org)
    services.case_recuse(case=case, actor=org.vice, reason="Terlapor adik ipar saya", now=NOW)
    assert statements(case) == []
    assert reload(case).handler_person == org.principal
