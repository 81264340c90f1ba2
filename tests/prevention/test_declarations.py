"""The register of interests: filing (annual, ad hoc, "none"), bad input, encryption at rest, who sees
what, compliance of a subtree, the team's reminders and the yearly reminder in January."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integritas.audit.models import AuditEntry
from integritas.errors import Forbidden, Invalid, NotFound
from integritas.notify.models import Notice, OutboxMessage
from integritas.orgs.models import Holding, Person
from integritas.prevention import access, declarations
from integritas.prevention.models import Declaration, ReminderMark
from tests.factories import make_org, make_person, make_position, make_unit
from tests.prevention.conftest import declare

WIB = ZoneInfo("Asia/Jakarta")
JANUARY = dt.datetime(2026, 1, 5, 8, 0, tzinfo=WIB)

pytestmark = pytest.mark.django_db


def test_filing_a_declaration_with_related_parties(org):
    data = {
        "kind": "annual",
        "year": 2026,
        "none": False,
        "interests": [
            {
                "category": "family_community",
                "description": "Adik ipar pemilik toko seragam",
                "parties": [{"name": "Bambang Sutrisno", "relation": "adik ipar"}, {"name": "CV Maju Jaya"}],
            },
            {"category": "side_job", "description": "Les privat matematika sore hari", "parties": []},
        ],
    }
    filed = declarations.declaration_file(person=org.teacher, data=data)
    row = filed.declaration
    assert (row.kind, row.year, row.none, row.interest_count) == ("annual", 2026, False, 2)
    assert filed.interests[0]["parties"] == [
        {"name": "Bambang Sutrisno", "relation": "adik ipar"},
        {"name": "CV Maju Jaya", "relation": ""},
    ]
    assert declarations.declaration_content(row, org.teacher) == filed.interests
    entry = AuditEntry.objects.get(action="prevention.declaration_filed")
    assert entry.actor == "teacher" and entry.data["interests"] == 2
    assert "Bambang" not in str(entry.data)


def test_declaring_none_and_ad_hoc():
    org = make_org()
    none = declare(org.vice)
    assert none.none and none.interest_count == 0
    ad_hoc = declare(org.vice, ("Siti Aminah", "istri"), kind="ad_hoc")
    assert ad_hoc.kind == "ad_hoc"
    assert list(declarations.history_of(org.vice)) == [ad_hoc, none]
    assert declarations.annual_for(org.vice, 2026) == none


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"kind": "annual", "none": False, "interests": []}, {"interests": "interests_required"}),
        ({"kind": "annual", "none": False}, {"interests": "interests_required"}),
        (
            {"kind": "annual", "none": True, "interests": [{"category": "other", "description": "x"}]},
            {"interests": "interests_with_none"},
        ),
        (
            {"kind": "monthly", "year": 1999, "none": "no"},
            {"kind": "choice", "year": "value_out_of_range", "none": "not_boolean"},
        ),
        (
            {
                "kind": "annual",
                "year": 2099,
                "interests": [{"category": "nepotism", "parties": [{"relation": "x"}]}],
            },
            {
                "year": "value_out_of_range",
                "interests.0.category": "choice",
                "interests.0.parties.0.name": "required",
            },
        ),
        (
            {
                "kind": "ad_hoc",
                "interests": [{"category": "other"}, "text", {"category": "other", "parties": "Budi"}],
            },
            {
                "interests.0.description": "interest_empty",
                "interests.1": "not_object",
                "interests.2.parties": "not_list",
            },
        ),
        ("not an object", {"body": "not_object"}),
    ],
)
def test_bad_declarations_name_every_field_and_store_nothing(org, data, fields):
    with pytest.raises(Invalid) as caught:
        declarations.declaration_file(person=org.teacher, data=data)
    assert {k: p.code for k, p in caught.value.fields.items()} == fields
    assert (
        not Declaration.objects.exists()
        and not AuditEntry.objects.filter(action__startswith="prevention").exists()
    )


def test_party_names_are_encrypted_at_rest(org):
    marker = "Zulkarnaen Wiryoatmodjo"
    declare(org.teacher, (marker, "kakak ipar"))
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                blob = " ".join(
                    bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview) else str(v) for v in row
                )
                assert "Zulkarnaen" not in blob and "kakak ipar" not in blob, table
    row = Declaration.objects.get()
    assert b"Zulkarnaen" not in bytes(row.sealed)
    assert declarations.declaration_content(row, org.teacher)[0]["parties"][0]["name"] == marker


def test_who_sees_a_declaration(org):
    row = declare(org.teacher, ("Bambang Sutrisno", "adik"))
    for person in (org.teacher, org.school_team, org.district_team):
        assert access.get_declaration_for(person, row.pk) == row
    for person in (org.vice, org.principal, org.outsider, org.admin):
        with pytest.raises(NotFound):
            access.get_declaration_for(person, row.pk)
    with pytest.raises(NotFound):
        access.get_declaration_for(org.teacher, "1; DROP TABLE")


def test_each_view_of_someone_elses_declaration_is_audited(org):
    row = declare(org.teacher, ("Bambang Sutrisno", "adik"))
    declarations.declaration_content(row, org.school_team)
    entry = AuditEntry.objects.filter(action="prevention.declaration_viewed").last()
    assert entry.actor == "schoolteam" and entry.data == {"declaration": row.pk, "owner": "teacher"}


# ---------------------------------------------------------------- compliance and reminders


def test_compliance_of_a_subtree(org):
    declare(org.teacher)
    declare(org.vice, ("Siti", "istri"))
    declare(org.principal, year=2025)  # last year's does not count
    declare(org.kabid, kind="ad_hoc")  # an ad-hoc one does not either
    Holding.objects.filter(person=org.kadis).update(end=dt.date(2025, 12, 31))  # no position today
    school = declarations.compliance(unit=org.school, year=2026, viewer=org.school_team)
    assert (school.people, school.filed) == (3, 2)
    assert [p.username for p in school.missing] == ["principal"]
    district = declarations.compliance(unit=org.district, year=2026, viewer=org.district_team)
    assert (district.people, district.filed) == (4, 2)
    assert sorted(p.username for p in district.missing) == ["kabid", "principal"]
    with pytest.raises(Forbidden):
        declarations.compliance(unit=org.district, year=2026, viewer=org.school_team)
    with pytest.raises(Forbidden):
        declarations.compliance(unit=org.school, year=2026, viewer=org.principal)
    # The monitoring figures count the same (one aggregate, no permission check of their own).
    assert declarations.compliance_figures(org.school, 2026) == {"people": 3, "filed": 2}
    assert declarations.compliance_figures(org.district, 2026) == {"people": 4, "filed": 2}


def test_compliance_figures_of_the_only_root_and_of_one_of_two_roots(org):
    # The only root's subtree is every unit: counted without a condition on the units, still only
    # active people holding a position today, and only the year's annual declarations.
    declare(org.teacher)
    declare(org.vice, year=2025)
    declare(org.principal, kind="ad_hoc")
    Holding.objects.filter(person=org.kadis).update(end=dt.date(2025, 12, 31))
    Person.objects.filter(pk=org.kabid.pk).update(is_active=False)
    assert declarations.compliance_figures(org.district, 2026, dt.date(2026, 3, 2)) == {
        "people": 3,
        "filed": 1,
    }
    # A second root: each root now counts its own subtree only.
    other = make_unit("DINKES", timezone="Asia/Jakarta")
    nurse = make_person("nurse")
    make_position("PERAWAT", other, holder=nurse)
    declare(nurse)
    assert declarations.compliance_figures(org.district, 2026, dt.date(2026, 3, 2)) == {
        "people": 3,
        "filed": 1,
    }
    assert declarations.compliance_figures(other, 2026, dt.date(2026, 3, 2)) == {"people": 1, "filed": 1}


def test_the_team_reminds_who_has_not_filed_once_a_day(org):
    declare(org.teacher)
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=WIB), tick=False):
        sent = declarations.remind_missing(unit=org.school, year=2026, actor=org.school_team)
        assert sorted(p.username for p in sent) == ["principal", "vice"]
        assert declarations.remind_missing(unit=org.school, year=2026, actor=org.school_team) == []
    with time_machine.travel(dt.datetime(2026, 3, 3, 9, tzinfo=WIB), tick=False):
        again = declarations.remind_missing(
            unit=org.school, year=2026, actor=org.school_team, usernames=["vice"]
        )
        assert [p.username for p in again] == ["vice"]
        with pytest.raises(Invalid) as caught:
            declarations.remind_missing(
                unit=org.school, year=2026, actor=org.school_team, usernames=["teacher"]
            )
        assert caught.value.fields["usernames"].code == "not_missing"
    assert Notice.objects.filter(person=org.vice, kind="declaration_reminder").count() == 2
    assert Notice.objects.filter(person=org.teacher).count() == 0
    mail = OutboxMessage.objects.filter(recipient=org.principal).get()
    assert "2026" in mail.subject and mail.to_address == "principal@example.org"


def test_the_yearly_reminder_goes_out_in_january_once_per_person():
    org = make_org()
    declare(org.teacher)
    with time_machine.travel(dt.datetime(2025, 12, 31, 9, tzinfo=WIB), tick=False):
        assert declarations.send_yearly_reminders() == 0
    with time_machine.travel(JANUARY, tick=False):
        assert declarations.send_yearly_reminders() == 4  # vice, principal, kabid, kadis
        assert declarations.send_yearly_reminders() == 0
    with time_machine.travel(JANUARY + dt.timedelta(days=20), tick=False):
        assert declarations.send_yearly_reminders() == 0
    with time_machine.travel(dt.datetime(2026, 2, 1, 9, tzinfo=WIB), tick=False):
        assert declarations.send_yearly_reminders() == 0
    reminded = set(
        Notice.objects.filter(kind="declaration_reminder").values_list("person__username", flat=True)
    )
    assert reminded == {"vice", "principal", "kabid", "kadis"}
    assert ReminderMark.objects.filter(key__startswith="declaration:yearly:2026:").count() == 4


def test_the_yearly_reminder_works_in_batches():
    org = make_org()
    unit = make_unit("SMPN9", parent=org.district)
    boss = make_position("KS9", unit, reports_to=org.p_kabid, holder=make_person("ks9"))
    for i in range(5):
        make_position(f"G9-{i}", unit, reports_to=boss, holder=make_person(f"guru9{i}"))
    with time_machine.travel(JANUARY, tick=False):
        total = 0
        for _ in range(10):
            sent = declarations.send_yearly_reminders(batch=3)
            total += sent
            if not sent:
                break
    assert total == Person.objects.filter(holdings__isnull=False).distinct().count() == 11


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_send_each_yearly_reminder_once():
    org = make_org()
    barrier = threading.Barrier(2)
    counts: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait(timeout=30)
            with time_machine.travel(JANUARY, tick=False):
                counts.append(declarations.send_yearly_reminders())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    assert errors == [] and sum(counts) == 5
    for person in (org.teacher, org.vice, org.principal, org.kabid, org.kadis):
        assert Notice.objects.filter(person=person, kind="declaration_reminder").count() == 1


class _Rollback(Exception):
    pass


def _plain_compliance(unit, year: int, today: dt.date) -> dict[str, int]:
    """The figures counted the plain way: every active person holding a position of the subtree
    today, and of them those with an annual declaration for the year."""
    people = declarations._holders(unit, today)
    filed = people.filter(declarations__kind="annual", declarations__year=year).distinct()
    return {"people": people.count(), "filed": filed.count()}


@pytest.mark.django_db(transaction=False)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    holdings=st.lists(
        st.tuples(
            st.integers(0, 5),  # person
            st.integers(0, 4),  # position
            st.integers(-3, 2),  # start, days from today
            st.one_of(st.none(), st.integers(-2, 3)),  # end, days from today
        ),
        max_size=12,
    ),
    inactive=st.sets(st.integers(0, 5)),
    filed=st.lists(
        st.tuples(st.integers(0, 5), st.sampled_from(["annual", "ad_hoc"]), st.sampled_from([2025, 2026])),
        max_size=8,
    ),
    second_root=st.booleans(),
)
def test_compliance_figures_equal_the_plain_count(org, holdings, inactive, filed, second_root):
    # Whatever the holdings (several per person, ended, not yet begun), inactive accounts and
    # declarations: the holders counted from the holdings are the active people the plain query finds.
    today = dt.date(2026, 3, 2)
    try:
        with transaction.atomic():
            Holding.objects.all().delete()
            people = [Person.objects.create(username=f"p{i}", name=f"P{i}") for i in range(6)]
            Person.objects.filter(pk__in=[people[i].pk for i in inactive]).update(is_active=False)
            units = [org.district, org.school, org.school, org.district]
            if second_root:
                units.append(make_unit("DINKES", timezone="Asia/Jakarta"))
            else:
                units.append(org.school)
            positions = [make_position(f"P{i}", unit) for i, unit in enumerate(units)]
            for person, position, start, end in holdings:
                Holding.objects.create(
                    person=people[person],
                    position=positions[position],
                    start=today + dt.timedelta(days=start),
                    end=None if end is None else today + dt.timedelta(days=end),
                )
            for person, kind, year in filed:
                Declaration.objects.create(
                    person=people[person],
                    kind=kind,
                    year=year,
                    filed_at=dt.datetime(2026, 1, 10, tzinfo=WIB),
                    wrapped_key=b"",
                    sealed=b"",
                )
            for unit in {*units}:
                for year in (2025, 2026):
                    want = _plain_compliance(unit, year, today)
                    assert declarations.compliance_figures(unit, year, today) == want, (unit.code, year)
            raise _Rollback
    except _Rollback:
        pass
