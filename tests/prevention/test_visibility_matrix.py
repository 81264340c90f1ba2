"""The permission matrix of the prevention API: every persona × every endpoint (like the cases' matrix).

What someone may not see is 404 (never a hint it exists); an action on something visible they may not
take is 403; no token is 401. Each cell builds a fresh organisation and the object the endpoint needs,
so only who asks varies along a row. The teacher declares, reports the gift, declares the conflict (to
the vice principal) and sits on the agenda the principal published with the vice principal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from integritas.prevention import agendas, conflicts, gratifications, riskmap
from integritas.prevention.models import Gratification, GratificationEvidence
from tests.factories import PDF_BYTES, add_team, make_org, make_person, make_unit
from tests.prevention.conftest import Api, declare

pytestmark = pytest.mark.django_db

ROLES: dict[str, str | None] = {
    "owner": "teacher",  # declares, reports, is a participant
    "superior": "vice",  # handles the teacher's self-declaration; a participant
    "publisher": "principal",  # published the agenda
    "school_team": "schoolteam",
    "district_team": "districtteam",
    "sibling_team": "siblingteam",  # team of another school under the same district
    "kabid": "kabid",  # further up the chain, on no team
    "outsider": "outsider",
    "admin": "admin",
    "unauthenticated": None,
}
SEE_OWN = {"owner": 200, "school_team": 200, "district_team": 200}
TEAM_ONLY = {"school_team": 200, "district_team": 200}
TEAM_OF_VISIBLE = {"school_team": 200, "district_team": 200}
# Everyone not named in a row gets the row's default: 404 (not visible) or 403 (visible, not allowed).
EXPECTED: dict[str, tuple[dict[str, int], int]] = {
    "declaration_detail": (SEE_OWN, 404),
    "declaration_of_person": (SEE_OWN, 404),
    "statement_of_person": (SEE_OWN, 404),
    "compliance": (TEAM_ONLY, 403),
    "reminders": (TEAM_ONLY, 403),
    "gratification_detail": (SEE_OWN, 404),
    "gratification_outcome": ({"owner": 403, **TEAM_OF_VISIBLE}, 404),
    "gratification_evidence": (SEE_OWN, 404),
    "gratification_export": (TEAM_ONLY, 403),
    "conflict_detail": ({**SEE_OWN, "superior": 200}, 404),
    "conflict_measure": ({"owner": 403, "superior": 200, "school_team": 403, "district_team": 403}, 404),
    "agenda_detail": ({"owner": 200, "superior": 200, "publisher": 200, **TEAM_ONLY}, 404),
    "agenda_statement": (
        {"owner": 200, "superior": 200, "publisher": 403, "school_team": 403, "district_team": 403},
        404,
    ),
    "agenda_minutes": ({"owner": 200, "superior": 200, "publisher": 200, **TEAM_ONLY}, 404),
    "risk_map": (TEAM_ONLY, 403),
    "risk_rate": (TEAM_ONLY, 403),
    "risk_delete": ({"school_team": 204, "district_team": 204}, 404),
}


def expected_status(endpoint: str, role: str) -> int:
    if ROLES[role] is None:
        return 401
    allowed, default = EXPECTED[endpoint]
    return allowed.get(role, default)


@dataclass
class Call:
    method: str
    path: str
    body: Any = None
    params: dict[str, Any] | None = None


def world() -> Any:
    org = make_org()
    sibling = make_unit("SMPN2", parent=org.district)
    add_team(sibling, make_person("siblingteam"))
    return org


def prepare(org: Any, endpoint: str) -> Call:
    teacher = org.teacher
    if endpoint.startswith(("declaration", "statement", "compliance", "reminders")):
        row = declare(teacher, ("Bambang Sutrisno", "adik ipar"))
        return {
            "declaration_detail": Call("get", f"/declarations/{row.pk}"),
            "declaration_of_person": Call("get", "/declarations", params={"person": "teacher"}),
            "statement_of_person": Call(
                "get", "/declarations/statement", params={"person": "teacher", "year": row.year}
            ),
            "compliance": Call("get", "/declarations/compliance", params={"unit": "SMPN1", "year": 2026}),
            "reminders": Call("post", "/declarations/reminders", {"unit": "SMPN1", "year": 2026}),
        }[endpoint]
    if endpoint.startswith("gratification"):
        upload = SimpleUploadedFile("undangan.pdf", PDF_BYTES, "application/pdf")
        from integritas.cases.evidence import check_files

        row = gratifications.gratification_report(
            recipient=teacher,
            data={
                "received_on": (dt.date.today() - dt.timedelta(days=2)).isoformat(),
                "giver": {"name": "Hj. Siti Maryam", "relation": "orang tua siswa"},
                "occasion": "official",
                "description": "Parsel",
                "value_idr": 750_000,
            },
            files=check_files([upload], max_upload_mb=5),
        )
        evidence = GratificationEvidence.objects.get(gratification=row)
        return {
            "gratification_detail": Call("get", f"/gratifications/{row.reference}"),
            "gratification_outcome": Call(
                "post",
                f"/gratifications/{row.reference}/outcome",
                {"outcome": "forwarded_to_kpk", "notes": "GOL"},
            ),
            "gratification_evidence": Call("get", f"/gratifications/{row.reference}/evidence/{evidence.pk}"),
            "gratification_export": Call("get", "/gratifications/export", params={"unit": "SMPN1"}),
        }[endpoint]
    if endpoint.startswith("conflict"):
        item = conflicts.self_declaration_file(
            declarer=teacher,
            data={
                "kind": "actual",
                "decision": {"title": "PPDB", "kind": "admission"},
                "description": "Keponakan",
            },
        )
        return {
            "conflict_detail": Call("get", f"/conflicts/{item.reference}"),
            "conflict_measure": Call(
                "post",
                f"/conflicts/{item.reference}/measure",
                {"measure": "reassignment", "notes": "Dialihkan"},
            ),
        }[endpoint]
    if endpoint.startswith("agenda"):
        agenda = agendas.agenda_create(
            actor=org.principal,
            data={
                "unit": "SMPN1",
                "title": "Rapat pengadaan",
                "kind": "procurement",
                "meets_at": (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).isoformat(),
                "items": [{"title": "Seragam", "parties": ["CV Maju Jaya"]}],
                "participants": ["teacher", "vice"],
            },
        )
        item = agenda.items.get()
        return {
            "agenda_detail": Call("get", f"/agendas/{agenda.pk}"),
            "agenda_statement": Call(
                "post", f"/agendas/{agenda.pk}/items/{item.pk}/statement", {"conflict": False}
            ),
            "agenda_minutes": Call("get", f"/agendas/{agenda.pk}/minutes"),
        }[endpoint]
    rating = riskmap.risk_rate(
        actor=org.school_team,
        data={
            "position": "KS",
            "decision_kind": "procurement",
            "likelihood": 3,
            "impact": 4,
            "review_on": "2099-01-01",
        },
    )
    return {
        "risk_map": Call("get", "/risk-map", params={"unit": "SMPN1"}),
        "risk_rate": Call(
            "post",
            "/risk-map",
            {
                "position": "GURU",
                "decision_kind": "grading",
                "likelihood": 2,
                "impact": 2,
                "review_on": "2099-01-01",
            },
        ),
        "risk_delete": Call("delete", f"/risk-map/{rating.pk}"),
    }[endpoint]


CELLS = [(endpoint, role) for endpoint in EXPECTED for role in ROLES]


@pytest.mark.parametrize(("endpoint", "role"), CELLS, ids=[f"{e}-{r}" for e, r in CELLS])
def test_matrix(endpoint, role):
    org = world()
    call = prepare(org, endpoint)
    api = Api()
    username = ROLES[role]
    if call.method == "get":
        response = api.get(call.path, username, **(call.params or {}))
    elif call.method == "delete":
        response = api.delete(call.path, username)
    else:
        response = api.post(call.path, call.body, username)
    assert response.status_code == expected_status(endpoint, role), response.content[:300]
    if response.status_code in (401, 403, 404):
        assert response.json()["error"]["code"]
    if response.status_code == 404:
        # Never a hint: the same answer as for something that does not exist at all.
        assert response.json()["error"]["code"].endswith("not_found")
    if endpoint == "gratification_outcome" and response.status_code != 200:
        assert Gratification.objects.get().status == "reported"  # nothing changed on a refusal


@pytest.mark.parametrize("role", [r for r in ROLES if ROLES[r]])
def test_lists_hold_only_what_each_persona_may_see(role):
    org = world()
    for endpoint in ("gratification_detail", "conflict_detail", "agenda_detail"):
        prepare(org, endpoint)
    api = Api()
    username = ROLES[role]
    grats = api.get("/gratifications", username).json()["items"]
    conflicts_ = api.get("/conflicts", username).json()["items"]
    agendas_ = api.get("/agendas", username).json()["items"]
    assert bool(grats) == (expected_status("gratification_detail", role) == 200)
    assert bool(conflicts_) == (expected_status("conflict_detail", role) == 200)
    assert bool(agendas_) == (expected_status("agenda_detail", role) == 200)
