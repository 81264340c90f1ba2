"""The org import file (API.md §3): creates, updates, is idempotent, and is all-or-nothing; it goes
through the services, so the organisation's rules and the separation of duties hold as on the pages.
Messages are checked in English here (``translation.override``) and in Indonesian in one test."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from integritas.audit.models import AuditEntry
from integritas.orgs import services
from integritas.orgs.changes import stored_digest
from integritas.orgs.importer import ImportProblem, import_org
from integritas.orgs.models import (
    ChangeSet,
    Holding,
    Holiday,
    OrgChange,
    PendingChange,
    Person,
    Position,
    TeamMembership,
    Unit,
)
from integritas.orgs.presenters import change_text

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 7, 1)
PASSWORD = "Rahasia-Kuat-2026"


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 with tiny costs: the same algorithm and format, without seconds per test."""

    time_cost = 1
    memory_cost = 64
    parallelism = 1


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.FastArgon2PasswordHasher"]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


ORG: dict[str, Any] = {
    "holidays": [
        {"date": "2026-03-23", "name": "Cuti bersama Idul Fitri", "unit": None},
        {"date": "2026-07-18", "name": "Hari Jadi Kabupaten Madiun", "unit": "DISDIK-MADIUN"},
    ],
    "units": [
        {"code": "DISDIK-MADIUN", "name": "Dinas Pendidikan Kabupaten Madiun", "parent": None,
         "timezone": "Asia/Jakarta", "work_week": "mon-fri", "policy": {"review_days": 3}},
        {"code": "SMPN1-MEJAYAN", "name": "SMP Negeri 1 Mejayan", "parent": "DISDIK-MADIUN",
         "work_week": "mon-sat", "policy": {"examination_days": 4, "allow_anonymous": False}},
        {"code": "SMPN2-MEJAYAN", "name": "SMP Negeri 2 Mejayan", "parent": "DISDIK-MADIUN"},
    ],
    "positions": [
        {"code": "KADIS", "unit": "DISDIK-MADIUN", "title": "Kepala Dinas", "reports_to": None},
        {"code": "KABID-SMP", "unit": "DISDIK-MADIUN", "title": "Kepala Bidang SMP", "reports_to": "KADIS"},
        {"code": "KS-SMPN1", "unit": "SMPN1-MEJAYAN", "title": "Kepala Sekolah", "reports_to": "KABID-SMP"},
        {"code": "WAKA-KUR", "unit": "SMPN1-MEJAYAN", "title": "Wakil Kepala Sekolah Bidang Kurikulum",
         "reports_to": "KS-SMPN1"},
        {"code": "GURU-MTK-1", "unit": "SMPN1-MEJAYAN", "title": "Guru Matematika", "reports_to": "WAKA-KUR"},
    ],
    "people": [
        {"username": "budi", "name": "Budi Santoso", "email": "budi@example.org", "password": PASSWORD,
         "positions": ["KS-SMPN1"], "admin": False},
        {"username": "sri", "name": "Sri Rahayu", "email": "sri@example.org", "positions": ["WAKA-KUR"]},
        {"username": "ani", "name": "Ani Lestari", "password": PASSWORD, "positions": ["GURU-MTK-1"]},
        {"username": "hadi", "name": "Hadi Purnomo", "password": PASSWORD,
         "positions": [{"code": "KABID-SMP", "start": "2026-01-05", "end": None, "acting": True}]},
        {"username": "admin", "name": "Rina Kusumawati", "password": PASSWORD, "positions": [], "admin": True},
    ],
    "teams": [
        {"unit": "SMPN1-MEJAYAN", "members": ["sri"]},
        {"unit": "DISDIK-MADIUN", "members": ["hadi", "budi"]},
    ],
}  # fmt: skip


def org_file() -> dict[str, Any]:
    return copy.deepcopy(ORG)


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, to prove that nothing at all changed."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in apps.get_models()
        if model._meta.managed
    }


def run(data: dict[str, Any], **kwargs: Any):
    kwargs.setdefault("today", TODAY)
    return import_org(data, **kwargs)


