"""The monitoring endpoints over HTTP: GET /stats (visibility), GET /reports/evaluation (the file, who
may have it, bad input), the command line writing the same file, and GET /public/transparency."""

from __future__ import annotations

import io

import pytest
import time_machine
from openpyxl import load_workbook
from pypdf import PdfReader

from integritas import cli
from tests.api.test_staff_api import Api, assert_error
from tests.factories import add_team
from tests.monitoring.cases import build, wib

pytestmark = pytest.mark.django_db
NOW = wib(9, 2)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def api() -> Api:
    return Api()


@pytest.fixture
def built(org):
    return build(org)


def cells(body: bytes) -> dict[str, list[tuple]]:
    wb = load_workbook(io.BytesIO(body))
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


def test_stats_has_the_contract_keys(api, org, built):
    r = api.get("/stats", "districtteam", unit="SMPN1", **{"from": "2026-08-01", "to": "2026-08-31"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert {
        "unit",
        "from",
        "to",
        "total",
        "by_status",
        "by_category",
        "by_month",
        "by_unit",
        "by_outcome",
        "overdue_now",
        "within_deadline",
        "recusals",
        "declarations",
        "gratifications",
        "self_declarations",
    } <= set(body)
    assert body["total"] == 3 and body["by_month"] == {"2026-08": 3}
    assert set(body["within_deadline"]) == {"examination", "review"}
    assert set(body["within_deadline"]["examination"]) == {"done", "on_time"}
    assert {"people", "filed"} <= set(body["declarations"])
    assert set(body["gratifications"]) == {"total", "settled", "overdue"}
    assert set(body["self_declarations"]) == {"total", "decided"}


def test_stats_leave_out_the_case_about_a_team_member(api, org, built):
    theirs = api.get("/stats", "schoolteam", unit="SMPN1").json()
    mine = api.get("/stats", "bendahara", unit="SMPN1").json()
    assert theirs["total"] == 4 and mine["total"] == 3
    assert sum(mine["by_status"].values()) == 3 and sum(mine["by_unit"].values()) == 3


def test_stats_leave_out_the_case_a_team_member_withdrew_from(api, org, built):
    add_team(org.school, org.vice)
    assert api.get("/stats", "vice", unit="SMPN1").json()["total"] == 3


@pytest.mark.parametrize("fmt", ["pdf", "xlsx"])
def test_evaluation_report_is_an_attachment(api, org, built, fmt):
    r = api.get("/reports/evaluation", "schoolteam", unit="SMPN1", period="2026-08", format=fmt)
    assert r.status_code == 200, r.content
    assert r["Content-Type"] == ("application/pdf" if fmt == "pdf" else XLSX)
    assert r["Content-Disposition"].startswith("attachment;")
    assert f'filename="evaluasi-SMPN1-2026-08.{fmt}"' in r["Content-Disposition"]


@pytest.mark.parametrize(
    ("who", "unit", "status"),
    [
        ("outsider", "SMPN1", 403),
        ("vice", "SMPN1", 403),
        ("schoolteam", "DISDIK", 403),
        ("schoolteam", "NOPE", 404),
    ],
)
def test_evaluation_report_for_the_team_of_the_unit_or_above(api, org, who, unit, status):
    assert_error(api.get("/reports/evaluation", who, unit=unit, period="2026"), status)


def test_evaluation_report_without_a_token_is_401(api, org):
    assert api.get("/reports/evaluation", None, unit="SMPN1", period="2026").status_code == 401


@pytest.mark.parametrize(
    ("params", "field"),
    [({"period": "2026-13"}, "period"), ({"period": "S2"}, "period"), ({"format": "docx"}, "format")],
)
def test_evaluation_report_bad_input_names_the_field(api, org, params, field):
    query = {"unit": "SMPN1", "period": "2026", "format": "pdf", **params}
    body = assert_error(api.get("/reports/evaluation", "schoolteam", **query), 422)
    assert field in body["error"]["fields"]


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_the_command_line_writes_the_same_report_as_the_api(api, org, built, tmp_path, fmt):
    out = tmp_path / f"laporan.{fmt}"
    with time_machine.travel(NOW, tick=False):
        from_api = api.get("/reports/evaluation", "districtteam", unit="DISDIK", period="2026-S2", format=fmt)
        assert (
            cli.main(
                ["report", "--unit", "DISDIK", "--period", "2026-S2", "--format", fmt, "--output", str(out)]
            )
            == 0
        )
    assert from_api.status_code == 200
    if fmt == "xlsx":
        assert cells(out.read_bytes()) == cells(from_api.content)
    else:
        read = [PdfReader(io.BytesIO(b)) for b in (out.read_bytes(), from_api.content)]
        texts = ["\n".join(p.extract_text() for p in r.pages) for r in read]
        assert texts[0] == texts[1] and "Laporan per unit" in texts[0]


def test_the_command_line_refuses_a_bad_period_or_unit(org, tmp_path, capsys):
    out = str(tmp_path / "x.pdf")
    assert (
        cli.main(["report", "--unit", "SMPN1", "--period", "2026-13", "--format", "pdf", "--output", out])
        == 2
    )
    assert "--period" in capsys.readouterr().err
    assert cli.main(["report", "--unit", "NOPE", "--period", "2026", "--format", "pdf", "--output", out]) == 2
    assert "--unit" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()


def test_transparency_counts_the_whole_deployment_by_year(api, org, built):
    r = api.get("/public/transparency", None, year="2026")
    assert r.status_code == 200, r.content
    body = r.json()
    assert set(body) == {"year", "total", "by_category", "by_outcome", "closed", "handled_within_deadline"}
    assert body["year"] == 2026 and body["total"] == 4 and body["closed"] == 1
    assert body["by_category"]["procurement"] == 2 and body["by_outcome"]["unfounded"] == 1
    # A: every step on time; B: examined late; C and D: no step taken yet.
    assert body["handled_within_deadline"] == 1
    text = r.content.decode()
    assert "SMPN1" not in text and "BK-" not in text and "Siti" not in text
    assert api.get("/public/transparency", None, year="2025").json()["total"] == 0


def test_transparency_bad_year_is_422(api, org):
    assert_error(api.get("/public/transparency", None, year="20x6"), 422)
    assert_error(api.get("/public/transparency", None, year="1999"), 422)


@pytest.mark.parametrize(
    "params",
    [{"unit": "DISDIK"}, {"unit": "SMPN1"}, {"unit": "DISDIK", "from": "2026-07-15", "to": "2026-08-31"}],
)
def test_stats_answer_is_the_figures_as_django_ninja_would_write_them(api, org, built, params):
    # ``GET /stats`` writes its answer itself (``api.common.json_answer``): the same bytes as the
    # figures through django-ninja's encoder.
    import datetime as dt
    import json

    from ninja.responses import NinjaJSONEncoder

    from integritas.monitoring import figures

    period = {
        "date_from": dt.date.fromisoformat(params["from"]) if "from" in params else None,
        "date_to": dt.date.fromisoformat(params["to"]) if "to" in params else None,
    }
    with time_machine.travel(NOW, tick=False):
        r = api.get("/stats", "districtteam", **params)
        unit = org.district if params["unit"] == "DISDIK" else org.school
        want = figures.stats(unit, org.district_team, **period)
    assert r.status_code == 200 and r["Content-Type"] == "application/json; charset=utf-8"
    assert r.content == json.dumps(want, cls=NinjaJSONEncoder).encode()
    assert r.json()["total"] > 0
