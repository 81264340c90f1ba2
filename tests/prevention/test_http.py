"""The prevention API over real HTTP (`integritas serve` in a subprocess): the contract shapes of
API.md §2 Prevention, bad input naming each field (422) with nothing stored, wrong states (409), and
nothing personal in clear anywhere in the data dir or the database (pg_dump in the PostgreSQL pass)."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
from pathlib import Path

import pytest

from tests.api.http import Http
from tests.security.test_at_rest import grep_tree, leaks, pg_dump
from tests.server import Served, cli_env, run_cli, scratch_database

pytestmark = pytest.mark.slow

PASSWORD = "Kuat-Sekali-2026!"
ORG = {
    "holidays": [],
    "units": [
        {"code": "DIS-PV", "name": "Dinas Uji", "parent": None, "timezone": "Asia/Jakarta", "work_week": "mon-fri"},
        {"code": "SMP-PV", "name": "SMP Uji", "parent": "DIS-PV", "work_week": "mon-sat",
         "policy": {"require_evidence": False}},
    ],
    "positions": [
        {"code": "KABID-PV", "unit": "DIS-PV", "title": "Kepala Bidang", "reports_to": None},
        {"code": "KS-PV", "unit": "SMP-PV", "title": "Kepala Sekolah", "reports_to": "KABID-PV"},
        {"code": "GURU-PV", "unit": "SMP-PV", "title": "Guru", "reports_to": "KS-PV"},
    ],
    "people": [
        {"username": "kepala", "name": "Drs. Heru Santoso", "email": "ks@example.org", "password": PASSWORD,
         "positions": ["KS-PV"]},
        {"username": "guru", "name": "Wahyu Hidayat, S.Pd.", "email": "guru@example.org", "password": PASSWORD,
         "positions": ["GURU-PV"]},
        {"username": "tim", "name": "Endang Lestari", "email": "tim@example.org", "password": PASSWORD,
         "positions": []},
    ],
    "teams": [{"unit": "SMP-PV", "members": ["tim"]}],
}  # fmt: skip


def start(tmp: Path, database_url: str | None) -> Served:
    data = tmp / "data"
    data.mkdir()
    (tmp / "org.json").write_text(json.dumps(ORG), encoding="utf-8")
    env = cli_env(data, database_url, INTEGRITAS_SCHEDULER_INTERVAL="1")
    done = run_cli("import-org", str(tmp / "org.json"), env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    served = Served(env, tmp / "serve.log")
    served.wait_ready()
    return served


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with scratch_database() as url:
        served = start(tmp_path_factory.mktemp("prevention-http"), url)
        with served:
            http = Http(served.base)
            served.tokens = {u: http.token(u, PASSWORD) for u in ("kepala", "guru", "tim")}  # type: ignore[attr-defined]
            yield served
            served.stop()


def client(server) -> tuple[Http, dict[str, str]]:
    return Http(server.base), server.tokens


def test_declarations_contract(server):
    http, tokens = client(server)
    body = {
        "kind": "annual",
        "year": 2026,
        "none": False,
        "interests": [
            {
                "category": "procurement",
                "description": "Usaha istri",
                "parties": [{"name": "CV Maju Jaya", "relation": "usaha istri"}],
            }
        ],
    }
    r = http.post("/api/v1/declarations", body, token=tokens["kepala"])
    assert r.status == 201, r.body
    created = r.json()
    assert set(created) == {"id", "kind", "year", "filed_at"}
    assert created["kind"] == "annual" and created["year"] == 2026
    assert dt.datetime.fromisoformat(created["filed_at"]).utcoffset() is not None
    mine = http.get("/api/v1/declarations?mine=true", token=tokens["kepala"]).json()
    (item,) = mine["items"]
    assert set(item) == {"id", "kind", "year", "filed_at", "none", "interests"}
    assert item["interests"] == [
        {
            "category": "procurement",
            "description": "Usaha istri",
            "parties": [{"name": "CV Maju Jaya", "relation": "usaha istri"}],
        }
    ]
    # 422 naming the field when none is false and interests empty; nothing stored.
    r = http.post(
        "/api/v1/declarations",
        {"kind": "annual", "year": 2026, "none": False, "interests": []},
        token=tokens["guru"],
    )
    assert r.status == 422 and r.json()["error"]["code"] == "invalid"
    assert set(r.json()["error"]["fields"]) == {"interests"}
    r = http.post(
        "/api/v1/declarations",
        {"kind": "yearly", "interests": [{"category": "bribery"}]},
        token=tokens["guru"],
    )
    assert r.status == 422 and set(r.json()["error"]["fields"]) == {
        "kind",
        "interests.0.category",
        "interests.0.description",
    }
    assert http.get("/api/v1/declarations", token=tokens["guru"]).json()["items"] == []
    # Compliance: the team sees who has not filed.
    r = http.get("/api/v1/declarations/compliance?unit=SMP-PV&year=2026", token=tokens["tim"])
    assert r.status == 200, r.body
    assert r.json() == {
        "unit": "SMP-PV",
        "year": 2026,
        "people": 2,
        "filed": 1,
        "missing": [{"username": "guru", "name": "Wahyu Hidayat, S.Pd."}],
    }
    assert http.get("/api/v1/declarations/compliance?unit=SMP-PV", token=tokens["guru"]).status == 403
    assert http.get("/api/v1/declarations/compliance?unit=NOPE", token=tokens["tim"]).status == 404
    pdf = http.get("/api/v1/declarations/statement?year=2026", token=tokens["kepala"])
    assert (
        pdf.status == 200
        and pdf.body.startswith(b"%PDF")
        and pdf.headers["Content-Type"] == "application/pdf"
    )


def test_gratification_contract(server):
    http, tokens = client(server)
    received = (dt.date.today() - dt.timedelta(days=3)).isoformat()
    body = {
        "received_on": received,
        "giver": {"name": "Hj. Siti Maryam", "relation": "orang tua siswa"},
        "occasion": "wedding",
        "description": "Amplop",
        "value_idr": 1_500_000,
        "rejected": False,
    }
    r = http.multipart(
        "/api/v1/gratifications",
        body,
        [("undangan.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf")],
        headers={"Authorization": f"Bearer {tokens['guru']}"},
    )
    assert r.status == 201, r.body
    grat = r.json()
    contract = {
        "reference",
        "status",
        "received_on",
        "value_idr",
        "occasion",
        "rejected",
        "reportable",
        "due_at",
        "overdue",
        "outcome",
        "recipient",
    }
    assert contract <= set(grat)
    assert grat["reference"].startswith("GR-") and grat["status"] == "reported"
    assert grat["reportable"] is False and grat["overdue"] is False and grat["outcome"] is None
    assert grat["recipient"] == {"username": "guru"} and grat["received_on"] == received
    assert grat["due_at"].endswith("T23:59:59+07:00")
    (file,) = grat["evidence"]
    download = http.get(
        f"/api/v1/gratifications/{grat['reference']}/evidence/{file['id']}", token=tokens["tim"]
    )
    assert download.status == 200 and download.body.startswith(b"%PDF")
    listed = http.get("/api/v1/gratifications?status=reported", token=tokens["tim"]).json()
    assert [g["reference"] for g in listed["items"]] == [grat["reference"]] and listed["next"] is None
    assert http.get("/api/v1/gratifications?mine=true", token=tokens["tim"]).json()["items"] == []
    r = http.post(
        f"/api/v1/gratifications/{grat['reference']}/outcome",
        {"outcome": "kept_allowed", "notes": "Di bawah batas"},
        token=tokens["tim"],
    )
    assert r.status == 200 and r.json()["status"] == "settled" and r.json()["outcome"] == "kept_allowed"
    again = http.post(
        f"/api/v1/gratifications/{grat['reference']}/outcome", {"outcome": "returned"}, token=tokens["tim"]
    )
    assert again.status == 409 and again.json()["error"]["code"] == "gratification_settled"
    # Bad input: each field named; nothing stored.
    bad = http.post(
        "/api/v1/gratifications",
        {
            "received_on": "2999-01-01",
            "giver": {},
            "occasion": "birthday",
            "description": "",
            "value_idr": -1,
        },
        token=tokens["guru"],
    )
    assert bad.status == 422
    assert set(bad.json()["error"]["fields"]) == {
        "received_on",
        "giver.name",
        "occasion",
        "description",
        "value_idr",
    }
    assert len(http.get("/api/v1/gratifications?mine=true", token=tokens["guru"]).json()["items"]) == 1
    xlsx = http.get("/api/v1/gratifications/export?unit=SMP-PV", token=tokens["tim"])
    assert xlsx.status == 200 and xlsx.body[:2] == b"PK"


def test_self_declaration_contract(server):
    http, tokens = client(server)
    body = {
        "kind": "potential",
        "decision": {"title": "Penetapan PPDB", "kind": "admission", "date": "2026-12-01"},
        "description": "Keponakan mendaftar",
    }
    r = http.post("/api/v1/conflicts", body, token=tokens["guru"])
    assert r.status == 201, r.body
    item = r.json()
    contract = {
        "reference",
        "status",
        "kind",
        "decision",
        "decision_suspended",
        "handler",
        "level",
        "due_at",
        "overdue",
        "measure",
        "history",
    }
    assert contract <= set(item)
    assert (
        item["reference"].startswith("KK-")
        and item["status"] == "open"
        and item["decision_suspended"] is True
    )
    assert (
        item["handler"]["position"] == "KS-PV"
        and item["handler"]["title"] == "Kepala Sekolah"
        and item["level"] == 1
    )
    assert item["decision"] == {"title": "Penetapan PPDB", "kind": "admission", "date": "2026-12-01"}
    assert [h["event"] for h in item["history"]] == ["filed", "routed"]
    assert set(item["history"][0]) == {"at", "event", "actor_title", "note"}
    ref = item["reference"]
    assert (
        http.post(f"/api/v1/conflicts/{ref}/measure", {"measure": "recusal"}, token=tokens["tim"]).status
        == 403
    )
    r = http.post(
        f"/api/v1/conflicts/{ref}/measure",
        {"measure": "reassignment", "notes": "Wakil kepala"},
        token=tokens["kepala"],
    )
    assert r.status == 200 and r.json()["status"] == "decided" and r.json()["decision_suspended"] is False
    assert r.json()["measure"] == "reassignment"
    again = http.post(f"/api/v1/conflicts/{ref}/measure", {"measure": "recusal"}, token=tokens["kepala"])
    assert again.status == 409 and again.json()["error"]["code"] == "self_declaration_decided"
    bad = http.post("/api/v1/conflicts", {"kind": "x", "decision": {"kind": "y"}}, token=tokens["guru"])
    assert bad.status == 422 and set(bad.json()["error"]["fields"]) == {
        "kind",
        "decision.title",
        "decision.kind",
        "description",
    }


def test_agenda_contract(server):
    http, tokens = client(server)
    http.post(
        "/api/v1/declarations",
        {
            "kind": "ad_hoc",
            "interests": [
                {"category": "family_community", "parties": [{"name": "Sinar Abadi", "relation": "kakak"}]}
            ],
        },
        token=tokens["guru"],
    )
    meets = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).replace(microsecond=0).isoformat()
    body = {
        "unit": "SMP-PV",
        "title": "Rapat pengadaan seragam",
        "kind": "procurement",
        "meets_at": meets,
        "items": [{"title": "Pemenang pengadaan", "parties": ["PT Sinar Abadi Tbk"]}],
        "participants": ["guru", "kepala"],
    }
    r = http.post("/api/v1/agendas", body, token=tokens["kepala"])
    assert r.status == 201, r.body
    agenda = r.json()
    assert {"id", "unit", "title", "kind", "meets_at", "items", "participants", "warnings"} <= set(agenda)
    (item,) = agenda["items"]
    assert set(item) == {"id", "title", "parties", "statements"}
    assert sorted(agenda["participants"], key=lambda p: p["username"]) == [
        {"username": "guru", "name": "Wahyu Hidayat, S.Pd."},
        {"username": "kepala", "name": "Drs. Heru Santoso"},
    ]
    assert agenda["warnings"] == []  # the publisher is not the one warned, nor on the team
    seen = http.get(f"/api/v1/agendas/{agenda['id']}", token=tokens["tim"]).json()
    assert seen["warnings"] == [
        {
            "username": "guru",
            "item_id": item["id"],
            "party": "PT Sinar Abadi Tbk",
            "declared_party": "Sinar Abadi",
            "relation": "kakak",
        }
    ]
    path = f"/api/v1/agendas/{agenda['id']}/items/{item['id']}/statement"
    r = http.post(path, {"conflict": True, "reason": "Kakak saya pemiliknya"}, token=tokens["guru"])
    assert r.status == 200
    (statement,) = r.json()["items"][0]["statements"]
    assert (
        set(statement) == {"username", "conflict", "reason", "at"}
        and statement["reason"] == "Kakak saya pemiliknya"
    )
    by_publisher = http.get(f"/api/v1/agendas/{agenda['id']}", token=tokens["kepala"]).json()
    assert by_publisher["items"][0]["statements"][0]["reason"] is None
    bad = http.post(
        "/api/v1/agendas",
        {**body, "meets_at": "2020-01-01T09:00:00+07:00", "participants": ["hantu"]},
        token=tokens["kepala"],
    )
    assert bad.status == 422 and set(bad.json()["error"]["fields"]) == {"meets_at", "participants"}
    assert http.post(path, {"conflict": True}, token=tokens["guru"]).status == 422


def test_risk_map_contract(server):
    http, tokens = client(server)
    r = http.post(
        "/api/v1/risk-map",
        {
            "position": "KS-PV",
            "decision_kind": "procurement",
            "likelihood": 4,
            "impact": 4,
            "mitigation": "SIPLah",
            "review_on": "2099-01-31",
        },
        token=tokens["tim"],
    )
    assert r.status == 200, r.body
    assert r.json()["score"] == 16 and r.json()["level"] == "very_high"
    data = http.get("/api/v1/risk-map?unit=SMP-PV", token=tokens["tim"]).json()
    assert data["unit"] == "SMP-PV" and len(data["items"]) == 1 and len(data["cells"]) == 25
    assert {"likelihood": 4, "impact": 4, "count": 1} in data["cells"]
    assert http.get("/api/v1/risk-map?unit=SMP-PV", token=tokens["kepala"]).status == 403


def test_nothing_personal_in_clear(tmp_path):
    tag = secrets.token_hex(5).upper()
    markers = {
        k: f"ZQV{k.upper()}{tag}"
        for k in ("party", "relation", "giver", "gift", "conflict", "reason", "itemparty")
    }
    with scratch_database() as url:
        served = start(tmp_path, url)
        with served:
            http = Http(served.base)
            guru, kepala = http.token("guru", PASSWORD), http.token("kepala", PASSWORD)
            assert (
                http.post(
                    "/api/v1/declarations",
                    {
                        "kind": "annual",
                        "interests": [
                            {
                                "category": "other",
                                "description": "x",
                                "parties": [{"name": markers["party"], "relation": markers["relation"]}],
                            }
                        ],
                    },
                    token=guru,
                ).status
                == 201
            )
            assert (
                http.post(
                    "/api/v1/gratifications",
                    {
                        "received_on": dt.date.today().isoformat(),
                        "giver": {"name": markers["giver"]},
                        "occasion": "other",
                        "description": markers["gift"],
                        "value_idr": 1,
                    },
                    token=guru,
                ).status
                == 201
            )
            assert (
                http.post(
                    "/api/v1/conflicts",
                    {
                        "kind": "actual",
                        "decision": {"title": "PPDB", "kind": "admission"},
                        "description": markers["conflict"],
                    },
                    token=guru,
                ).status
                == 201
            )
            r = http.post(
                "/api/v1/agendas",
                {"unit": "SMP-PV", "title": "Rapat", "kind": "other", "meets_at": (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat(),
                 "items": [{"title": "Butir", "parties": [markers["itemparty"]]}], "participants": ["guru"]},
                token=kepala,
            )  # fmt: skip
            assert r.status == 201, r.body
            agenda = r.json()
            statement = f"/api/v1/agendas/{agenda['id']}/items/{agenda['items'][0]['id']}/statement"
            assert (
                http.post(statement, {"conflict": True, "reason": markers["reason"]}, token=guru).status
                == 200
            )
            mine = http.get("/api/v1/declarations", token=guru).json()
            assert markers["party"] in json.dumps(mine)  # readable through the API
            time.sleep(2.5)  # the scheduler ran: notices and mail went out
            live = grep_tree(tmp_path / "data", markers)
            assert served.stop() == 0
        assert live == {}, f"in clear while serving: {live}"
        assert grep_tree(tmp_path / "data", markers) == {}
        assert leaks((tmp_path / "serve.log").read_bytes(), markers) == []
        if url is not None:
            assert leaks(pg_dump(url), markers) == []