def lines(summary) -> list[str]:
    return [change_text(c) for c in summary.changes]


def approve_all(username: str) -> None:
    person = Person.objects.get(username=username)
    for change in PendingChange.objects.filter(state="pending"):
        services.pending_approve(actor=person, change_id=change.pk)


# ---------------------------------------------------------------- creating


def test_import_creates_the_unit_tree_with_inherited_settings():
    summary = run(org_file())
    assert summary.created["units"] == 3
    district = Unit.objects.get(code="DISDIK-MADIUN")
    smpn1 = Unit.objects.get(code="SMPN1-MEJAYAN")
    smpn2 = Unit.objects.get(code="SMPN2-MEJAYAN")
    assert district.parent is None and smpn1.parent == district and smpn2.parent == district
    assert smpn1.path.startswith(district.path) and smpn1.path != district.path
    assert smpn1.effective_timezone == "Asia/Jakarta"  # inherited
    assert smpn1.effective_work_week == "mon-sat"  # own
    assert smpn2.effective_work_week == "mon-fri"  # inherited
    policy = smpn1.effective_policy
    assert policy["examination_days"] == 4  # own
    assert policy["review_days"] == 3  # from the district
    assert policy["require_evidence"] is True  # default
    assert smpn2.effective_policy["examination_days"] == 3
    assert smpn2.effective_policy["review_days"] == 3


def test_units_may_be_listed_before_their_parent():
    data = org_file()
    data["units"].reverse()
    run(data)
    assert Unit.objects.get(code="SMPN1-MEJAYAN").parent.code == "DISDIK-MADIUN"


def test_positions_report_to_positions_in_other_units():
    run(org_file())
    principal = Position.objects.get(code="KS-SMPN1")
    assert principal.unit.code == "SMPN1-MEJAYAN"
    assert principal.reports_to.code == "KABID-SMP"
    assert principal.reports_to.unit.code == "DISDIK-MADIUN"
    assert Position.objects.get(code="GURU-MTK-1").reports_to.code == "WAKA-KUR"
    assert Position.objects.get(code="KADIS").reports_to is None


def test_people_get_argon2_passwords_or_an_unusable_one():
    run(org_file())
    budi = Person.objects.get(username="budi")
    assert budi.name == "Budi Santoso" and budi.email == "budi@example.org"
    assert budi.password.startswith("argon2$argon2id$")
    assert budi.check_password(PASSWORD)
    sri = Person.objects.get(username="sri")
    assert not sri.has_usable_password()
    assert Person.objects.get(username="admin").is_admin
    assert not budi.is_admin


def test_holdings_start_today_unless_given_and_may_be_acting():
    run(org_file())
    budi = Holding.objects.get(person__username="budi")
    assert (budi.position.code, budi.start, budi.end, budi.acting) == ("KS-SMPN1", TODAY, None, False)
    hadi = Holding.objects.get(person__username="hadi")
    assert (hadi.position.code, hadi.start, hadi.acting) == ("KABID-SMP", dt.date(2026, 1, 5), True)
    assert [p.username for p in Position.objects.get(code="WAKA-KUR").holders_on(TODAY)] == ["sri"]
    assert not Holding.objects.filter(person__username="admin").exists()


def test_teams_and_holidays():
    run(org_file())
    assert set(
        TeamMembership.objects.filter(unit__code="DISDIK-MADIUN").values_list("person__username", flat=True)
    ) == {
        "hadi",
        "budi",
    }
    assert list(
        TeamMembership.objects.filter(unit__code="SMPN1-MEJAYAN").values_list("person__username", flat=True)
    ) == ["sri"]
    deployment = Holiday.objects.get(date=dt.date(2026, 3, 23))
    assert deployment.unit is None and deployment.name == "Cuti bersama Idul Fitri"
    assert Holiday.objects.get(date=dt.date(2026, 7, 18)).unit.code == "DISDIK-MADIUN"


# ---------------------------------------------------------------- idempotence and updates


