"""The permission matrix: every role × every case endpoint (SPEC §4, API.md §2).

A case is visible to its current and past handlers and to the team of its unit and of every unit
above. Everyone else gets 404 (never a hint that the case exists) and does not find it in GET /cases.
A visible case on which the person may not act gives 403; no token gives 401.

Each cell builds a fresh organisation and a case in the state the endpoint needs, so the only thing
that varies along a row is who asks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from integritas.cases import services
from integritas.cases.models import Case, Evidence, FollowUp, Status, Via
from integritas.orgs.models import Holding, Person
from tests.factories import (
    PASSWORD,
    PDF_BYTES,
    Org,
    add_team,
    case_state,
    make_org,
    make_person,
    make_unit,
    reload,
    submit,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"

# role -> username (None: no token at all)
ROLES: dict[str, str | None] = {
    "subject": "teacher",  # the reported teacher (terlapor)
    "outsider": "outsider",  # staff with no relation to the case
    "admin": "admin",  # administrator: no case content
    "sibling_team": "siblingteam",  # team of another school under the same district
    "superior": "vice",  # direct superior: handler in examination, past handler afterwards
    "reviewer": "principal",  # superior's superior: handler from review on
    "school_team": "schoolteam",  # team of the case's unit
    "district_team": "districtteam",  # team of the unit above
    "kabid": "kabid",  # further up the chain, not (yet) a handler
    "unauthenticated": None,
}

# Statuses of the roles that can see the case; every role not named gets 404 (401 without a token).
EXPECTED: dict[str, dict[str, int]] = {
    "detail": {"superior": 200, "reviewer": 200, "school_team": 200, "district_team": 200},
    "evidence": {"superior": 200, "reviewer": 200, "school_team": 200, "district_team": 200},
    "examination": {"superior": 200, "school_team": 403, "district_team": 403},
    "review": {"superior": 403, "reviewer": 200, "school_team": 403, "district_team": 403},
    "recuse_examination": {"superior": 200, "school_team": 403, "district_team": 403},
    "recuse_review": {"superior": 403, "reviewer": 200, "school_team": 403, "district_team": 403},
    "triage": {"school_team": 200, "district_team": 200},
    "messages": {"superior": 403, "reviewer": 201, "school_team": 201, "district_team": 201},
    "follow_ups": {"superior": 403, "reviewer": 403, "school_team": 201, "district_team": 201},
    "follow_up_done": {"superior": 403, "reviewer": 403, "school_team": 200, "district_team": 200},
    "close": {"superior": 403, "reviewer": 403, "school_team": 200, "district_team": 200},
}


def expected_status(endpoint: str, role: str) -> int:
    if ROLES[role] is None:
        return 401
    return EXPECTED[endpoint].get(role, 404)


# ---------------------------------------------------------------- the world and its cases


@dataclass
class World:
    org: Org
    client: Client
    tokens: dict[str, str]

    def person(self, username: str) -> Person:
        return Person.objects.get(username=username)

    def token(self, username: str) -> str:
        if username not in self.tokens:
            r = self.client.post(
                f"{API}/auth/token",
                {"username": username, "password": PASSWORD},
                content_type="application/json",
            )
            assert r.status_code == 200, r.content
            self.tokens[username] = r.json()["token"]
        return self.tokens[username]

    def auth(self, role: str) -> dict[str, str]:
        username = ROLES[role]
        return {} if username is None else {"HTTP_AUTHORIZATION": f"Bearer {self.token(username)}"}

    def get(self, path: str, role: str, **params: Any):
        return self.client.get(API + path, params, **self.auth(role))

    def post(self, path: str, body: Any, role: str):
        return self.client.post(API + path, body, content_type="application/json", **self.auth(role))


@pytest.fixture
def world(db) -> World:
    org = make_org()
    sibling = make_unit("SMPN2", parent=org.district)
    add_team(sibling, make_person("siblingteam"))
    return World(org=org, client=Client(), tokens={})


def in_triage(w: World) -> Case:
    return submit(w.org.school, None).case


def in_examination(w: World) -> Case:
    case = submit(w.org.school, w.org.p_teacher).case
    assert case.status == Status.EXAMINATION and case.handler_person == w.org.vice
    return case


def in_review(w: World) -> Case:
    case = in_examination(w)
    services.case_examine(via=Via.API, case=case, actor=w.org.vice, conclusion="founded", findings="Terbukti")
    case = reload(case)
    assert case.status == Status.REVIEW and case.handler_person == w.org.principal
    return case


def in_follow_up(w: World) -> Case:
    case = in_review(w)
    services.case_review(via=Via.API, case=case, actor=w.org.principal, decision="revoke", notes="Dicabut")
    case = reload(case)
    assert case.status == Status.FOLLOW_UP
    return case


def with_open_follow_up(w: World) -> tuple[Case, FollowUp]:
    case = in_follow_up(w)
    item = services.follow_up_add(
        via=Via.API,
        case=case,
        actor=w.org.school_team,
        title="Pengadaan ulang",
        due_date=dt.date(2026, 12, 31),
    )
    return reload(case), item


# ---------------------------------------------------------------- the endpoints


@dataclass
class Call:
    case: Case
    method: str
    path: str
    body: dict[str, Any] | None = None

    def send(self, w: World, role: str):
        if self.method == "get":
            return w.get(self.path, role)
        return w.post(self.path, self.body, role)


def prepare(w: World, endpoint: str) -> Call:
    """A case in the state ``endpoint`` needs, and the request to make on it."""
    if endpoint in ("detail", "evidence"):
        case = in_review(w)
        if endpoint == "detail":
            return Call(case, "get", f"/cases/{case.reference}")
        evidence = Evidence.objects.filter(case=case).first()
        assert evidence is not None
        return Call(case, "get", f"/cases/{case.reference}/evidence/{evidence.pk}")
    if endpoint == "examination":
        case = in_examination(w)
        body = {"conclusion": "founded", "findings": "Terbukti"}
        return Call(case, "post", f"/cases/{case.reference}/examination", body)
    if endpoint == "review":
        case = in_review(w)
        return Call(case, "post", f"/cases/{case.reference}/review", {"decision": "amend", "notes": "Diubah"})
    if endpoint in ("recuse_examination", "recuse_review"):
        case = in_examination(w) if endpoint == "recuse_examination" else in_review(w)
        return Call(case, "post", f"/cases/{case.reference}/recuse", {"reason": "Saudara kandung terlapor"})
    if endpoint == "triage":
        case = in_triage(w)
        return Call(case, "post", f"/cases/{case.reference}/triage", {"position": "GURU"})
    if endpoint == "messages":
        case = in_review(w)
        return Call(case, "post", f"/cases/{case.reference}/messages", {"text": "Mohon bukti tambahan"})
    if endpoint == "follow_ups":
        case = in_follow_up(w)
        body = {"title": "Pengadaan ulang", "due_date": "2026-12-31"}
        return Call(case, "post", f"/cases/{case.reference}/follow-ups", body)
    if endpoint == "follow_up_done":
        case, item = with_open_follow_up(w)
        return Call(case, "post", f"/cases/{case.reference}/follow-ups/{item.pk}/done", {"notes": "Sudah"})
    if endpoint == "close":
        case = in_follow_up(w)
        return Call(case, "post", f"/cases/{case.reference}/close", {"summary": "Selesai"})
    raise AssertionError(endpoint)


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}, body
    assert isinstance(body["error"]["code"], str) and body["error"]["code"]
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code, body
    return body


MATRIX = [(endpoint, role) for endpoint in EXPECTED for role in ROLES]


@pytest.mark.parametrize(("endpoint", "role"), MATRIX, ids=[f"{e}-{r}" for e, r in MATRIX])
def test_permission_matrix(world, endpoint, role):
    expected = expected_status(endpoint, role)
    call = prepare(world, endpoint)
    before = case_state(call.case)
    response = call.send(world, role)
    assert response.status_code == expected, (endpoint, role, response.status_code, response.content)
    if expected in (200, 201):
        if endpoint == "evidence":
            assert b"".join(response.streaming_content) == PDF_BYTES
        else:
            assert "error" not in response.json()
            if call.method == "post":
                assert case_state(call.case) != before
        return
    # Refused: nothing changed, and the body is the error format.
    assert case_state(call.case) == before
    code = {401: "not_authenticated", 403: "forbidden", 404: "not_found"}[expected]
    body = assert_error(response, expected, code)
    if expected == 401:
        assert response["WWW-Authenticate"].startswith("Bearer")
    if expected == 404:
        # Exactly what a reference that does not exist gets: no hint that this one does.
        missing = Call(
            call.case, call.method, call.path.replace(call.case.reference, "BK-2099-999999"), call.body
        )
        other = missing.send(world, role)
        assert other.status_code == 404
        assert other.json() == body
        assert call.case.reference not in response.content.decode()


LIST_VISIBLE = {"superior", "reviewer", "school_team", "district_team"}


@pytest.mark.parametrize("role", list(ROLES))
def test_case_list_shows_a_case_only_to_those_who_may_see_it(world, role):
    case = in_review(world)
    response = world.get("/cases", role, limit=200)
    if ROLES[role] is None:
        assert_error(response, 401, "not_authenticated")
        return
    assert response.status_code == 200, response.content
    refs = {item["reference"] for item in response.json()["items"]}
    assert (case.reference in refs) is (role in LIST_VISIBLE)
    for status in Status.values:
        filtered = world.get("/cases", role, status=status, limit=200).json()["items"]
        assert all(item["reference"] != case.reference for item in filtered) or (
            role in LIST_VISIBLE and status == case.status
        )


def test_visibility_follows_the_case_up_the_chain(world):
    """kabid sees nothing until the case reaches KABID, and keeps seeing it afterwards."""
    case = in_review(world)
    assert world.get(f"/cases/{case.reference}", "kabid").status_code == 404
    r = world.post(
        f"/cases/{case.reference}/review", {"decision": "escalate", "notes": "Ke Dinas"}, "reviewer"
    )
    assert r.status_code == 200 and r.json()["handler"]["username"] == "kabid"
    assert world.get(f"/cases/{case.reference}", "kabid").status_code == 200
    r = world.post(f"/cases/{case.reference}/review", {"decision": "uphold", "notes": "Mitigasi"}, "kabid")
    assert r.status_code == 200 and r.json()["status"] == "follow_up"
    for role in ("kabid", "reviewer", "superior"):
        assert world.get(f"/cases/{case.reference}", role).status_code == 200
    for role in ("subject", "outsider", "admin", "sibling_team"):
        assert world.get(f"/cases/{case.reference}", role).status_code == 404


# ---------------------------------------------------------------- state before actor


WRONG_STATE = [
    # (case state, endpoint path suffix, body, role): a visible person, the wrong state → 409
    ("review", "examination", {"conclusion": "founded", "findings": "x"}, "school_team"),
    ("review", "examination", {"conclusion": "unfounded", "findings": "x"}, "superior"),
    ("examination", "review", {"decision": "revoke", "notes": "x"}, "superior"),
    ("follow_up", "review", {"decision": "revoke", "notes": "x"}, "reviewer"),
    ("examination", "triage", {"position": "GURU"}, "superior"),
    ("examination", "triage", {"position": "GURU"}, "school_team"),
    ("review", "follow-ups", {"title": "x", "due_date": "2026-12-31"}, "superior"),
    ("review", "close", {"summary": "x"}, "school_team"),
    ("review", "close", {"summary": "x"}, "reviewer"),
    ("follow_up", "recuse", {"reason": "x"}, "reviewer"),
]
BUILD = {"examination": in_examination, "review": in_review, "follow_up": in_follow_up}


@pytest.mark.parametrize(("state", "action", "body", "role"), WRONG_STATE)
def test_wrong_state_is_409_before_the_actor_is_checked(world, state, action, body, role):
    case = BUILD[state](world)
    before = case_state(case)
    r = world.post(f"/cases/{case.reference}/{action}", body, role)
    assert_error(r, 409)
    assert case_state(case) == before


@pytest.mark.parametrize("role", ["subject", "outsider", "admin", "sibling_team", "kabid"])
def test_wrong_state_on_an_invisible_case_is_still_404(world, role):
    case = in_review(world)
    r = world.post(f"/cases/{case.reference}/examination", {"conclusion": "founded", "findings": "x"}, role)
    assert_error(r, 404, "not_found")


def test_close_with_an_open_follow_up_is_409(world):
    case, _ = with_open_follow_up(world)
    r = world.post(f"/cases/{case.reference}/close", {"summary": "x"}, "school_team")
    assert_error(r, 409, "follow_up_open")


def test_a_follow_up_of_another_case_is_not_found(world):
    _, item = with_open_follow_up(world)
    other = in_follow_up(world)
    r = world.post(f"/cases/{other.reference}/follow-ups/{item.pk}/done", {"notes": "x"}, "school_team")
    assert_error(r, 404, "not_found")
    assert not FollowUp.objects.get(pk=item.pk).done


def test_evidence_of_another_case_is_not_found(world):
    visible = in_review(world)
    other = in_review(world)
    foreign = Evidence.objects.filter(case=other).first()
    r = world.get(f"/cases/{visible.reference}/evidence/{foreign.pk}", "superior")
    assert_error(r, 404, "not_found")
    r = world.get(f"/cases/{visible.reference}/evidence/not-a-number", "superior")
    assert_error(r, 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/me"),
        ("get", "/cases"),
        ("get", "/cases/BK-2026-000001"),
        ("get", "/stats?unit=SMPN1"),
        ("post", "/cases/BK-2026-000001/examination"),
    ],
)
def test_a_bad_or_expired_token_is_401(world, method, path):
    for header in ("Bearer not-a-real-token", "Basic dmljZTp4", ""):
        extra = {"HTTP_AUTHORIZATION": header} if header else {}
        if method == "get":
            r = world.client.get(API + path, **extra)
        else:
            r = world.client.post(API + path, {}, content_type="application/json", **extra)
        assert_error(r, 401, "not_authenticated")


@pytest.mark.parametrize("team_of", ["school", "district"])
def test_the_subject_sees_nothing_even_as_a_team_member(world, team_of):
    """SPEC §4: the subject gets 404, even when they sit on an overseeing team."""
    add_team(getattr(world.org, team_of), world.org.teacher)
    case = in_review(world)
    assert_error(world.get(f"/cases/{case.reference}", "subject"), 404, "not_found")
    refs = [c["reference"] for c in world.get("/cases", "subject", limit=200).json()["items"]]
    assert case.reference not in refs
    r = world.post(f"/cases/{case.reference}/messages", {"text": "x"}, "subject")
    assert_error(r, 404, "not_found")
    # The other team members still oversee it.
    assert world.get(f"/cases/{case.reference}", f"{team_of}_team").status_code == 200


def test_a_triaged_case_disappears_for_the_team_member_it_turns_out_to_be_about(world):
    add_team(world.org.school, world.org.teacher)
    case = in_triage(world)
    assert world.get(f"/cases/{case.reference}", "subject").status_code == 200  # subject not known yet
    r = world.post(f"/cases/{case.reference}/triage", {"position": "GURU"}, "school_team")
    assert r.status_code == 200 and r.json()["status"] == "examination"
    assert_error(world.get(f"/cases/{case.reference}", "subject"), 404, "not_found")


def test_a_former_holder_of_the_subject_position_on_the_team_still_oversees(world):
    """Only whoever held the position since the case was filed is its subject."""
    former = make_person("formerteacher")
    Holding.objects.create(
        person=former, position=world.org.p_teacher, start=dt.date(2015, 1, 1), end=dt.date(2019, 12, 31)
    )
    add_team(world.org.school, former)
    case = in_review(world)
    r = world.client.get(
        f"{API}/cases/{case.reference}", HTTP_AUTHORIZATION=f"Bearer {world.token('formerteacher')}"
    )
    assert r.status_code == 200


@pytest.mark.parametrize("team_of", ["school", "district"])
def test_the_subject_on_a_team_finds_the_case_in_no_figure(world, team_of):
    """Issue 11 item 2: the figures count what the list shows, no more (a hidden case leaves no gap)."""
    add_team(getattr(world.org, team_of), world.org.teacher)
    in_review(world)
    unit = getattr(world.org, team_of).code
    listed = world.get("/cases", "subject", limit=200).json()["items"]
    figures = world.get(f"/stats?unit={unit}", "subject").json()
    assert figures["total"] == len(listed) == 0
    assert world.get(f"/stats?unit={unit}", f"{team_of}_team").json()["total"] == 1
