"""Administration pages (/kelola/): access, units and policy, positions, people, teams, calendars,
the org import with its preview, the audit trail of every change, and no case content anywhere."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from integritas.audit.chain import verify
from integritas.audit.models import AuditEntry
from integritas.orgs.importer import import_org
from integritas.orgs.models import (
    Holding,
    Holiday,
    OrgChange,
    PendingChange,
    Person,
    Position,
    TeamMembership,
    Unit,
)
from tests.factories import PASSWORD, make_person, submit

pytestmark = pytest.mark.django_db

PAGES = [
    "/kelola/",
    "/kelola/unit/",
    "/kelola/unit/baru/",
    "/kelola/unit/SMPN1/",
    "/kelola/jabatan/",
    "/kelola/jabatan/?unit=SMPN1",
    "/kelola/jabatan/baru/",
    "/kelola/jabatan/KS/",
    "/kelola/pegawai/",
    "/kelola/pegawai/baru/",
    "/kelola/pegawai/teacher/",
    "/kelola/tim/",
    "/kelola/tim/SMPN1/",
    "/kelola/kalender/",
    "/kelola/kalender/SMPN1/2026/",
    "/kelola/impor/",
]


@pytest.fixture
def admin_client(client, org):
    client.force_login(org.admin)
    return client


class Recorded:
    """A change record of the organisation, with the audit entry of its change set."""

    def __init__(self, row: OrgChange) -> None:
        self.row, self.key, self.data, self.unit_code = row, row.key, row.fields, row.unit_code
        self.actor = row.change_set.actor
        self.entry = AuditEntry.objects.get(seq=row.change_set.audit_seq)
        # The change set's audit entry names this change (small change sets list theirs inline).
        assert self.entry.action == "org.changed"
        assert {"kind": row.kind, "key": row.key, **({"fields": row.fields} if row.fields else {}),
                **({"unit": row.unit_code} if row.unit_code else {})} in self.entry.data["changes"]  # fmt: skip


def audit(kind: str) -> list[Recorded]:
    return [
        Recorded(r) for r in OrgChange.objects.filter(kind=kind).select_related("change_set").order_by("id")
    ]


def approve(username: str) -> None:
    """A member of a team approves every change waiting (the second person)."""
    for change in PendingChange.objects.filter(state="pending"):
        client = Client()
        client.force_login(Person.objects.get(username=username))
        response = client.post("/persetujuan/", {"change": change.pk, "action": "approve"})
        assert response.status_code == 302


def text(response) -> str:
    return response.content.decode()


# --- access ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, org, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/masuk/?next=")


@pytest.mark.parametrize("url", PAGES)
def test_staff_without_admin_right_get_403(client, org, url):
    client.force_login(org.district_team)
    assert client.get(url).status_code == 403


def test_non_admin_cannot_change_anything(client, org):
    client.force_login(org.principal)
    response = client.post("/kelola/unit/baru/", {"code": "X1", "name": "X"})
    assert response.status_code == 403
    assert not Unit.objects.filter(code="X1").exists()
    assert not AuditEntry.objects.filter(action__startswith="org.").exists()


@pytest.mark.parametrize("url", PAGES)
def test_admin_pages_render_in_indonesian_without_inline_code(admin_client, url):
    response = admin_client.get(url)
    assert response.status_code == 200
    body = text(response)
    assert 'lang="id"' in body
    assert "Pengelolaan" in body
    # Strict CSP: no inline scripts, styles or handlers.
    assert "<script" not in body and 'style="' not in body and "onclick" not in body
    # Separation of duties: the administration area never links to cases.
    assert 'href="/kasus/' not in body


def test_admin_pages_are_complete_in_english(admin_client):
    admin_client.cookies["integritas_language"] = "en"
    body = text(admin_client.get("/kelola/"))
    assert 'lang="en"' in body and "Administration" in body and "Units" in body


# --- units and policy ----------------------------------------------------------------------------------


def unit_post(**values):
    data = {"name": "", "parent": "", "timezone": "", "work_week": ""}
    data.update(values)
    return data


def test_create_unit_with_policy_override_shows_inherited_values(admin_client, org):
    page = text(admin_client.get("/kelola/unit/baru/?induk=DISDIK"))
    # The district sets require_evidence = false: a new unit under it shows that as inherited.
    assert re.search(r"Diwarisi: tidak \(dari DISDIK\)", page)
    assert "Diwarisi: 3 (bawaan)" in page  # examination_days comes from the defaults

    response = admin_client.post(
        "/kelola/unit/baru/",
        unit_post(
            code="SMPN2",
            name="SMP Negeri 2 Mejayan",
            parent="DISDIK",
            timezone="Asia/Makassar",
            work_week="mon-sat",
            policy_examination_days="5",
            policy_allow_anonymous="true",
        ),
    )
    assert response.status_code == 302 and response["Location"] == "/kelola/unit/SMPN2/"
    unit = Unit.objects.get(code="SMPN2")
    assert unit.parent == org.district and unit.timezone == "Asia/Makassar" and unit.work_week == "mon-sat"
    assert unit.policy == {"examination_days": 5, "allow_anonymous": True}
    assert unit.effective_policy["require_evidence"] is False  # still inherited
    [entry] = audit("unit_created")
    assert entry.actor == "admin" and entry.unit_code == "SMPN2" and entry.entry.unit_code == "SMPN2"
    assert entry.data["policy"] == {"examination_days": 5, "allow_anonymous": True}

    page = text(admin_client.get("/kelola/unit/SMPN2/"))
    assert "Unit kerja SMPN2 disimpan." in page
    assert 'name="policy_examination_days" value="5"' in page
    assert '<option value="true" selected>ya</option>' in page


def test_edit_unit_policy_back_to_inherit_and_override_another_key(admin_client, org):
    org.school.policy = {"examination_days": 5}
    org.school.save()
    response = admin_client.post(
        "/kelola/unit/SMPN1/",
        unit_post(name="SMP Negeri 1", parent="DISDIK", work_week="mon-sat", policy_review_days="4",
                  policy_review_day_kind="working"),
    )  # fmt: skip
    assert response.status_code == 302
    org.school.refresh_from_db()
    assert org.school.policy == {"review_days": 4, "review_day_kind": "working"}
    assert org.school.name == "SMP Negeri 1"
    [entry] = audit("unit_changed")
    assert entry.data["policy"] == [
        {"examination_days": 5},
        {"review_days": 4, "review_day_kind": "working"},
    ]
    assert entry.data["name"] == ["Smpn1", "SMP Negeri 1"]


def test_saving_an_unchanged_unit_writes_no_audit_entry(admin_client, org):
    admin_client.post("/kelola/unit/SMPN1/", unit_post(name="Smpn1", parent="DISDIK", work_week="mon-sat"))
    assert audit("unit_changed") == []


def test_invalid_policy_value_is_refused_next_to_the_field(admin_client, org):
    response = admin_client.post(
        "/kelola/unit/SMPN1/",
        unit_post(name="Smpn1", parent="DISDIK", work_week="mon-sat", policy_examination_days="0",
                  policy_max_upload_mb="9999"),
    )  # fmt: skip
    assert response.status_code == 400
    body = text(response)
    assert 'class="errors" role="alert"' in body
    assert 'href="#id_policy_examination_days"' in body and 'href="#id_policy_max_upload_mb"' in body
    assert 'aria-invalid="true"' in body
    org.school.refresh_from_db()
    assert org.school.policy == {}
    assert not AuditEntry.objects.filter(action__startswith="org.").exists()


def test_unit_cannot_move_under_its_own_subtree(admin_client, org):
    response = admin_client.post("/kelola/unit/DISDIK/", unit_post(name="Disdik", parent="SMPN1"))
    assert response.status_code == 400
    org.district.refresh_from_db()
    assert org.district.parent is None


def test_unit_tree_is_a_nested_list(admin_client, org):
    body = text(admin_client.get("/kelola/unit/"))
    district = body.index('href="/kelola/unit/DISDIK/"')
    nested = body.index("<ul>", district)
    assert district < nested < body.index('href="/kelola/unit/SMPN1/"')


# --- positions -----------------------------------------------------------------------------------------


def test_position_reporting_across_units(admin_client, org):
    response = admin_client.post(
        "/kelola/jabatan/baru/", {"code": "KS-WAKIL", "title": "Plh Kepala Sekolah", "unit": "SMPN1",
                                   "reports_to": "KABID"}
    )  # fmt: skip
    assert response.status_code == 302
    position = Position.objects.get(code="KS-WAKIL")
    assert position.unit == org.school and position.reports_to == org.p_kabid
    [entry] = audit("position_created")
    assert entry.unit_code == "SMPN1" and entry.data["reports_to"] == "KABID"

    body = text(admin_client.get("/kelola/jabatan/?unit=SMPN1"))
    assert "Plh Kepala Sekolah" in body and "kosong" in body  # nobody holds it yet
    assert "Disdik" in body  # the superior's unit is named: it is in another unit


def test_reports_to_cycle_is_refused(admin_client, org):
    # KADIS ← KABID ← KS ← WAKA ← GURU: KADIS may not report to GURU.
    response = admin_client.post(
        "/kelola/jabatan/KADIS/", {"title": "Kepala Dinas", "unit": "DISDIK", "reports_to": "GURU"}
    )
    assert response.status_code == 400
    assert "siklus" in text(response)
    org.p_kadis.refresh_from_db()
    assert org.p_kadis.reports_to is None
    assert audit("position_changed") == []


def test_position_page_shows_holders_and_vacancy(admin_client, org):
    body = text(admin_client.get("/kelola/jabatan/WAKA/"))
    assert "Vice" in body and "hari ini" in body and "Nobody holds" not in body
    Holding.objects.filter(position=org.p_vice).update(end=dt.date(2020, 12, 31))
    body = text(admin_client.get("/kelola/jabatan/WAKA/"))
    assert "kosong" in body and "Tidak ada yang memegang jabatan ini hari ini" in body


# --- people, holdings, passwords ------------------------------------------------------------------------


def test_create_person_then_edit(admin_client, org):
    response = admin_client.post(
        "/kelola/pegawai/baru/",
        {"username": "rina", "name": "Rina Kusumawati", "email": "rina@example.org", "language": "id",
         "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == "/kelola/pegawai/rina/"
    rina = Person.objects.get(username="rina")
    assert rina.name == "Rina Kusumawati" and rina.is_active and not rina.is_admin
    assert not rina.has_usable_password()
    assert audit("person_created")[0].key == "rina"

    response = admin_client.post(
        "/kelola/pegawai/rina/",
        {"form": "details", "name": "Rina K.", "email": "rina@example.org", "language": "en", "is_admin": "on",
         "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    rina.refresh_from_db()
    assert rina.is_admin and rina.language == "en" and rina.name == "Rina K."
    changes = audit("person_changed")[0].data
    assert changes["is_admin"] == [False, True] and changes["language"] == ["id", "en"]


def test_duplicate_username_is_refused(admin_client, org):
    response = admin_client.post(
        "/kelola/pegawai/baru/", {"username": "Vice", "name": "Another", "language": "id", "is_active": "on"}
    )
    assert response.status_code == 400
    assert Person.objects.filter(username__iexact="vice").count() == 1


def test_admin_cannot_remove_their_own_admin_right(admin_client, org):
    response = admin_client.post(
        "/kelola/pegawai/admin/",
        {
            "form": "details",
            "name": "Admin",
            "email": "admin@example.org",
            "language": "id",
            "is_active": "on",
        },
    )
    assert response.status_code == 400
    org.admin.refresh_from_db()
    assert org.admin.is_admin


def test_acting_holding_added_and_a_holding_ended(admin_client, org):
    # The vice principal is appointed acting principal (Plt) from 1 August 2026.
    response = admin_client.post(
        "/kelola/pegawai/vice/",
        {"form": "holding", "position": "KS", "start": "2026-08-01", "end": "", "acting": "on"},
    )
    assert response.status_code == 302
    plt = Holding.objects.get(person=org.vice, position=org.p_principal)
    assert plt.acting and plt.start == dt.date(2026, 8, 1) and plt.end is None
    added = audit("holding_added")[0]
    assert added.unit_code == "SMPN1" and added.key == "vice/KS"
    assert added.data == {"start": "2026-08-01", "end": None, "acting": True}

    # The principal's own holding ends on 31 July 2026.
    principal = Holding.objects.get(person=org.principal, position=org.p_principal)
    response = admin_client.post(
        "/kelola/pegawai/principal/",
        {"form": "end", "holding": str(principal.pk), f"end{principal.pk}-end": "2026-07-31"},
    )
    assert response.status_code == 302
    principal.refresh_from_db()
    assert principal.end == dt.date(2026, 7, 31)
    ended = audit("holding_ended")[0]
    assert ended.data["end"] == [None, "2026-07-31"] and ended.key == "principal/KS"

    body = text(admin_client.get("/kelola/pegawai/vice/"))
    assert "Plt. Kepala Sekolah" in body and "Kepala Sekolah Plt" not in body
    assert org.p_principal.holders_on(dt.date(2026, 8, 3)) == [org.vice]
    assert org.p_principal.holders_on(dt.date(2026, 7, 30)) == [org.principal]


def test_holding_end_before_start_is_refused(admin_client, org):
    holding = Holding.objects.get(person=org.teacher)
    response = admin_client.post(
        "/kelola/pegawai/teacher/",
        {"form": "end", "holding": str(holding.pk), f"end{holding.pk}-end": "2019-12-31"},
    )
    assert response.status_code == 400
    assert f'href="#id_end{holding.pk}-end"' in text(response)
    holding.refresh_from_db()
    assert holding.end is None
    assert audit("holding_ended") == []


def test_password_policy_messages_are_shown(admin_client, org):
    response = admin_client.post(
        "/kelola/pegawai/teacher/", {"form": "password", "password1": "sekolah1", "password2": "sekolah1"}
    )
    assert response.status_code == 400
    body = text(response)
    # Both reasons, in Indonesian: too short, and a common word with digits.
    assert "Kata sandi terlalu pendek" in body and "kata umum yang ditambah angka" in body
    assert not org.teacher.__class__.objects.get(pk=org.teacher.pk).check_password("sekolah1")
    assert audit("password_set") == []

    strong = "Kebun-Teh-Berkabut-Pagi-7"
    response = admin_client.post(
        "/kelola/pegawai/teacher/", {"form": "password", "password1": strong, "password2": strong}
    )
    assert response.status_code == 302
    # The teacher reads cases (holds a position): the new password waits for a team member.
    assert "menunggu persetujuan" in text(admin_client.get("/kelola/pegawai/teacher/"))
    assert not Person.objects.get(pk=org.teacher.pk).check_password(strong)
    approve("schoolteam")
    assert Person.objects.get(pk=org.teacher.pk).check_password(strong)
    [entry] = audit("password_set")
    assert entry.key == "teacher" and entry.actor == "schoolteam"
    assert strong not in json.dumps(entry.data) and strong not in json.dumps(entry.entry.data)


# --- teams ---------------------------------------------------------------------------------------------


def test_team_membership_add_and_remove(admin_client, org):
    response = admin_client.post("/kelola/tim/SMPN1/", {"person": "outsider"})
    assert response.status_code == 302
    assert "menunggu persetujuan" in text(admin_client.get("/kelola/tim/SMPN1/"))
    assert not TeamMembership.objects.filter(unit=org.school, person=org.outsider).exists()
    approve("districtteam")
    assert TeamMembership.objects.filter(unit=org.school, person=org.outsider).exists()
    response = admin_client.post("/kelola/tim/SMPN1/", {"remove": "schoolteam"})
    assert response.status_code == 302
    approve("outsider")  # now a member of the team itself
    assert not TeamMembership.objects.filter(unit=org.school, person=org.school_team).exists()
    assert [(e.key, e.actor) for e in audit("team_add_requested")] == [("SMPN1/outsider", "admin")]
    assert [(e.key, e.actor) for e in audit("team_member_added")] == [("SMPN1/outsider", "districtteam")]
    assert [(e.key, e.actor) for e in audit("team_member_removed")] == [("SMPN1/schoolteam", "outsider")]
    assert all(e.unit_code == "SMPN1" for e in audit("team_member_added") + audit("team_member_removed"))

    body = text(admin_client.get("/kelola/tim/SMPN1/"))
    assert "Tim Penanganan Benturan Kepentingan" in body and "Outsider" in body


def test_inactive_person_cannot_join_a_team(admin_client, org):
    make_person("gone", is_active=False)
    response = admin_client.post("/kelola/tim/SMPN1/", {"person": "gone"})
    assert response.status_code == 400
    assert not TeamMembership.objects.filter(person__username="gone").exists()


# --- the working-day calendar ---------------------------------------------------------------------------


def test_calendar_2026_shows_national_holiday_joint_leave_and_added_day(admin_client, org):
    response = admin_client.post(
        "/kelola/kalender/SMPN1/2026/", {"date": "2026-07-20", "name": "Hari Jadi Sekolah", "scope": "unit"}
    )
    assert response.status_code == 302
    holiday = Holiday.objects.get(name="Hari Jadi Sekolah")
    assert holiday.unit == org.school and holiday.date == dt.date(2026, 7, 20)
    [added] = audit("holiday_added")
    assert (added.key, added.data, added.unit_code) == (
        "2026-07-20/SMPN1",
        {"name": "Hari Jadi Sekolah"},
        "SMPN1",
    )

    body = text(admin_client.get("/kelola/kalender/SMPN1/2026/"))
    assert re.search(
        r"<strong>17 Agustus</strong>: Hari Kemerdekaan Republik Indonesia <span class=\"meta\">\(Hari libur nasional\)",
        body,
    )
    assert re.search(
        r"<strong>24 Desember</strong>: Cuti Bersama Hari Raya Natal <span class=\"meta\">\(Cuti bersama\)",
        body,
    )
    assert re.search(
        r"<strong>20 Juli</strong>: Hari Jadi Sekolah <span class=\"meta\">\(Hari libur tambahan, SMPN1\)",
        body,
    )
    assert '<td class="day national">17 ' in body
    assert '<td class="day joint">24 ' in body
    assert '<td class="day added">20 ' in body
    # Saturdays are working days at this six-day school.
    assert '<td class="day working">1</td>' in body.split('id="m8"')[1]
    assert body.count('<table class="cal">') == 12 and 'scope="col"' in body


def test_calendar_in_english_uses_english_holiday_names(admin_client, org):
    admin_client.cookies["integritas_language"] = "en"
    body = text(admin_client.get("/kelola/kalender/SMPN1/2026/"))
    assert "Independence Day" in body and "(National holiday)" in body
    assert "Christmas Joint Holiday" in body and "(Joint leave (cuti bersama))" in body


def test_deployment_day_off_is_added_and_removed(admin_client, org):
    admin_client.post(
        "/kelola/kalender/DISDIK/2026/", {"date": "2026-11-02", "name": "Libur Pilkada", "scope": "all"}
    )
    holiday = Holiday.objects.get(name="Libur Pilkada")
    assert holiday.unit is None
    # Seen from the school too, which may remove a deployment-wide day.
    body = text(admin_client.get("/kelola/kalender/SMPN1/2026/"))
    assert "Libur Pilkada" in body and "semua unit kerja" in body
    response = admin_client.post("/kelola/kalender/SMPN1/2026/", {"remove": str(holiday.pk)})
    assert response.status_code == 302
    assert not Holiday.objects.exists()
    [removed] = audit("holiday_removed")
    assert (removed.key, removed.data, removed.unit_code) == ("2026-11-02/*", {"name": "Libur Pilkada"}, "")


def test_a_day_off_of_a_unit_above_cannot_be_removed_from_below(admin_client, org):
    holiday = Holiday.objects.create(date=dt.date(2026, 7, 18), name="Hari Jadi Kabupaten", unit=org.district)
    response = admin_client.post("/kelola/kalender/SMPN1/2026/", {"remove": str(holiday.pk)})
    assert response.status_code == 404
    assert Holiday.objects.filter(pk=holiday.pk).exists()


def test_duplicate_day_off_is_refused(admin_client, org):
    Holiday.objects.create(date=dt.date(2026, 7, 20), name="Hari Jadi Sekolah", unit=org.school)
    response = admin_client.post(
        "/kelola/kalender/SMPN1/2026/", {"date": "2026-07-20", "name": "Lagi", "scope": "unit"}
    )
    assert response.status_code == 400
    assert Holiday.objects.count() == 1


# --- the org import --------------------------------------------------------------------------------------


def import_file(data) -> SimpleUploadedFile:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return SimpleUploadedFile("org.json", raw, content_type="application/json")


NEW_SCHOOL = {
    "holidays": [{"date": "2026-07-20", "name": "Hari Jadi Sekolah", "unit": "SMPN3"}],
    "units": [{"code": "SMPN3", "name": "SMP Negeri 3 Mejayan", "parent": "DISDIK", "work_week": "mon-sat"}],
    "positions": [{"code": "KS-SMPN3", "unit": "SMPN3", "title": "Kepala Sekolah", "reports_to": "KABID"}],
    "people": [{"username": "dewi", "name": "Dewi Anggraini", "positions": ["KS-SMPN3"]}],
    "teams": [{"unit": "SMPN3", "members": ["dewi"]}],
}


def test_upload_previews_then_applies_on_confirmation(admin_client, org):
    response = admin_client.post("/kelola/impor/", {"action": "preview", "file": import_file(NEW_SCHOOL)})
    assert response.status_code == 200
    body = text(response)
    assert "Pratinjau perubahan" in body
    assert (
        "Unit kerja SMPN3: dibuat" in body
        and "Jabatan KS-SMPN3: dibuat" in body
        and "dewi memegang KS-SMPN3" in body
    )
    # The deployment is set up (it has teams): the new team waits for a team member's approval.
    assert "Tim SMPN3: penambahan dewi menunggu persetujuan" in body
    # Nothing changed yet.
    assert not Unit.objects.filter(code="SMPN3").exists()
    assert not Person.objects.filter(username="dewi").exists()
    assert not AuditEntry.objects.filter(action="org.changed").exists()
    token = re.search(r'name="token" value="([^"]+)"', body)[1]

    # A forged or stale token applies nothing.
    response = admin_client.post("/kelola/impor/", {"action": "apply", "token": "nope"})
    assert response.status_code == 302 and not Unit.objects.filter(code="SMPN3").exists()

    response = admin_client.post("/kelola/impor/", {"action": "apply", "token": token})
    assert response.status_code == 302
    assert Unit.objects.get(code="SMPN3").parent == org.district
    assert Position.objects.get(code="KS-SMPN3").reports_to == org.p_kabid
    assert not TeamMembership.objects.filter(unit__code="SMPN3").exists()
    [entry] = AuditEntry.objects.filter(action="org.changed")
    assert (
        entry.actor == "admin" and entry.data["via"] == "import" and entry.data["counts"]["unit_created"] == 1
    )
    assert {"kind": "unit_created", "key": "SMPN3", "unit": "SMPN3", "fields": {
        "name": "SMP Negeri 3 Mejayan", "parent": "DISDIK", "timezone": None, "work_week": "mon-sat", "policy": {}
    }} in entry.data["changes"]  # fmt: skip
    page = text(admin_client.get("/kelola/impor/"))
    assert "Impor diterapkan" in page and "menunggu persetujuan anggota tim" in page
    approve("districtteam")
    assert TeamMembership.objects.filter(unit__code="SMPN3", person__username="dewi").exists()

    # The preview is used up: applying again does nothing more.
    admin_client.post("/kelola/impor/", {"action": "apply", "token": token})
    assert AuditEntry.objects.filter(action="org.changed", data__via="import").count() == 1


def test_invalid_file_shows_the_problems_in_indonesian_and_changes_nothing(admin_client, org):
    bad = json.loads(json.dumps(NEW_SCHOOL))
    bad["positions"][0]["reports_to"] = "NOBODY"
    bad["units"][0]["work_week"] = "sun-thu"
    response = admin_client.post("/kelola/impor/", {"action": "preview", "file": import_file(bad)})
    assert response.status_code == 400
    body = text(response)
    assert (
        "positions[0] (kode &#x27;KS-SMPN3&#x27;), reports_to: Tidak ada jabatan dengan kode NOBODY "
        "(di berkas maupun di organisasi)." in body
    )
    assert "units[0] (kode &#x27;SMPN3&#x27;), work_week: " in body
    assert "(dalam bahasa Inggris)" not in body and '<ul lang="en">' not in body
    assert "Apply" not in body and 'value="apply"' not in body
    assert not Unit.objects.filter(code="SMPN3").exists()
    assert not AuditEntry.objects.filter(action__startswith="org.").exists()


def test_file_that_is_not_json_is_refused(admin_client, org):
    response = admin_client.post("/kelola/impor/", {"action": "preview", "file": import_file(b"{units: [")})
    assert response.status_code == 400
    assert "Berkas bukan JSON yang sah (baris 1, kolom 2)." in text(response)


def test_apply_revalidates_against_the_current_organisation(admin_client, org):
    from integritas.web.views.manage.imports import IMPORT_SESSION_KEY, _seal

    response = admin_client.post("/kelola/impor/", {"action": "preview", "file": import_file(NEW_SCHOOL)})
    token = re.search(r'name="token" value="([^"]+)"', text(response))[1]
    # The stored preview is sealed with the master key (it may hold first passwords).
    session = admin_client.session
    assert "SMP Negeri 3" not in json.dumps(session[IMPORT_SESSION_KEY])
    # Meanwhile the district office the new school hangs under is gone.
    data = json.loads(json.dumps(NEW_SCHOOL))
    data["units"][0]["parent"] = "GONE"
    session[IMPORT_SESSION_KEY]["sealed"] = _seal(token, data, {})
    session.save()
    response = admin_client.post("/kelola/impor/", {"action": "apply", "token": token})
    assert response.status_code == 400
    assert "GONE" in text(response)
    assert not Unit.objects.filter(code="SMPN3").exists()


def test_importer_itself_audits_real_imports_only(org):
    import_org(NEW_SCHOOL, dry_run=True)
    assert not AuditEntry.objects.filter(action="org.changed").exists()
    import_org(NEW_SCHOOL, actor="cli")
    [entry] = AuditEntry.objects.filter(action="org.changed")
    assert entry.actor == "cli"
    import_org(NEW_SCHOOL, actor="cli")  # the same file again changes nothing, records nothing
    assert AuditEntry.objects.filter(action="org.changed").count() == 1


# --- the audit trail and separation of duties -----------------------------------------------------------


def test_every_change_is_in_an_intact_audit_chain(admin_client, org):
    admin_client.post("/kelola/unit/baru/", unit_post(code="U2", name="Unit 2", parent="DISDIK"))
    admin_client.post(
        "/kelola/jabatan/baru/", {"code": "P2", "title": "Pos", "unit": "U2", "reports_to": "KADIS"}
    )
    admin_client.post(
        "/kelola/pegawai/baru/", {"username": "p2", "name": "Pe Dua", "language": "id", "is_active": "on"}
    )
    admin_client.post("/kelola/pegawai/p2/", {"form": "holding", "position": "P2", "start": "2026-01-01"})
    admin_client.post("/kelola/tim/U2/", {"person": "p2"})
    admin_client.post("/kelola/kalender/U2/2026/", {"date": "2026-05-02", "name": "Libur", "scope": "unit"})
    approve("districtteam")
    kinds = [
        [c["kind"] for c in e.data["changes"]]
        for e in AuditEntry.objects.filter(action="org.changed").order_by("seq")
    ]
    assert kinds == [
        ["unit_created"], ["position_created"], ["person_created"], ["holding_added"],
        ["team_add_requested"], ["holiday_added"], ["team_member_added"],
    ]  # fmt: skip
    actors = list(AuditEntry.objects.filter(action="org.changed").values_list("actor", flat=True))
    assert actors == ["admin"] * 6 + ["districtteam"]
    assert verify()[0]
    # The overview lists the recent organisation changes, in words.
    body = text(admin_client.get("/kelola/"))
    assert "Unit kerja dibuat" in body and "Hari libur ditambahkan" in body
    assert "Tim U2: p2 ditambahkan" in body


def test_no_case_content_on_any_admin_page(admin_client, org):
    sub = submit(org.school, org.p_teacher)
    secret_bits = [
        "Pemenang pengadaan adalah toko milik adik terlapor.",  # the description
        "Siti Aminah",  # the reporter
        "siti@example.net",
        "Penetapan pemenang pengadaan seragam",  # the decision
        sub.case.reference,
    ]
    for url in PAGES:
        body = text(admin_client.get(url))
        for bit in secret_bits:
            assert bit not in body, (url, bit)
    # Nor does the overview's list of recent changes show case events from the audit log.
    assert "case." not in text(admin_client.get("/kelola/"))


def test_signing_in_again_after_setting_own_password_is_not_needed(admin_client, org):
    strong = "Kebun-Teh-Berkabut-Pagi-7"
    admin_client.post(
        "/kelola/pegawai/admin/", {"form": "password", "password1": strong, "password2": strong}
    )
    assert admin_client.get("/kelola/").status_code == 200
    assert Person.objects.get(pk=org.admin.pk).check_password(strong)
    assert PASSWORD != strong


# --- approvals, the member search, the workbook --------------------------------------------------------


def test_the_approvals_page_lists_what_waits_for_me_and_approves_it(admin_client, org):
    admin_client.post("/kelola/tim/SMPN1/", {"person": "outsider"})
    member = Client()
    member.force_login(org.school_team)
    assert 'href="/persetujuan/"' in text(member.get("/kasus/"))  # the menu leads there
    page = text(member.get("/persetujuan/"))
    assert "Outsider (outsider) masuk Tim Smpn1" in page and "Diminta oleh admin" in page
    assert 'value="approve"' in page and "<script" not in page
    # The administrator sees their own request, can only withdraw it.
    own = text(admin_client.get("/persetujuan/"))
    assert "Anda yang meminta ini" in own and 'value="approve"' not in own
    # Someone with nothing to approve sees nothing.
    outsider = Client()
    outsider.force_login(org.teacher)
    assert "Tidak ada yang menunggu persetujuan Anda" in text(outsider.get("/persetujuan/"))
    change = PendingChange.objects.get()
    response = member.post("/persetujuan/", {"change": change.pk, "action": "approve"})
    assert response.status_code == 302
    assert "Disetujui" in text(member.get("/persetujuan/"))
    assert TeamMembership.objects.filter(person=org.outsider).exists()
    # A refused change: nothing changes.
    admin_client.post("/kelola/tim/SMPN1/", {"remove": "outsider"})
    change = PendingChange.objects.get(state="pending")
    member.post("/persetujuan/", {"change": change.pk, "action": "reject", "reason": "Masih diperlukan"})
    assert PendingChange.objects.get(pk=change.pk).state == "rejected"
    assert TeamMembership.objects.filter(person=org.outsider).exists()


def test_the_approvals_page_needs_a_sign_in(client, org):
    response = client.get("/persetujuan/")
    assert response.status_code == 302 and response["Location"].startswith("/masuk/")


def test_the_member_search_lists_people_of_the_unit_and_below_but_no_administrator(admin_client, org):
    body = text(admin_client.get("/kelola/tim/DISDIK/"))
    # A small unit lists its people at once: holders below the district, not the administrator.
    for username in ("teacher", "vice", "principal", "kabid", "schoolteam"):
        assert f'name="add" value="{username}"' in body
    assert 'name="add" value="admin"' not in body and 'name="add" value="outsider"' not in body
    assert 'name="add" value="districtteam"' not in body  # already a member
    school = text(admin_client.get("/kelola/tim/SMPN1/?q=vic"))
    assert 'name="add" value="vice"' in school and 'name="add" value="kabid"' not in school
    response = admin_client.post("/kelola/tim/SMPN1/", {"add": "vice"})
    assert response.status_code == 302
    assert PendingChange.objects.get().person == org.vice


def test_a_district_needs_a_search(admin_client, org, monkeypatch):
    from integritas.web.views.manage import teams

    monkeypatch.setattr(teams, "LIST_ALL", 2)
    body = text(admin_client.get("/kelola/tim/DISDIK/"))
    assert "ketik sebagian nama" in body and 'name="add"' not in body
    assert 'name="add" value="kabid"' in text(admin_client.get("/kelola/tim/DISDIK/?q=kabid"))


def test_an_acting_holder_reads_plt_before_the_title(admin_client, org):
    Holding.objects.create(person=org.vice, position=org.p_principal, start=dt.date(2020, 1, 1), acting=True)
    assert "Plt. Kepala Sekolah" in text(admin_client.get("/kelola/pegawai/"))
    assert "Plt. Kepala Sekolah" in text(admin_client.get("/kelola/pegawai/vice/"))
    assert 'Vice</a> <span class="tag">(Plt.)</span>' in text(admin_client.get("/kelola/jabatan/?unit=SMPN1"))


def test_the_template_and_the_export_download(admin_client, org):
    template = admin_client.get("/kelola/impor/templat.xlsx")
    assert template.status_code == 200 and template["Content-Disposition"].startswith("attachment;")
    assert template.content[:2] == b"PK"
    exported = admin_client.get("/kelola/impor/ekspor.xlsx")
    assert exported.status_code == 200 and exported.content[:2] == b"PK"
    as_json = json.loads(admin_client.get("/kelola/impor/ekspor.json").content)
    assert [u["code"] for u in as_json["units"]] == ["DISDIK", "SMPN1"]
    client = Client()
    client.force_login(org.district_team)
    assert client.get("/kelola/impor/ekspor.json").status_code == 403


def test_an_excel_workbook_is_previewed_and_applied(admin_client, org):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Unit"
    book["Unit"].append(["Kode", "Nama", "Induk", "Minggu kerja"])
    book["Unit"].append(["SMPN4", "SMP Negeri 4", "DISDIK", "senin-sabtu"])
    book.create_sheet("Pegawai").append(["Nama pengguna", "Nama", "E-mail"])
    book["Pegawai"].append(["tono", "Tono", "tono@"])
    out = io.BytesIO()
    book.save(out)
    upload = SimpleUploadedFile("organisasi.xlsx", out.getvalue())
    response = admin_client.post("/kelola/impor/", {"action": "preview", "file": upload})
    assert response.status_code == 400
    assert (
        "lembar Pegawai, baris 2, kolom C (E-mail): Masukkan alamat e-mail yang benar, misalnya nama@contoh.id."
        in text(response)
    )
    book["Pegawai"]["C2"] = "tono@example.org"
    out = io.BytesIO()
    book.save(out)
    response = admin_client.post(
        "/kelola/impor/", {"action": "preview", "file": SimpleUploadedFile("organisasi.xlsx", out.getvalue())}
    )
    assert response.status_code == 200 and "Unit kerja SMPN4: dibuat" in text(response)
    token = re.search(r'name="token" value="([^"]+)"', text(response))[1]
    admin_client.post("/kelola/impor/", {"action": "apply", "token": token})
    assert Unit.objects.get(code="SMPN4").effective_work_week == "mon-sat"