def test_importing_the_same_file_twice_changes_nothing_the_second_time():
    run(org_file())
    before = snapshot()
    hash_before = Person.objects.get(username="budi").password
    summary = run(org_file())
    assert not summary.changed
    assert summary.changes == []
    assert "nothing to change" in summary.as_text()
    assert PendingChange.objects.count() == 0
    assert snapshot() == before
    assert Person.objects.get(username="budi").password == hash_before


def test_a_file_that_changes_nothing_writes_nothing_and_hashes_no_password(monkeypatch):
    run(org_file())
    data = org_file()
    data["people"][1]["password"] = PASSWORD  # sri's first password: asked for, waits for approval
    assert [c.kind for c in run(data).requests] == ["password_requested"]

    def no_hashing(password: str) -> str:
        raise AssertionError("a password was hashed for an import that changes nothing")

    monkeypatch.setattr("integritas.orgs.importer.make_password", no_hashing)
    with CaptureQueriesContext(connection) as queries:
        summary = run(data)
    assert not summary.changed and summary.warnings == []
    writes = [q["sql"] for q in queries if q["sql"].split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []
    assert PendingChange.objects.filter(state="pending").count() == 1


def test_only_what_differs_reaches_the_services(monkeypatch):
    run(org_file())
    seen: dict[str, list[str]] = {}
    for name, key in (("units_save", "code"), ("positions_save", "code"), ("people_save", "username")):
        real = getattr(services, name)

        def spy(*, specs, _real=real, _name=name, _key=key, **kwargs):
            seen[_name] = [getattr(s, _key) for s in specs]
            return _real(specs=specs, **kwargs)

        monkeypatch.setattr(services, name, spy)
    real_sync = services.holdings_sync

    def sync_spy(*, wanted, **kwargs):
        seen["holdings_sync"] = sorted(wanted)
        return real_sync(wanted=wanted, **kwargs)

    monkeypatch.setattr(services, "holdings_sync", sync_spy)
    data = org_file()
    data["units"][1]["policy"]["examination_days"] = 5
    data["positions"][0]["title"] = "Kepala Dinas Pendidikan"
    data["people"][2]["email"] = "ani@example.org"
    data["people"][1]["positions"] = [{"code": "WAKA-KUR", "acting": True}]
    summary = run(data)
    assert seen == {
        "units_save": ["SMPN1-MEJAYAN"],
        "positions_save": ["KADIS"],
        "people_save": ["ani"],
        "holdings_sync": ["sri"],
    }
    assert sorted(c.kind for c in summary.changes) == [
        "holding_changed", "person_changed", "position_changed", "unit_changed"
    ]  # fmt: skip


def test_a_later_day_changes_nothing_either():
    run(org_file())
    before = snapshot()
    assert not run(org_file(), today=TODAY + dt.timedelta(days=30)).changed
    assert snapshot() == before


def test_changed_entries_are_updated_in_place():
    run(org_file())
    unit_pk = Unit.objects.get(code="SMPN2-MEJAYAN").pk
    data = org_file()
    data["units"][2]["name"] = "SMP Negeri 2 Mejayan (Caruban)"
    data["units"][2]["work_week"] = "mon-sat"
    data["positions"][4]["reports_to"] = "KS-SMPN1"
    data["people"][1]["password"] = PASSWORD  # sri had none: the file may set the first one
    data["teams"][0]["members"] = ["ani"]
    summary = run(data)
    assert summary.updated["units"] == 1
    smpn2 = Unit.objects.get(code="SMPN2-MEJAYAN")
    assert smpn2.pk == unit_pk and smpn2.name.endswith("(Caruban)") and smpn2.effective_work_week == "mon-sat"
    assert Position.objects.get(code="GURU-MTK-1").reports_to.code == "KS-SMPN1"
    assert any(c.key == "GURU-MTK-1" and c.kind == "position_changed" for c in summary.changes)
    # sri reads cases (holds a position, sits on a team): her first password and the team change wait
    # for a second person, a member of her team or of the team above it.
    assert sorted(c.kind for c in summary.requests) == [
        "password_requested", "team_add_requested", "team_remove_requested"
    ]  # fmt: skip
    assert not Person.objects.get(username="sri").has_usable_password()
    assert list(
        TeamMembership.objects.filter(unit__code="SMPN1-MEJAYAN").values_list("person__username", flat=True)
    ) == ["sri"]
    approve_all("hadi")  # on the district team, above the school
    assert Person.objects.get(username="sri").check_password(PASSWORD)
    assert list(
        TeamMembership.objects.filter(unit__code="SMPN1-MEJAYAN").values_list("person__username", flat=True)
    ) == ["ani"]


def test_an_existing_password_is_not_replaced_by_the_file():
    run(org_file())
    data = org_file()
    data["people"][0]["password"] = "Sandi-Lain-Sekali-2026"
    assert not run(data).changed
    assert Person.objects.get(username="budi").check_password(PASSWORD)


def test_removing_a_position_in_a_later_import_ends_the_holding():
    run(org_file())
    data = org_file()
    data["people"][0]["positions"] = []
    later = TODAY + dt.timedelta(days=10)
    summary = run(data, today=later)
    assert "budi no longer holds KS-SMPN1" in lines(summary)
    holding = Holding.objects.get(person__username="budi")
    assert holding.end == later - dt.timedelta(days=1)
    position = Position.objects.get(code="KS-SMPN1")
    assert position.holders_on(later) == []
    assert [p.username for p in position.holders_on(TODAY)] == ["budi"]  # history is kept
    assert not run(data, today=later).changed


def test_removing_a_position_on_its_first_day_deletes_the_holding():
    run(org_file())
    data = org_file()
    data["people"][0]["positions"] = []
    run(data)
    assert not Holding.objects.filter(person__username="budi").exists()


def test_moving_a_person_to_another_position():
    run(org_file())
    data = org_file()
    data["people"][2]["positions"] = ["WAKA-KUR"]
    later = TODAY + dt.timedelta(days=5)
    run(data, today=later)
    assert [h.position.code for h in Holding.objects.active_on(later).filter(person__username="ani")] == [
        "WAKA-KUR"
    ]
    assert not run(data, today=later).changed


# ---------------------------------------------------------------- invalid files change nothing


def _bad(mutate):
    def build() -> dict[str, Any]:
        data = org_file()
        data["units"][1]["name"] = "SMP Negeri 1 Mejayan (renamed, must not be applied)"
        data["people"].append({"username": "orang.baru", "name": "Orang Baru", "positions": ["GURU-MTK-1"]})
        mutate(data)
        return data

    return build


def _set(path: tuple, value: Any):
    def mutate(data: dict[str, Any]) -> None:
        target: Any = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def _append(section: str, entry: dict[str, Any]):
    return lambda data: data[section].append(entry)


BAD_ENTRIES = {
    "unknown parent": (
        _set(("units", 2, "parent"), "DISDIK-NGAWI"),
        ["units[2] (code 'SMPN2-MEJAYAN'), parent: There is no unit with the code DISDIK-NGAWI"],
    ),
    "unknown reports_to": (
        _set(("positions", 4, "reports_to"), "WAKA-KES"),
        ["positions[4] (code 'GURU-MTK-1'), reports_to: There is no position with the code WAKA-KES"],
    ),
    "bad timezone": (
        _set(("units", 0, "timezone"), "Asia/Singapore"),
        [
            "units[0] (code 'DISDIK-MADIUN'), timezone: Choose one of: Asia/Jakarta, Asia/Makassar, Asia/Jayapura"
        ],
    ),
    "bad work week": (
        _set(("units", 1, "work_week"), "mon-sun"),
        ["units[1] (code 'SMPN1-MEJAYAN'), work_week: Choose one of: mon-fri, mon-sat"],
    ),
    "work week not a text": (
        _set(("units", 1, "work_week"), ["mon", "sat"]),
        ["units[1] (code 'SMPN1-MEJAYAN'), work_week:"],
    ),
    "unknown policy key": (
        _set(("units", 1, "policy"), {"examination_dayz": 3}),
        [
            "units[1] (code 'SMPN1-MEJAYAN'), policy.examination_dayz: examination_dayz is not a policy setting"
        ],
    ),
    "bad policy value": (
        _set(("units", 1, "policy"), {"examination_days": 0}),
        ["units[1] (code 'SMPN1-MEJAYAN'), policy.examination_days: Enter a whole number from 1 to 60."],
    ),
    "policy boolean as text": (
        _set(("units", 0, "policy"), {"allow_anonymous": "yes"}),
        ["units[0] (code 'DISDIK-MADIUN'), policy.allow_anonymous: Must be true or false."],
    ),
    "duplicate unit code": (
        _append("units", {"code": "SMPN1-MEJAYAN", "name": "Lagi", "parent": "DISDIK-MADIUN"}),
        ["units[3] (code 'SMPN1-MEJAYAN'), code: SMPN1-MEJAYAN appears twice in the file."],
    ),
    "duplicate position code": (
        _append("positions", {"code": "WAKA-KUR", "unit": "SMPN1-MEJAYAN", "title": "Lagi"}),
        ["positions[5] (code 'WAKA-KUR'), code: WAKA-KUR appears twice"],
    ),
    "duplicate username": (
        _append("people", {"username": "sri", "name": "Sri Lain"}),
        ["people[6] (username 'sri'), username: sri appears twice"],
    ),
    "unknown team member": (
        _set(("teams", 0, "members"), ["sri", "joko"]),
        ["teams[0] (unit 'SMPN1-MEJAYAN'), members[1]: No such person: joko."],
    ),
    "team of an unknown unit": (
        _append("teams", {"unit": "SMPN3-MEJAYAN", "members": ["sri"]}),
        ["teams[2] (unit 'SMPN3-MEJAYAN'), unit: There is no unit with the code SMPN3-MEJAYAN"],
    ),
    "two team entries for one unit": (
        _append("teams", {"unit": "SMPN1-MEJAYAN", "members": ["ani"]}),
        ["teams[2] (unit 'SMPN1-MEJAYAN'), unit: The team of SMPN1-MEJAYAN is given twice"],
    ),
    "unknown position held": (
        _set(("people", 2, "positions"), ["GURU-IPA-1"]),
        ["people[2] (username 'ani'), positions[0].code: There is no position with the code GURU-IPA-1"],
    ),
    "bad holiday date": (
        _set(("holidays", 0, "date"), "2026-02-30"),
        ["holidays[0] (date '2026-02-30'), date: Enter a valid date: year-month-day, e.g. 2026-07-01."],
    ),
    "holiday date in another format": (
        _set(("holidays", 1, "date"), "18/07/2026"),
        ["holidays[1] (date '18/07/2026'), date: Enter a valid date"],
    ),
    "week date is not a date": (
        _set(("people", 3, "positions"), [{"code": "KABID-SMP", "start": "2026-W01-1"}]),
        ["people[3] (username 'hadi'), positions[0].start: Enter a valid date"],
    ),
    "holding ends before it starts": (
        _set(("people", 3, "positions"), [{"code": "KABID-SMP", "start": "2026-05-01", "end": "2026-04-01"}]),
        [
            "people[3] (username 'hadi'), positions[0].end: The end date is before the start date (2026-05-01)."
        ],
    ),
    "same holiday twice": (
        _append("holidays", {"date": "2026-03-23", "name": "Libur lain", "unit": None}),
        ["holidays[2] (date '2026-03-23'), date: The day 2026-03-23 is given twice"],
    ),
    "cycle of units": (
        _set(("units", 0, "parent"), "SMPN1-MEJAYAN"),
        [
            "units[0] (code 'DISDIK-MADIUN'), parent: A unit cannot be placed under itself",
            "DISDIK-MADIUN → SMPN1-MEJAYAN → DISDIK-MADIUN",
        ],
    ),
    "parent given as a list": (
        _set(("units", 2, "parent"), ["DISDIK-MADIUN"]),
        ["units[2] (code 'SMPN2-MEJAYAN'), parent: Give the code of another unit"],
    ),
    "cycle of positions": (
        _set(("positions", 0, "reports_to"), "GURU-MTK-1"),
        ["positions[0] (code 'KADIS'), reports_to: This would make the chain of superiors a cycle"],
    ),
    "reports to itself": (
        _set(("positions", 0, "reports_to"), "KADIS"),
        ["positions[0] (code 'KADIS'), reports_to: Give the code of another position"],
    ),
    "missing unit name": (
        _set(("units", 2, "name"), ""),
        ["units[2] (code 'SMPN2-MEJAYAN'), name: This field is required."],
    ),
    "short password": (
        _set(("people", 0, "password"), "1234"),
        ["people[0] (username 'budi'), password: The password is too weak:", "at least 10 characters"],
    ),
    "bad username": (
        _set(("people", 1, "username"), "sri rahayu"),
        ["people[1] (username 'sri rahayu'), username: Use letters, digits"],
    ),
    "bad e-mail address": (
        _set(("people", 1, "email"), "sri@"),
        ["people[1] (username 'sri'), email: Enter a valid e-mail address, e.g. nama@contoh.id."],
    ),
    "a reserved unit code": (
        _append("units", {"code": "baru", "name": "Unit Baru", "parent": "DISDIK-MADIUN"}),
        ["units[3] (code 'baru'), code: “baru” is a reserved word"],
    ),
    "a reserved user name": (
        _append("people", {"username": "Baru", "name": "Orang Bernama Baru"}),
        ["people[6] (username 'Baru'), username: “Baru” is a reserved word"],
    ),
    "a code given twice in another case": (
        _append("units", {"code": "smpn1-mejayan", "name": "Lagi", "parent": "DISDIK-MADIUN"}),
        ["units[3] (code 'smpn1-mejayan'), code: The code smpn1-mejayan is given twice."],
    ),
    "an administrator holding a position": (
        _set(("people", 4, "positions"), ["GURU-MTK-1"]),
        [
            "people[4] (username 'admin'), positions[0].code: admin is an administrator: an administrator holds no"
        ],
    ),
    "an administrator on a team": (
        _set(("teams", 0, "members"), ["sri", "admin"]),
        [
            "teams[0] (unit 'SMPN1-MEJAYAN'), members[1]: admin is an administrator: an administrator sits on no team"
        ],
    ),
    "a holder made an administrator": (
        _set(("people", 2, "admin"), True),
        ["people[2] (username 'ani'), admin: ani holds a position or sits on a team"],
    ),
    "unknown section": (
        _set(("roles",), []),
        ["roles: This section is not known"],
    ),
    "section not a list": (
        _set(("positions",), {"KADIS": "Kepala Dinas"}),
        ["positions: Must be a list."],
    ),
}


@pytest.mark.parametrize("name", list(BAD_ENTRIES))
def test_an_invalid_entry_changes_nothing_and_is_named(name):
    mutate, expected = BAD_ENTRIES[name]
    run(org_file())
    before = snapshot()
    with pytest.raises(ImportProblem) as problem:
        run(_bad(mutate)())
    message = str(problem.value)
    for part in expected:
        assert part in message, f"{part!r} not in {message!r}"
    assert snapshot() == before


@pytest.mark.parametrize(
    "name", ["unknown parent", "cycle of units", "unknown team member", "bad holiday date"]
)
def test_an_invalid_file_on_an_empty_database_writes_nothing(name):
    mutate, _ = BAD_ENTRIES[name]
    before = snapshot()
    with pytest.raises(ImportProblem):
        run(_bad(mutate)())
    assert snapshot() == before
    assert not Unit.objects.exists() and not Person.objects.exists()


def test_every_bad_entry_is_listed_at_once():
    data = org_file()
    data["units"][0]["timezone"] = "Europe/Paris"
    data["positions"][4]["reports_to"] = "NOPE"
    data["teams"][0]["members"] = ["ghost"]
    with pytest.raises(ImportProblem) as problem:
        run(data)
    assert len(problem.value.problems) == 3
    assert problem.value.problems[0].startswith("units[0] (code 'DISDIK-MADIUN'), timezone:")
    assert problem.value.problems[1].startswith("positions[4] (code 'GURU-MTK-1'), reports_to:")
    assert problem.value.problems[2].startswith("teams[0] (unit 'SMPN1-MEJAYAN'), members[0]:")


def test_a_cycle_through_the_database_is_refused():
    run(org_file())
    before = snapshot()
    data = {"units": [{"code": "DISDIK-MADIUN", "name": "Dinas Pendidikan", "parent": "SMPN1-MEJAYAN"}]}
    with pytest.raises(ImportProblem) as problem:
        run(data)
    assert "units[0] (code 'DISDIK-MADIUN'), parent: A unit cannot be placed under itself" in str(
        problem.value
    )
    data = {
        "positions": [
            {"code": "KADIS", "unit": "DISDIK-MADIUN", "title": "Kepala Dinas", "reports_to": "WAKA-KUR"}
        ]
    }
    with pytest.raises(ImportProblem) as problem:
        run(data)
    assert "positions[0] (code 'KADIS'), reports_to: This would make the chain of superiors a cycle" in str(
        problem.value
    )
    assert snapshot() == before


def test_a_file_that_is_not_an_object_is_refused():
    with pytest.raises(ImportProblem):
        run([])  # type: ignore[arg-type]


def test_entries_may_refer_to_what_is_already_in_the_database():
    run(org_file())
    data = {
        "positions": [
            {"code": "GURU-IPA-1", "unit": "SMPN1-MEJAYAN", "title": "Guru IPA", "reports_to": "WAKA-KUR"}
        ],
        "people": [{"username": "nur", "name": "Nur Aini", "positions": ["GURU-IPA-1"]}],
        "teams": [{"unit": "SMPN2-MEJAYAN", "members": ["nur", "budi"]}],
    }
    summary = run(data)
    assert summary.created == {"positions": 1, "people": 1, "holdings": 1}
    # The deployment is set up (teams exist): the new team's members wait for approval.
    assert sorted(change_text(c) for c in summary.requests) == [
        "Team of SMPN2-MEJAYAN: adding budi waits for approval",
        "Team of SMPN2-MEJAYAN: adding nur waits for approval",
    ]
    assert Position.objects.get(code="GURU-IPA-1").reports_to.code == "WAKA-KUR"


# ---------------------------------------------------------------- dry run


def test_dry_run_changes_nothing_and_lists_the_changes():
    before = snapshot()
    summary = run(org_file(), dry_run=True)
    assert snapshot() == before
    assert summary.dry_run and summary.changed
    assert "Unit DISDIK-MADIUN: created" in lines(summary)
    assert "budi holds KS-SMPN1" in lines(summary)
    assert "hadi holds KABID-SMP as acting holder (Plt.)" in lines(summary)
    assert not ChangeSet.objects.exists() and not AuditEntry.objects.exists()
    text = summary.as_text()
    assert text.startswith("Import preview (nothing changed)")
    assert "units: 3 created" in text
    # A new position's reports_to is part of its creation, not an update.
    assert "positions: 5 created, 0 updated" in text


def test_dry_run_of_an_update_lists_it_and_changes_nothing():
    run(org_file())
    before = snapshot()
    data = org_file()
    data["units"][1]["name"] = "SMPN 1 Mejayan"
    data["people"][0]["positions"] = []
    summary = run(data, dry_run=True, today=TODAY + dt.timedelta(days=3))
    assert "Unit SMPN1-MEJAYAN: name changed" in lines(summary)
    assert "budi no longer holds KS-SMPN1" in lines(summary)
    assert snapshot() == before


def test_dry_run_of_an_invalid_file_raises_the_problems():
    data = org_file()
    data["units"][0]["timezone"] = "UTC"
    with pytest.raises(ImportProblem):
        run(data, dry_run=True)


# ---------------------------------------------------------------- one write path: audit, teams, warnings


def test_one_audit_entry_per_import_run_vouches_for_every_change_record():
    summary = run(org_file(), actor="cli")
    [entry] = AuditEntry.objects.filter(action="org.changed")
    [change_set] = ChangeSet.objects.all()
    assert entry.actor == "cli" and entry.data["via"] == "import"
    assert entry.data["total"] == len(summary.changes) == OrgChange.objects.count()
    assert entry.data["counts"]["unit_created"] == 3 and entry.data["counts"]["holding_added"] == 4
    assert entry.data["digest"] == change_set.digest == stored_digest(change_set.pk)
    # A record edited in the database no longer matches the audited digest.
    OrgChange.objects.filter(kind="unit_created").update(key="FORGED")
    assert stored_digest(change_set.pk) != entry.data["digest"]


def test_the_first_import_sets_teams_later_imports_ask_a_team_member():
    run(org_file())  # a new deployment: nobody to ask, the teams are set directly
    assert TeamMembership.objects.count() == 3 and not PendingChange.objects.exists()
    data = org_file()
    data["teams"][1]["members"] = ["hadi", "budi", "ani"]
    summary = run(data)
    [request] = summary.requests
    assert change_text(request) == "Team of DISDIK-MADIUN: adding ani waits for approval"
    assert not TeamMembership.objects.filter(person__username="ani", unit__code="DISDIK-MADIUN").exists()
    # Importing the same file again asks nothing more.
    assert not run(data).changed
    assert PendingChange.objects.filter(state="pending").count() == 1
    # A member of the district team approves; now the membership is in force and the file is up to date.
    change = PendingChange.objects.get()
    assert {p.username for p in services.approvers(change)} == {"hadi", "budi"}
    services.pending_approve(actor=Person.objects.get(username="budi"), change_id=change.pk)
    assert TeamMembership.objects.filter(person__username="ani", unit__code="DISDIK-MADIUN").exists()
    assert not run(data).changed


def test_an_import_by_an_administrator_cannot_approve_its_own_team_change():
    run(org_file())
    admin = Person.objects.get(username="admin")
    data = org_file()
    data["teams"][0]["members"] = ["sri", "ani"]
    run(data, actor=admin)
    change = PendingChange.objects.get()
    assert change.requested_by == admin and admin not in services.approvers(change)
    with pytest.raises(services.Forbidden):
        services.pending_approve(actor=admin, change_id=change.pk)
    assert not TeamMembership.objects.filter(person__username="ani").exists()


def test_a_second_current_holder_is_a_warning_not_an_error():
    run(org_file())
    data = org_file()
    data["people"][2]["positions"] = ["GURU-MTK-1", "WAKA-KUR"]  # ani joins sri as Waka Kurikulum
    summary = run(data)
    [warning] = summary.warnings
    assert warning.code == "second_holder" and warning.key == "WAKA-KUR"
    assert warning.text == "WAKA-KUR now has more than one holder today: ani, sri."
    assert sorted(h.person.username for h in Holding.objects.filter(position__code="WAKA-KUR")) == [
        "ani",
        "sri",
    ]


def test_problems_are_in_indonesian_when_the_language_is_indonesian():
    data = org_file()
    data["people"][1]["email"] = "agus.salim@"
    data["units"][2]["parent"] = "DISDIK-NGAWI"
    with translation.override("id"), pytest.raises(ImportProblem) as problem:
        run(data)
    with translation.override("id"):
        problems = problem.value.problems
    assert problems == [
        "units[2] (kode 'SMPN2-MEJAYAN'), parent: Tidak ada unit kerja dengan kode DISDIK-NGAWI "
        "(di berkas maupun di organisasi).",
        "people[1] (nama pengguna 'sri'), email: Masukkan alamat e-mail yang benar, misalnya nama@contoh.id.",
    ]
