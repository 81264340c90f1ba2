"""The data migration (cases 0004) turns history rows written as prose into data, once: the kind from
the old event string, the actor's role from the stored title, where the case went, the follow-up
concerned, the position named in triage and the missed deadline recovered from the old data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("cases", "0002_initial")]
AFTER = [("cases", "0005_drop_prose")]
T0 = dt.datetime(2026, 7, 7, 3, 0, tzinfo=dt.UTC)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_world():
    apps = migrate(BEFORE)
    yield apps
    # Forward again for every app: going back to cases 0002 also unapplied the migrations that depend
    # on later cases migrations (the web session tables, monitoring, prevention), which later tests need.
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_old_rows_become_data(old_world):
    apps = old_world
    Unit = apps.get_model("orgs", "Unit")
    Position = apps.get_model("orgs", "Position")
    Person = apps.get_model("orgs", "Person")
    Holding = apps.get_model("orgs", "Holding")
    TeamMembership = apps.get_model("orgs", "TeamMembership")
    Case = apps.get_model("cases", "Case")
    CaseCategory = apps.get_model("cases", "CaseCategory")
    CaseHandler = apps.get_model("cases", "CaseHandler")
    Event = apps.get_model("cases", "Event")
    FollowUp = apps.get_model("cases", "FollowUp")

    school = Unit.objects.create(code="SMPN1", name="SMP Negeri 1", path="/1/", timezone="Asia/Jakarta")
    guru = Position.objects.create(code="GURU", unit=school, title="Guru Matematika")
    waka = Position.objects.create(code="WAKA", unit=school, title="Wakil Kepala Sekolah")
    vice = Person.objects.create(username="vice", name="Bambang")
    team = Person.objects.create(username="team", name="Dewi")
    Holding.objects.create(person=vice, position=waka, start=dt.date(2020, 1, 1))
    TeamMembership.objects.create(unit=school, person=team)
    case = Case.objects.create(
        reference="BK-2026-000001",
        unit=school,
        status="follow_up",
        subject_position=guru,
        wrapped_key=b"k",
        sealed=b"s",
        receipt_hash="h" * 64,
        created_at=T0,
        review_decision="revoke",
        reviewed_at=T0 + dt.timedelta(hours=5),
    )
    CaseCategory.objects.create(case=case, code="procurement")
    CaseHandler.objects.create(
        case=case, person=vice, position=waka, level=1, assigned_at=T0 + dt.timedelta(hours=2),
        no_conflict_confirmed_at=T0 + dt.timedelta(hours=3),
    )  # fmt: skip
    item = FollowUp.objects.create(
        case=case, title="Lelang ulang", due_date=dt.date(2026, 8, 1), done=True,
        done_at=T0 + dt.timedelta(hours=7), created_at=T0 + dt.timedelta(hours=6),
    )  # fmt: skip

    def old(hours, event, title, note="", public_note="", actor=None, from_status="", to_status=""):
        return Event.objects.create(
            case=case, at=T0 + dt.timedelta(hours=hours), event=event, actor=actor, actor_title=title,
            from_status=from_status, to_status=to_status, note=note, public_note=public_note,
        )  # fmt: skip

    old(0, "submitted", "Pelapor", public_note="Laporan diterima.", to_status="submitted")
    old(0, "triage", "Sistem", from_status="submitted", to_status="triage",
        public_note="Laporan diteruskan kepada Tim Penanganan Benturan Kepentingan SMP Negeri 1 untuk menentukan pejabat yang berwenang.")  # fmt: skip
    old(2, "triaged", "Tim Penanganan Benturan Kepentingan", actor=team, note="Terlapor: Guru Matematika (GURU)",
        from_status="triage", to_status="triage")  # fmt: skip
    old(2, "routed", "Tim Penanganan Benturan Kepentingan", actor=team, from_status="triage", to_status="examination",
        public_note="Laporan diteruskan kepada Wakil Kepala Sekolah untuk diperiksa.")  # fmt: skip
    old(3, "no_conflict_confirmed", "Wakil Kepala Sekolah", actor=vice)
    old(4, "overdue", "Sistem", note="Batas waktu Wakil Kepala Sekolah terlewati (2026-07-10T23:59:59+07:00).",
        from_status="examination", to_status="examination")  # fmt: skip
    old(5, "reviewed_revoke", "Wakil Kepala Sekolah", actor=vice, note="Dicabut karena konflik.",
        from_status="review", to_status="follow_up")  # fmt: skip
    old(6, "follow_up_added", "Tim Penanganan Benturan Kepentingan", actor=team, note="Lelang ulang",
        public_note="Tindak lanjut ditetapkan: Lelang ulang (paling lambat 2026-08-01).")  # fmt: skip
    old(7, "follow_up_done", "Tim Penanganan Benturan Kepentingan", actor=team, note="Lelang ulang: Sudah")
    old(8, "message_from_reporter", "Pelapor")
    old(9, "something_old", "Petugas", note="?")

    apps = migrate(AFTER)
    Event = apps.get_model("cases", "Event")
    rows = {row.kind: row for row in Event.objects.filter(case_id=case.pk)}
    assert set(rows) == {
        "submitted", "triage", "triaged", "routed", "no_conflict_confirmed", "overdue",
        "reviewed_revoke", "follow_up_added", "follow_up_done", "message_from_reporter", "something_old",
    }  # fmt: skip
    assert (
        rows["submitted"].actor_role == "reporter" and rows["message_from_reporter"].actor_role == "reporter"
    )
    assert rows["triage"].actor_role == "system" and rows["triage"].to_team_id == school.pk
    assert rows["triaged"].actor_role == "team" and rows["triaged"].actor_team_id == school.pk
    assert rows["triaged"].data == {"subject_position": guru.pk} and rows["triaged"].note == ""
    assert rows["triaged"].stage == "triage"
    assert rows["routed"].to_position_id == waka.pk
    assert rows["no_conflict_confirmed"].actor_role == "position"
    assert rows["no_conflict_confirmed"].actor_position_id == waka.pk
    assert rows["no_conflict_confirmed"].data == {"via": "web"}
    assert rows["overdue"].note == "" and rows["overdue"].stage == "examination"
    assert rows["overdue"].stage_due_at == dt.datetime(2026, 7, 10, 16, 59, 59, tzinfo=dt.UTC)
    assert rows["overdue"].stage_started_at == T0 + dt.timedelta(hours=2)
    assert (
        rows["reviewed_revoke"].note == "Dicabut karena konflik."
        and rows["reviewed_revoke"].stage == "review"
    )
    assert rows["follow_up_added"].follow_up_id == item.pk and rows["follow_up_added"].note == ""
    done = rows["follow_up_done"]
    assert done.follow_up_id == item.pk and done.note == "Sudah" and done.stage == "follow_up"
    assert done.stage_started_at == T0 + dt.timedelta(hours=5)
    assert rows["something_old"].actor_role == "system" and rows["something_old"].note == "?"

    CaseCategory = apps.get_model("cases", "CaseCategory")
    row = CaseCategory.objects.get(case_id=case.pk)
    assert (row.unit_id, row.created_at) == (school.pk, T0)
    NoConflictConfirmation = apps.get_model("cases", "NoConflictConfirmation")
    assert list(NoConflictConfirmation.objects.values_list("person__username", "via")) == [("vice", "web")]
