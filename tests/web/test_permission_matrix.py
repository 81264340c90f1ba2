"""The permission matrix of the back-office pages: every persona × every staff case route, like the
API's (``tests/api/test_visibility_matrix.py``).

Who does not see the case gets a 404 page identical to the page for a case that does not exist;
who sees it but may not act gets 403; a refused request changes nothing. Every persona that sees
the case has stated having no conflict with it beforehand, so that only the rule of the route itself
is tested here (the statement has tests of its own).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from integritas.cases import access, services
from integritas.cases.models import Case, Evidence, FollowUp, IdentityRequest, Via
from integritas.orgs.models import Person
from tests.factories import Org, add_team, case_state, make_org, make_person, make_unit, reload, submit

pytestmark = pytest.mark.django_db

API = Via.API
PERSONAS: dict[str, str | None] = {
    "subject": "teacher",
    "outsider": "outsider",
    "admin": "admin",
    "sibling_team": "siblingteam",
    "superior": "vice",
    "reviewer": "principal",
    "school_team": "schoolteam",
    "district_team": "districtteam",
    "kabid": "kabid",
    "signed_out": None,
}


# ---------------------------------------------------------------- cases in the state each route needs


def in_triage(org: Org) -> Case:
    return reload(submit(org.school, None).case)


def in_examination(org: Org) -> Case:
    return reload(submit(org.school, org.p_teacher).case)


def in_review(org: Org) -> Case:
    case = in_examination(org)
    services.case_examine(case=case, actor=org.vice, conclusion="founded", findings="Benar", via=API)
    return reload(case)


def in_follow_up(org: Org) -> Case:
    case = in_review(org)
    services.case_review(case=case, actor=org.principal, decision="revoke", notes="Dicabut", via=API)
    return reload(case)


def with_follow_up(org: Org) -> Case:
    case = in_follow_up(org)
    services.follow_up_add(
        case=case, actor=org.school_team, title="Lelang ulang", due_date=dt.date(2026, 12, 31), via=API
    )
    return case


def on_request(org: Org) -> Case:
    org.school.policy = {"identity_disclosure": "on_request"}
    org.school.save()
    return in_examination(org)


def with_identity_request(org: Org) -> Case:
    case = on_request(org)
    services.case_confirm_no_conflict(case=case, actor=org.vice, via=API)
    from integritas.cases import identity

    identity.identity_request(case=case, actor=org.vice, reason="Klarifikasi", via=API)
    return case


def follow_up_id(case: Case) -> int:
    return FollowUp.objects.get(case=case).pk


def request_id(case: Case) -> int:
    return IdentityRequest.objects.get(case=case).pk


def evidence_id(case: Case) -> int:
    return Evidence.objects.filter(case=case).first().pk  # type: ignore[union-attr]


@dataclass
class Route:
    build: Callable[[Org], Case]
    path: Callable[[Case], str]
    data: dict[str, Any] = field(default_factory=dict)
    method: str = "post"
    allowed: dict[str, int] = field(default_factory=dict)  # persona -> status; the others that see: 403


SEE_REVIEW = {"superior": 200, "reviewer": 200, "school_team": 200, "district_team": 200}
ROUTES: dict[str, Route] = {
    "page": Route(in_review, lambda c: "", method="get", allowed=SEE_REVIEW),
    "evidence": Route(in_review, lambda c: f"bukti/{evidence_id(c)}/", method="get", allowed=SEE_REVIEW),
    "confirm": Route(in_review, lambda c: "konfirmasi/", allowed={p: 302 for p in SEE_REVIEW}),
    "calendar": Route(in_review, lambda c: "kalender/", method="get", allowed=SEE_REVIEW),
    "examine": Route(
        in_examination,
        lambda c: "pemeriksaan/",
        {"confirmed": "yes", "examine-conclusion": "founded", "examine-findings": "Benar"},
        allowed={"superior": 302},
    ),
    "review": Route(
        in_review,
        lambda c: "peninjauan/",
        {"confirmed": "yes", "review-decision": "amend", "review-notes": "Diubah"},
        allowed={"reviewer": 302},
    ),
    "recuse": Route(
        in_examination, lambda c: "tarik-diri/", {"recuse-reason": "Adik ipar"}, allowed={"superior": 302}
    ),
    "triage": Route(
        in_triage,
        lambda c: "triase/",
        {"triage-position": "GURU"},
        allowed={"school_team": 302, "district_team": 302},
    ),
    "message": Route(
        in_review,
        lambda c: "pesan/",
        {"message-text": "Mohon bukti tambahan"},
        allowed={"reviewer": 302, "school_team": 302, "district_team": 302},
    ),
    "follow_up_add": Route(
        in_follow_up,
        lambda c: "tindak-lanjut/",
        {"follow_up-title": "Lelang ulang", "follow_up-due_date": "2026-12-31"},
        allowed={"school_team": 302, "district_team": 302},
    ),
    "follow_up_done": Route(
        with_follow_up,
        lambda c: f"tindak-lanjut/{follow_up_id(c)}/selesai/",
        {},
        allowed={"school_team": 302, "district_team": 302},
    ),
    "follow_up_cancel": Route(
        with_follow_up,
        lambda c: f"tindak-lanjut/{follow_up_id(c)}/batal/",
        {},
        allowed={"school_team": 302, "district_team": 302},
    ),
    "close": Route(
        in_follow_up,
        lambda c: "tutup/",
        {"confirmed": "yes", "close-summary": "Selesai"},
        allowed={"school_team": 302, "district_team": 302},
    ),
    "identity_request": Route(
        on_request, lambda c: "identitas/", {"identity-reason": "Klarifikasi"}, allowed={"superior": 302}
    ),
    "identity_decide": Route(
        with_identity_request,
        lambda c: f"identitas/{request_id(c)}/keputusan/",
        {},
        allowed={"school_team": 302, "district_team": 302},
    ),
}
# Form fields named after an id of the case (follow-up actions, identity requests).
PREFIXED = {
    "follow_up_done": lambda c: {f"done-{follow_up_id(c)}-notes": "Sudah"},
    "follow_up_cancel": lambda c: {f"cancel-{follow_up_id(c)}-reason": "Tidak relevan"},
    "identity_decide": lambda c: {f"decide-{request_id(c)}-approve": "yes"},
}


@pytest.fixture
def org() -> Org:
    org = make_org()
    add_team(make_unit("SMPN2", parent=org.district), make_person("siblingteam"))
    return org


def client_for(persona: str) -> Client:
    client = Client()
    username = PERSONAS[persona]
    if username is not None:
        client.force_login(Person.objects.get(username=username))
    return client


def without_tokens(page: str, reference: str) -> str:
    """A page compared with another: no CSRF token, the reference replaced by a fixed one."""
    return re.sub(r'value="[^"]+"', "", page).replace(reference, "BK-0000-000000")


def expected_status(route: str, persona: str) -> int:
    if PERSONAS[persona] is None:
        return 302
    return ROUTES[route].allowed.get(persona, 0)


MATRIX = [(route, persona) for route in ROUTES for persona in PERSONAS]


@pytest.mark.parametrize(("route", "persona"), MATRIX, ids=[f"{r}-{p}" for r, p in MATRIX])
def test_permission_matrix(org, route, persona):
    spec = ROUTES[route]
    case = spec.build(org)
    username = PERSONAS[persona]
    person = Person.objects.get(username=username) if username else None
    sees = person is not None and access.cases_visible_to(person).filter(pk=case.pk).exists()
    if sees:
        services.case_confirm_no_conflict(case=case, actor=person, via=Via.WEB)
    url = f"/kasus/{case.reference}/{spec.path(case)}"
    data = {**spec.data, **(PREFIXED[route](case) if route in PREFIXED else {})}
    before = case_state(case)
    client = client_for(persona)
    response = client.get(url) if spec.method == "get" else client.post(url, data)
    expected = expected_status(route, persona) or (403 if sees and spec.method == "post" else 404)
    assert response.status_code == expected, (route, persona, response.status_code)

    if expected == 302 and PERSONAS[persona] is None:
        assert response["Location"].startswith("/masuk/?next=")
        assert case_state(case) == before
    elif expected in (200, 302):
        if spec.method == "post" and route != "confirm":
            assert case_state(case) != before
    elif expected == 403:
        assert case_state(case) == before
        assert "Anda tidak berwenang melakukan tindakan ini" in response.content.decode()
    else:
        assert case_state(case) == before
        missing_url = url.replace(case.reference, "BK-2099-999999")
        missing = client.get(missing_url) if spec.method == "get" else client.post(missing_url, data)
        assert missing.status_code == 404
        assert without_tokens(response.content.decode(), case.reference) == without_tokens(
            missing.content.decode(), "BK-2099-999999"
        )
        assert "Siti Aminah" not in response.content.decode()


def test_the_matrix_covers_every_staff_case_route():
    """A new route of the case page must join the matrix."""
    from integritas.web import urls_staff

    case_routes = {p.name for p in urls_staff.urlpatterns if "reference" in str(p.pattern)}
    covered = {
        "page": "case",
        "evidence": "evidence",
        "confirm": "case_confirm",
        "calendar": "case_calendar",
        "examine": "case_examine",
        "review": "case_review",
        "recuse": "case_recuse",
        "triage": "case_triage",
        "message": "case_message",
        "follow_up_add": "follow_up_add",
        "follow_up_done": "follow_up_done",
        "follow_up_cancel": "follow_up_cancel",
        "close": "case_close",
        "identity_request": "identity_request",
        "identity_decide": "identity_decide",
    }
    assert set(covered) == set(ROUTES)
    assert set(covered.values()) == case_routes
