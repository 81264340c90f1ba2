"""The organisation's services, one section per service: the rules hold whoever calls them (a page, the
API or the import), problems come back as codes, and every change set is audited once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from integritas.audit.chain import verify
from integritas.audit.models import AuditEntry
from integritas.errors import Forbidden, Invalid, NotFound, WrongState
from integritas.notify.models import Notice, OutboxMessage
from integritas.orgs import services
from integritas.orgs.changes import change_set
from integritas.orgs.models import (
    ApiToken,
    Holding,
    Holiday,
    OrgChange,
    PendingChange,
    Person,
    Position,
    TeamMembership,
    Unit,
)
from integritas.orgs.policy import KEYS, Policy
from tests.factories import make_person, make_unit

pytestmark = pytest.mark.django_db


def codes(error: Invalid) -> dict[str, str]:
    return {name: problem.code for name, problem in error.fields.items()}


def org_changes() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="org.changed").order_by("seq"))


# --- units ---------------------------------------------------------------------------------------------


def test_unit_save_creates_a_unit_that_inherits_from_its_parent(org):
    unit, changed = services.unit_save(
        actor=org.admin, code="SMPN2", name="SMP Negeri 2", parent=org.district, timezone=None,
        work_week="mon-sat", policy={"examination_days": 5},
    )  # fmt: skip
    assert changed and unit.parent == org.district
    assert unit.path == f"{org.district.path}{unit.pk}/"
    assert (unit.effective_timezone, unit.effective_work_week) == ("Asia/Jakarta", "mon-sat")
    assert unit.policy_in_force.examination_days == 5
    assert unit.policy_in_force.require_evidence is False  # set at the district
    [entry] = org_changes()
    assert entry.actor == "admin" and entry.data["changes"][0]["kind"] == "unit_created"


@pytest.mark.parametrize(
    "code, problem",
    [("baru", "reserved_code"), ("BARU", "reserved_code"), ("smpn1", "code_taken"), ("a b", "bad_code")],
)
def test_unit_codes_follow_the_rules(org, code, problem):
    with pytest.raises(Invalid) as error:
        services.unit_save(
            actor=org.admin, code=code, name="X", parent=None, timezone=None, work_week=None, policy={}
        )
    assert codes(error.value) == {"code": problem}
    assert not Unit.objects.filter(name="X").exists() and not org_changes()


def test_a_unit_cannot_move_under_its_own_subtree(org):
    with pytest.raises(Invalid) as error:
        services.unit_save(
            actor=org.admin, unit=org.district, name="Disdik", parent=org.school, timezone=None,
            work_week=None, policy={},
        )  # fmt: skip
    assert codes(error.value) == {"parent": "unit_cycle"}
    assert error.value.fields["parent"].params["path"] == "DISDIK → SMPN1 → DISDIK"


def test_invalid_policy_values_name_the_key(org):
    with pytest.raises(Invalid) as error:
        services.unit_save(
            actor=org.admin, unit=org.school, name="S", parent=org.district, timezone="Europe/Paris",
            work_week=None, policy={"examination_days": 0, "allow_anonymous": "yes"},
        )  # fmt: skip
    assert codes(error.value) == {
        "timezone": "choice",
        "policy_examination_days": "number_range",
        "policy_allow_anonymous": "not_boolean",
    }


def test_a_change_above_reaches_every_unit_below_and_costs_no_query_to_read(org):
    services.unit_save(
        actor=org.admin, unit=org.district, name="Disdik", parent=None, timezone="Asia/Makassar",
        work_week="mon-fri", policy={"review_days": 4},
    )  # fmt: skip
    school = Unit.objects.get(pk=org.school.pk)
    with CaptureQueriesContext(connection) as queries:
        assert school.tz.key == "Asia/Makassar"
        assert school.working_weekdays == (0, 1, 2, 3, 4, 5)  # its own six-day week
        assert school.policy_in_force.review_days == 4
        assert school.effective_policy["review_days"] == 4
        assert school.ancestor_ids() == [org.district.pk, org.school.pk]
    assert len(queries) == 0


def test_moving_a_unit_moves_its_subtree(org):
    other = make_unit("DISDIK2", timezone="Asia/Jayapura")
    below = make_unit("RANTING", parent=org.school)
    services.unit_save(
        actor=org.admin, unit=org.school, name="S", parent=other, timezone=None, work_week=None, policy={}
    )
    below.refresh_from_db()
    assert below.path == f"/{other.pk}/{org.school.pk}/{below.pk}/"
    assert below.effective_timezone == "Asia/Jayapura"


def test_the_typed_policy_has_every_key():
    assert set(Policy.__dataclass_fields__) == set(KEYS)
    policy = Policy.of({"examination_days": "many"})  # a wrong stored value takes the default
    assert policy.examination_days == 3 and policy.as_dict()["review_day_kind"] == "calendar"


# --- positions -----------------------------------------------------------------------------------------


def test_position_save_across_units_and_cycle_refused(org):
    position, changed = services.position_save(
        actor=org.admin, code="PLH-KS", unit=org.school, title="Plh Kepala Sekolah", reports_to=org.p_kabid
    )
    assert changed and position.reports_to == org.p_kabid
    with pytest.raises(Invalid) as error:
        services.position_save(
            actor=org.admin,
            position=org.p_kadis,
            unit=org.district,
            title="Kepala Dinas",
            reports_to=org.p_teacher,
        )
    assert codes(error.value) == {"reports_to": "position_cycle"}
    assert "KADIS" in error.value.fields["reports_to"].params["path"]


def test_position_codes_follow_the_rules(org):
    for code, problem in (("baru", "reserved_code"), ("ks", "code_taken")):
        with pytest.raises(Invalid) as error:
            services.position_save(actor=org.admin, code=code, unit=org.school, title="T", reports_to=None)
        assert codes(error.value) == {"code": problem}


def test_positions_save_checks_a_batch_at_once(org):
    specs = [
        services.PositionSpec("A1", "SMPN1", "Satu", "A2", ref=1),
        services.PositionSpec("A2", "NOWHERE", "Dua", None, ref=2),
        services.PositionSpec("A3", "SMPN1", "", "NOPE", ref=3),
    ]
    with pytest.raises(services.BatchInvalid) as error:
        services.positions_save(actor=org.admin, specs=specs)
    assert [(p.ref, p.field, p.problem.code) for p in error.value.problems] == [(3, "title", "required")]
    specs[2].title = "Tiga"
    with pytest.raises(services.BatchInvalid) as error:
        services.positions_save(actor=org.admin, specs=specs)
    assert [(p.ref, p.field, p.problem.code) for p in error.value.problems] == [
        (2, "unit", "unknown_unit_code"),
        (3, "reports_to", "unknown_position_code"),
    ]
    assert not Position.objects.filter(code__startswith="A").exists()


# --- people --------------------------------------------------------------------------------------------


def test_person_save_creates_without_a_usable_password(org):
    person, _ = services.person_save(
        actor=org.admin, username="rina", name="Rina", email="rina@example.org", language="id",
        is_admin=False, is_active=True,
    )  # fmt: skip
    assert not person.has_usable_password()
    with pytest.raises(Invalid) as error:
        services.person_save(
            actor=org.admin, username="rina2", name="Lagi", email="rina@", language="id", is_admin=False,
            is_active=True,
        )  # fmt: skip
    assert codes(error.value) == {"email": "bad_email"}
    with pytest.raises(Invalid) as error:
        services.person_save(
            actor=org.admin,
            username="rina2",
            name="Lagi",
            email="",
            language="xx",
            is_admin=False,
            is_active=True,
        )
    assert codes(error.value) == {"language": "choice"}
    with pytest.raises(Invalid) as error:
        services.person_save(
            actor=org.admin,
            username="RINA",
            name="Lagi",
            email="",
            language="id",
            is_admin=False,
            is_active=True,
        )
    assert codes(error.value) == {"username": "username_taken"}


def test_an_administrator_keeps_their_own_right_and_account(org):
    with pytest.raises(Invalid) as error:
        services.person_save(
            actor=org.admin,
            person=org.admin,
            name="A",
            email="",
            language="id",
            is_admin=False,
            is_active=False,
        )
    assert codes(error.value) == {"is_admin": "own_admin_right", "is_active": "own_deactivation"}


def test_a_holder_or_team_member_is_not_made_an_administrator(org):
    for person in (org.teacher, org.school_team):
        with pytest.raises(Invalid) as error:
            services.person_save(
                actor=org.admin, person=person, name=person.name, email=person.email, language="id",
                is_admin=True, is_active=True,
            )  # fmt: skip
        assert codes(error.value) == {"is_admin": "holder_cannot_be_admin"}
    assert not Person.objects.filter(is_admin=True).exclude(pk=org.admin.pk).exists()


def test_deactivating_and_reactivating_revokes_every_token(org):
    ApiToken.objects.create(
        person=org.teacher, key_hash="x" * 64, created_at=timezone.now(),
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )  # fmt: skip
    epoch = Person.objects.get(pk=org.teacher.pk).session_epoch
    services.person_save(
        actor=org.admin, person=org.teacher, name=org.teacher.name, email=org.teacher.email, language="id",
        is_admin=False, is_active=False,
    )  # fmt: skip
    assert ApiToken.objects.get().revoked_at is not None
    assert Person.objects.get(pk=org.teacher.pk).session_epoch == epoch + 1


# --- passwords -----------------------------------------------------------------------------------------


def test_ones_own_password_is_set_directly(org):
    outcome = services.person_set_password(
        actor=org.admin, person=org.admin, password="Daun-Teh-Hijau-Basah-9"
    )
    assert outcome.applied and Person.objects.get(pk=org.admin.pk).check_password("Daun-Teh-Hijau-Basah-9")


def test_someone_elses_password_without_a_team_needs_another_administrator(org):
    with pytest.raises(Invalid) as error:
        services.person_set_password(actor=org.admin, person=org.outsider, password="Daun-Teh-Hijau-Basah-9")
    assert codes(error.value) == {"password": "no_second_person"}
    second = make_person("admin2", is_admin=True)
    outcome = services.person_set_password(
        actor=org.admin, person=org.outsider, password="Daun-Teh-Hijau-Basah-9"
    )
    assert [p.username for p in services.approvers(outcome.pending)] == ["admin2"]
    assert Notice.objects.filter(person=second, kind="org_change_requested").exists()
    services.pending_approve(actor=second, change_id=outcome.pending.pk)
    assert Person.objects.get(pk=org.outsider.pk).check_password("Daun-Teh-Hijau-Basah-9")


def test_a_password_for_a_team_member_waits_for_a_second_person(org):
    outcome = services.person_set_password(
        actor=org.admin, person=org.school_team, password="Daun-Teh-Hijau-Basah-9"
    )
    assert not outcome.applied and outcome.pending.kind == "password"
    assert "Daun-Teh" not in outcome.pending.password_hash
    assert not Person.objects.get(pk=org.school_team.pk).check_password("Daun-Teh-Hijau-Basah-9")
    # Whoever may approve: the team above the school (the person's own team has nobody else).
    assert [p.username for p in services.approvers(outcome.pending)] == ["districtteam"]
    with pytest.raises(NotFound):
        services.pending_approve(actor=org.teacher, change_id=outcome.pending.pk)  # not theirs to see
    services.pending_approve(actor=org.district_team, change_id=outcome.pending.pk)
    assert Person.objects.get(pk=org.school_team.pk).check_password("Daun-Teh-Hijau-Basah-9")
    assert PendingChange.objects.get().password_hash == ""  # the copy is gone
    # The person hears that their password changed.
    assert Notice.objects.filter(person=org.school_team, kind="password_changed").exists()


def test_a_weak_password_is_refused_with_the_reasons(org):
    with pytest.raises(Invalid) as error:
        services.person_set_password(actor=org.admin, person=org.outsider, password="sekolah1")
    assert codes(error.value) == {"password": "weak_password"}
    assert "10" in error.value.fields["password"].params["reasons"]


# --- holdings ------------------------------------------------------------------------------------------


def test_holding_add_and_end(org):
    holding = services.holding_add(
        actor=org.admin, person=org.vice, position=org.p_principal, start=dt.date(2026, 8, 1), acting=True
    )
    assert holding.acting and org.p_principal.holders_on(dt.date(2026, 8, 3)) == [org.principal, org.vice]
    services.holding_end(actor=org.admin, holding=holding, end=dt.date(2026, 8, 31))
    assert Holding.objects.get(pk=holding.pk).end == dt.date(2026, 8, 31)
    kinds = [c.kind for c in OrgChange.objects.order_by("id")]
    assert kinds == ["holding_added", "holding_ended"]


def test_holding_rules(org):
    cases = [
        (dict(person=org.admin, position=org.p_vice, start=dt.date(2026, 1, 1)), {"position": "admin_holds_no_position"}),
        (dict(person=org.teacher, position=org.p_teacher, start=dt.date(2026, 1, 1)), {"position": "holding_overlap"}),
        (dict(person=org.outsider, position=org.p_vice, start=dt.date(2026, 2, 1), end=dt.date(2026, 1, 1)), {"end": "end_before_start"}),
    ]  # fmt: skip
    for kwargs, problem in cases:
        with pytest.raises(Invalid) as error:
            services.holding_add(actor=org.admin, **kwargs)
        assert codes(error.value) == problem
    assert not Holding.objects.filter(person__in=[org.admin, org.outsider]).exists()


def test_a_second_current_holder_is_noted_as_a_warning(org):
    with change_set(actor="admin", via="page") as rec:
        services.holding_add(
            actor=org.admin, person=org.outsider, position=org.p_vice, start=dt.date(2020, 1, 1)
        )
    [warning] = rec.warnings
    assert warning.code == "second_holder" and warning.params["holders"] == ["outsider", "vice"]


# --- teams ---------------------------------------------------------------------------------------------


def test_in_a_new_deployment_teams_are_set_directly():
    unit = make_unit("U")
    admin = make_person("boss", is_admin=True)
    member = make_person("anggota")
    outcome = services.team_set(actor=admin, unit=unit, add=[member])
    assert [c.username for c in outcome.applied] == ["anggota"] and not outcome.pending
    assert TeamMembership.objects.filter(unit=unit, person=member).exists()
    # From now on (a team exists) the next change waits.
    other = make_person("lain")
    assert services.team_set(actor=admin, unit=unit, add=[other]).pending


def test_a_team_change_waits_tells_the_team_and_is_approved_by_a_member(org):
    outcome = services.team_set(actor=org.admin, unit=org.school, add=[org.outsider])
    [change] = outcome.pending
    assert not TeamMembership.objects.filter(person=org.outsider).exists()
    # The team itself hears of the request (in the app and by e-mail through the outbox).
    assert Notice.objects.filter(person=org.school_team, kind="org_change_requested").exists()
    assert OutboxMessage.objects.filter(recipient=org.school_team, kind="org_change_requested").exists()
    mail = OutboxMessage.objects.get(recipient=org.school_team)
    assert "outsider" in mail.body_text and "/persetujuan/" in mail.body_text
    # Asking again changes nothing.
    assert services.team_set(actor=org.admin, unit=org.school, add=[org.outsider]).unchanged
    assert [p.username for p in services.approvers(change)] == ["districtteam", "schoolteam"]
    with pytest.raises(Forbidden):
        services.pending_approve(actor=org.admin, change_id=change.pk)  # one's own request
    services.pending_approve(actor=org.school_team, change_id=change.pk)
    assert TeamMembership.objects.filter(unit=org.school, person=org.outsider).exists()
    with pytest.raises(WrongState):
        services.pending_approve(actor=org.district_team, change_id=change.pk)
    # The whole team, the new member included, hears that the change is in force.
    told = set(Notice.objects.filter(kind="team_changed").values_list("person__username", flat=True))
    assert told == {"schoolteam", "outsider"}
    kinds = [[c["kind"] for c in e.data["changes"]] for e in org_changes()]
    assert kinds == [["team_add_requested"], ["team_member_added"]]
    assert (
        org_changes()[1].actor == "schoolteam"
        and org_changes()[1].data["changes"][0]["fields"]["requested_by"] == "admin"
    )
    assert verify()[0]


def test_a_refused_team_change_changes_nothing_and_tells_the_administrator(org):
    [change] = services.team_set(actor=org.admin, unit=org.school, remove=[org.school_team]).pending
    services.pending_reject(actor=org.district_team, change_id=change.pk, reason="Masih diperlukan")
    assert TeamMembership.objects.filter(person=org.school_team).exists()
    assert PendingChange.objects.get().state == "rejected"
    assert Notice.objects.filter(person=org.admin, kind="org_change_rejected").exists()


def test_administrators_and_inactive_people_join_no_team(org):
    gone = make_person("gone", is_active=False)
    for person, problem in ((org.admin, "admin_sits_on_no_team"), (gone, "inactive_person")):
        with pytest.raises(Invalid) as error:
            services.team_set(actor=org.admin, unit=org.school, add=[person])
        assert codes(error.value) == {"person": problem}
    assert not PendingChange.objects.exists()


def test_someone_asked_to_join_a_team_cannot_be_made_an_administrator(org):
    services.team_set(actor=org.admin, unit=org.school, add=[org.outsider])
    with pytest.raises(Invalid) as error:
        services.person_save(
            actor=org.admin,
            person=org.outsider,
            name="O",
            email="",
            language="id",
            is_admin=True,
            is_active=True,
        )
    assert codes(error.value) == {"is_admin": "holder_cannot_be_admin"}


def test_without_a_team_member_above_another_administrator_approves():
    unit = make_unit("U")
    TeamMembership.objects.create(unit=make_unit("ELSEWHERE"), person=make_person("far"))
    first, second = make_person("admin1", is_admin=True), make_person("admin2", is_admin=True)
    [change] = services.team_set(actor=first, unit=unit, add=[make_person("m")]).pending
    assert [p.username for p in services.approvers(change)] == ["admin2"]
    services.pending_approve(actor=second, change_id=change.pk)
    assert TeamMembership.objects.filter(unit=unit).count() == 1


def test_the_requester_may_withdraw(org):
    [change] = services.team_set(actor=org.admin, unit=org.school, add=[org.outsider]).pending
    assert services.pending_for(org.admin) == [change]
    services.pending_reject(actor=org.admin, change_id=change.pk)
    assert PendingChange.objects.get().state == "withdrawn"


# --- holidays ------------------------------------------------------------------------------------------


def test_holiday_add_rename_by_import_and_remove(org):
    holiday = services.holiday_add(
        actor=org.admin, date=dt.date(2026, 7, 20), name="Hari Jadi", unit=org.school
    )
    with pytest.raises(Invalid) as error:
        services.holiday_add(actor=org.admin, date=dt.date(2026, 7, 20), name="Lagi", unit=org.school)
    assert codes(error.value) == {"date": "holiday_exists"}
    [saved] = services.holidays_save(
        actor="cli",
        specs=[services.HolidaySpec(dt.date(2026, 7, 20), "Hari Jadi Sekolah", "SMPN1")],
        via="import",
    )
    assert saved.changed and Holiday.objects.get().name == "Hari Jadi Sekolah"
    services.holiday_remove(actor=org.admin, holiday=holiday)
    assert not Holiday.objects.exists()
    assert [c.kind for c in OrgChange.objects.order_by("id")] == [
        "holiday_added",
        "holiday_renamed",
        "holiday_removed",
    ]


# --- one change set, one audit entry; queries per batch ----------------------------------------------


def test_services_inside_one_change_set_are_audited_once(org):
    with change_set(actor="admin", via="api"):
        services.unit_save(
            actor=org.admin,
            code="U9",
            name="U9",
            parent=org.district,
            timezone=None,
            work_week=None,
            policy={},
        )
        services.position_save(
            actor=org.admin, code="P9", unit=Unit.objects.get(code="U9"), title="P", reports_to=None
        )
    [entry] = org_changes()
    assert entry.data["via"] == "api" and entry.data["counts"] == {"position_created": 1, "unit_created": 1}


def test_nothing_changed_records_nothing(org):
    services.unit_save(
        actor=org.admin, unit=org.school, name=org.school.name, parent=org.district, timezone=None,
        work_week="mon-sat", policy={},
    )  # fmt: skip
    assert not org_changes()


def _batch_queries(org, n: int) -> int:
    units = [services.UnitSpec(f"S{n}-{i}", f"Sekolah {i}", "DISDIK") for i in range(n)]
    positions = [services.PositionSpec(f"KS{n}-{i}", f"S{n}-{i}", "Kepala", "KABID") for i in range(n)]
    people = [services.PersonSpec(f"p{n}-{i}", f"Orang {i}") for i in range(n)]
    with CaptureQueriesContext(connection) as queries:
        services.units_save(actor="t", specs=units, via="import")
        services.positions_save(actor="t", specs=positions, via="import")
        services.people_save(actor="t", specs=people, via="import")
        services.holdings_add(
            actor="t",
            specs=[services.HoldingSpec(f"p{n}-{i}", f"KS{n}-{i}", dt.date(2026, 1, 1)) for i in range(n)],
            via="import",
        )
    return len(queries)


def test_batch_services_cost_the_same_queries_for_3_items_as_for_30(org):
    _batch_queries(org, 1)  # the first audit entry creates the chain's head row and key
    assert _batch_queries(org, 3) == _batch_queries(org, 30)


@pytest.mark.postgres
def test_finding_a_person_by_e_mail_whatever_its_case_uses_an_index(org):
    """Intake looks reporters' addresses up among staff with ``email__iexact`` (scale review §4.6)."""
    query = Person.objects.filter(email__iexact="TEACHER@EXAMPLE.ORG")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = query.explain()
    assert "person_email_upper" in plan, plan
    assert list(query) == [org.teacher]


def test_a_team_change_nobody_could_approve_is_refused_at_once(org):
    island = make_unit("PULAU")  # a unit with no team anywhere above it
    with pytest.raises(Invalid) as error:
        services.team_set(actor=org.admin, unit=island, add=[org.outsider])
    assert codes(error.value) == {"person": "team_no_second_person"}
    # Removing the only member of the school team: the district team above may approve.
    assert services.team_set(actor=org.admin, unit=org.school, remove=[org.school_team]).pending
