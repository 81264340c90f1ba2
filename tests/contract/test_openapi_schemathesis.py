"""schemathesis over our own /api/v1/openapi.json against the real running server: no 5xx, and every
answer matches the documented status codes, content types and response schemas."""

from __future__ import annotations

import json

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is in the test extra")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.http import Http  # noqa: E402
from tests.factories import PASSWORD  # noqa: E402
from tests.server import Served, cli_env, run_cli, scratch_database  # noqa: E402

pytestmark = pytest.mark.slow

ORG = {
    "units": [
        {"code": "DISDIK", "name": "Dinas Pendidikan", "parent": None, "timezone": "Asia/Jakarta"},
        {
            "code": "SMPN1",
            "name": "SMP Negeri 1",
            "parent": "DISDIK",
            "work_week": "mon-sat",
            "policy": {"require_evidence": False, "allow_anonymous": True},
        },
    ],
    "positions": [
        {"code": "KABID", "unit": "DISDIK", "title": "Kepala Bidang SMP", "reports_to": None},
        {"code": "KS", "unit": "SMPN1", "title": "Kepala Sekolah", "reports_to": "KABID"},
        {"code": "GURU", "unit": "SMPN1", "title": "Guru Matematika", "reports_to": "KS"},
    ],
    "people": [
        {
            "username": "kabid",
            "name": "Kabid",
            "email": "kabid@example.org",
            "password": PASSWORD,
            "positions": ["KABID"],
        },
        {
            "username": "ks",
            "name": "Kepala",
            "email": "ks@example.org",
            "password": PASSWORD,
            "positions": ["KS"],
        },
        {"username": "tim", "name": "Tim", "email": "tim@example.org", "password": PASSWORD, "positions": []},
        # Separation of duties: the administrator is another account (no team, no position).
        {"username": "admin", "name": "Admin", "password": PASSWORD, "positions": [], "admin": True},
    ],
    "teams": [{"unit": "DISDIK", "members": ["tim"]}],
}
CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("contract")
    (tmp / "data").mkdir()
    (tmp / "org.json").write_text(json.dumps(ORG))
    with scratch_database() as database_url:
        env = cli_env(
            tmp / "data", database_url, INTEGRITAS_RECEIPT_FAILURES="100000", INTEGRITAS_PASSWORD_LOCKOUT="1"
        )
        assert run_cli("import-org", str(tmp / "org.json"), env=env).returncode == 0
        with Served(env, tmp / "serve.log") as served:
            served.wait_ready()
            http = Http(served.base)
            # A few real cases so that references and receipts in the wild exist.
            for _ in range(3):
                http.post(
                    "/api/v1/reports",
                    {
                        "unit": "SMPN1",
                        "subject": {"position": "GURU"},
                        "categories": ["procurement"],
                        "description": "Uji kontrak",
                        "reporter": {"name": "Siti", "email": "s@example.net"},
                        "good_faith": True,
                    },
                )
            served.token = http.token("tim", PASSWORD)
            served.admin_token = http.token("admin", PASSWORD)
            yield served
            served.stop()


def test_every_operation_conforms_to_the_document(server):
    """Each operation with generated inputs (schemathesis strategies driven by hypothesis)."""
    from hypothesis import given

    schema = schemathesis.openapi.from_url(server.base + "/api/v1/openapi.json")
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20

    for operation in operations:
        token = server.admin_token if "/admin/" in operation.path else server.token

        @given(case=operation.as_strategy())
        @settings(
            max_examples=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case):
            case.call_and_validate(
                base_url=server.base,
                # The administrator's endpoints as the administrator, the rest as a team member.
                headers={"Authorization": f"Bearer {token}"},  # noqa: B023 - run() is called at once
                checks=CHECKS,
            )

        try:
            run()
        except Exception as exc:  # collect all, report together
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}"[:1500])
    assert not failures, "\n\n".join(failures)
