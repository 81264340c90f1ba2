import datetime as dt

import pytest

from integritas.cases import services
from integritas.cases.models import Status, Via
from tests.factories import reload, submit


@pytest.mark.django_db
def test_founded_path_service_level(org):
    sub = submit(org.school, org.p_teacher)
    case = reload(sub.case)
    assert case.status == Status.EXAMINATION
    assert case.handler_person == org.vice
    services.case_examine(via=Via.API, case=case, actor=org.vice, conclusion="founded", findings="Benar")
    case = reload(case)
    assert case.status == Status.REVIEW and case.handler_person == org.principal and case.level == 2
    services.case_review(via=Via.API, case=case, actor=org.principal, decision="revoke", notes="Dicabut")
    case = reload(case)
    assert case.status == Status.FOLLOW_UP
    item = services.follow_up_add(
        via=Via.API, case=case, actor=org.school_team, title="Lelang ulang", due_date=dt.date(2026, 12, 1)
    )
    services.follow_up_done(via=Via.API, case=case, actor=org.school_team, follow_up=item, notes="ok")
    services.case_close(via=Via.API, case=case, actor=org.school_team, summary="Selesai")
    case = reload(case)
    assert case.status == Status.CLOSED and case.outcome == "revoked"
