"""The demo organisation and its sample cases (`integritas demo`)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.utils import timezone

from integritas.cases import content
from integritas.cases.models import Case, Status
from integritas.cases.sweep import sweep
from integritas.demo import DEMO_PASSWORD, load_demo, load_org_file
from integritas.orgs.importer import validate
from integritas.orgs.models import Holding, Person, Position, TeamMembership, Unit
from tests.server import cli_env, run_cli, scratch_database


def snapshot() -> dict[str, list[dict]]:
    return {
        m._meta.label: list(m.objects.order_by("pk").values()) for m in apps.get_models() if m._meta.managed
    }


@pytest.fixture
def demo(db):
    return load_demo()


def test_the_org_file_follows_the_import_format(db):
    validate(load_org_file())


def test_the_demo_organisation(demo):
    district = Unit.objects.get(code="DISDIK-MADIUN")
    school = Unit.objects.get(code="SMPN1-MEJAYAN")
    assert district.name == "Dinas Pendidikan Kabupaten Madiun" and district.parent is None
    assert school.name == "SMP Negeri 1 Mejayan" and school.parent == district
    assert district.effective_timezone == school.effective_timezone == "Asia/Jakarta"
    assert (district.effective_work_week, school.effective_work_week) == ("mon-fri", "mon-sat")
    assert school.effective_policy["require_evidence"] is True  # defaults kept

    chain, position = [], Position.objects.get(code="GURU-MTK-1")
    while position is not None:
        chain.append(position.code)
        position = position.reports_to
    assert chain == ["GURU-MTK-1", "WAKA-KUR", "KS-SMPN1", "KABID-SMP", "KADIS"]
    for code in ("GURU-IPA-1", "BENDAHARA-BOS-SMPN1", "PPDB-SMPN1"):
        assert Position.objects.get(code=code).reports_to.code == "WAKA-KUR"

    today = timezone.localdate()
    assert Position.objects.get(code="WAKA-KUR-SMPN2").holders_on(today) == []  # vacant
    acting = Holding.objects.get(position__code="KS-SMPN2")
    assert acting.acting and acting.person.username == "heru.santoso"
    assert TeamMembership.objects.filter(unit=school).count() >= 1
    assert TeamMembership.objects.filter(unit=district).count() >= 1
    admin = Person.objects.get(is_admin=True)
    assert not admin.holdings.exists() and not admin.team_memberships.exists()
    assert all(p.check_password(DEMO_PASSWORD) for p in Person.objects.all())


def test_the_sample_cases_cover_every_state(demo):
    cases = Case.objects.select_related("handler_person", "handler_position", "handler_team", "unit")
    by_status: dict[str, list[Case]] = {}
    for case in cases:
        by_status.setdefault(case.status, []).append(case)
    assert set(by_status) == set(Status.values)
    assert sorted(c.outcome for c in by_status[Status.CLOSED]) == ["revoked", "unfounded"]

    (examination,) = by_status[Status.EXAMINATION]
    assert examination.handler_person.username == "sri.rahayu" and examination.level == 1
    assert examination.messages.count() == 2  # the handler asked, the reporter answered
    (triage,) = by_status[Status.TRIAGE]
    assert triage.subject_position is None and triage.handler_team.code == "SMPN1-MEJAYAN"
    assert content.report(triage)["subject"]["name"] == "Pengelola koperasi sekolah"
    (review,) = by_status[Status.REVIEW]
    assert review.handler_position.code == "KS-SMPN1" and review.conclusion == "founded"
    (follow_up,) = by_status[Status.FOLLOW_UP]
    assert follow_up.review_decision == "reassign"
    assert [f.settled for f in follow_up.follow_ups.all()].count(False) == 1

    for case in cases:
        assert case.evidence.exists()
        assert case.events.filter(kind="submitted").exists()
        description = content.report(case)["description"]
        assert len(description) > 80
    assert "PPDB" in " ".join(str(content.report(c)["decision"]) for c in cases)
    # Nothing open is overdue: the scheduler of a freshly loaded demo escalates nothing.
    result = sweep()
    assert not result.marked and not result.escalated


def test_the_summary_names_the_accounts_password_and_cases(demo):
    assert DEMO_PASSWORD in demo
    for username in ("sri.rahayu", "heru.santoso", "endang.lestari", "sri.wahyuni", "admin.disdik"):
        assert username in demo
    assert "Administrator" in demo and "Plt. Kepala Sekolah (SMPN2-MEJAYAN)" in demo
    assert "Tim Penanganan Benturan Kepentingan SMPN1-MEJAYAN" in demo
    assert "Vacant: WAKA-KUR-SMPN2" in demo
    for case in Case.objects.all():
        assert case.reference in demo
    assert "Sample cases: 6 created" in demo
    assert "Reporter receipts" in demo


def test_loading_twice_adds_nothing(demo):
    before = snapshot()
    again = load_demo()
    assert snapshot() == before
    assert "nothing to change" in again
    assert "already have 6 case(s); no cases were added" in again
    assert "Reporter receipts" not in again
    assert DEMO_PASSWORD in again


@pytest.mark.slow
def test_the_demo_command(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with scratch_database() as url:
        env = cli_env(data_dir, url)
        first = run_cli("demo", env=env, timeout=300)
        assert first.returncode == 0, first.stderr
        assert "Sample cases: 6 created" in first.stdout and DEMO_PASSWORD in first.stdout
        second = run_cli("demo", env=env, timeout=300)
        assert second.returncode == 0, second.stderr
        assert "no cases were added" in second.stdout
