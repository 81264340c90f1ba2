"""Decision agendas: publishing, warnings where a participant's declared parties match an item's parties
(shown to the team and to the person warned only), statements before the meeting (409 after), the
reason of a recusal only for the team and the person, and the minutes (page data and PDF)."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from pypdf import PdfReader

from integritas.errors import Forbidden, Invalid, NotFound, WrongState
from integritas.notify.models import Notice, OutboxMessage
from integritas.prevention import access, agendas, documents
from integritas.prevention.models import Agenda, AgendaStatement
from tests.prevention.conftest import declare

pytestmark = pytest.mark.django_db
WIB = ZoneInfo("Asia/Jakarta")
NOW = dt.datetime(2026, 7, 1, 9, 0, tzinfo=WIB)
MEETS = "2026-07-06T09:00:00+07:00"


def body(org, **overrides):
    data = {
        "unit": org.school.code,
        "title": "Rapat penetapan penyedia seragam sekolah",
        "kind": "procurement",
        "meets_at": MEETS,
        "items": [
            {
                "title": "Penetapan pemenang pengadaan seragam",
                "parties": ["CV Maju Jaya", "PT Sinar Abadi Tbk"],
            },
            {"title": "Pengadaan buku paket", "parties": ["UD Sumber Ilmu"]},
        ],
        "participants": ["principal", "vice", "teacher"],
    }
    data.update(overrides)
    return data


def publish(org, actor=None, **overrides) -> Agenda:
    with time_machine.travel(NOW, tick=False):
        return agendas.agenda_create(actor=actor or org.principal, data=body(org, **overrides))


def test_publishing_notifies_participants_and_warns_on_declared_parties(org):
    declare(org.vice, ("Maju Jaya, CV", "usaha milik adik ipar"))
    agenda = publish(org)
    view = agendas.agenda_view(agenda, org.school_team)
    first, second = view["items"]
    assert view["unit"] == "SMPN1" and view["meets_at"] == MEETS and view["kind"] == "procurement"
    assert first["parties"] == ["CV Maju Jaya", "PT Sinar Abadi Tbk"] and first["statements"] == []
    assert [p["username"] for p in view["participants"]] == ["principal", "teacher", "vice"]
    assert view["warnings"] == [
        {
            "username": "vice",
            "item_id": first["id"],
            "party": "CV Maju Jaya",
            "declared_party": "Maju Jaya, CV",
            "relation": "usaha milik adik ipar",
        }
    ]
    for person in (org.principal, org.vice, org.teacher):
        assert Notice.objects.filter(person=person, kind="agenda_invited").exists()
    assert Notice.objects.filter(person=org.vice, kind="agenda_warning").exists()
    assert Notice.objects.filter(person=org.school_team, kind="agenda_warning").exists()
    assert not Notice.objects.filter(person=org.teacher, kind="agenda_warning").exists()
    mail = OutboxMessage.objects.get(recipient=org.school_team, kind="agenda_warning")
    assert "Maju" not in mail.body_text and "vice" not in mail.body_text


def test_warnings_are_shown_to_the_team_and_the_person_warned_only(org):
    declare(org.vice, ("CV Maju Jaya", "usaha adik ipar"))
    agenda = publish(org)
    assert len(agendas.agenda_view(agenda, org.vice)["warnings"]) == 1
    assert len(agendas.agenda_view(agenda, org.district_team)["warnings"]) == 1
    assert agendas.agenda_view(agenda, org.teacher)["warnings"] == []
    assert agendas.agenda_view(agenda, org.principal)["warnings"] == []


def test_statements_and_who_sees_the_reason(org):
    agenda = publish(org)
    item = agenda.items.order_by("order").first()
    with time_machine.travel(NOW, tick=False):
        agendas.agenda_state(
            agenda=agenda,
            item_id=item.pk,
            actor=org.vice,
            data={"conflict": True, "reason": "Adik ipar saya pemilik CV Maju Jaya"},
        )
        agendas.agenda_state(agenda=agenda, item_id=item.pk, actor=org.teacher, data={"conflict": False})
        # A participant may change their statement before the meeting.
        agendas.agenda_state(
            agenda=agenda, item_id=item.pk, actor=org.teacher, data={"conflict": False, "reason": "x"}
        )
    assert AgendaStatement.objects.count() == 2

    def statements(viewer):
        return {s["username"]: s for s in agendas.agenda_view(agenda, viewer)["items"][0]["statements"]}

    for viewer in (org.vice, org.school_team, org.district_team):
        assert statements(viewer)["vice"]["reason"] == "Adik ipar saya pemilik CV Maju Jaya"
    for viewer in (org.teacher, org.principal):
        seen = statements(viewer)
        assert seen["vice"]["conflict"] is True and seen["vice"]["reason"] is None
        assert seen["teacher"] == {**seen["teacher"], "conflict": False, "reason": None}
    assert "Adik ipar" not in str(bytes(AgendaStatement.objects.get(person=org.vice).sealed_reason))


def test_statements_close_when_the_meeting_starts(org):
    agenda = publish(org)
    item = agenda.items.first()
    with time_machine.travel(dt.datetime(2026, 7, 6, 9, 0, tzinfo=WIB), tick=False):
        with pytest.raises(WrongState) as caught:
            agendas.agenda_state(agenda=agenda, item_id=item.pk, actor=org.vice, data={"conflict": False})
    assert caught.value.code == "agenda_meeting_started"
    with time_machine.travel(dt.datetime(2026, 7, 6, 8, 59, 59, tzinfo=WIB), tick=False):
        agendas.agenda_state(agenda=agenda, item_id=item.pk, actor=org.vice, data={"conflict": False})
    assert AgendaStatement.objects.count() == 1


def test_only_participants_state_and_only_on_items_of_the_agenda(org):
    agenda = publish(org)
    item = agenda.items.first()
    other = publish(org, title="Rapat lain")
    with time_machine.travel(NOW, tick=False):
        with pytest.raises(Forbidden):
            agendas.agenda_state(
                agenda=agenda, item_id=item.pk, actor=org.school_team, data={"conflict": False}
            )
        with pytest.raises(NotFound):
            agendas.agenda_state(
                agenda=agenda, item_id=other.items.first().pk, actor=org.vice, data={"conflict": False}
            )
        with pytest.raises(Invalid) as caught:
            agendas.agenda_state(agenda=agenda, item_id=item.pk, actor=org.vice, data={"conflict": True})
        assert caught.value.fields["reason"].code == "required"
        with pytest.raises(Invalid) as caught:
            agendas.agenda_state(agenda=agenda, item_id=item.pk, actor=org.vice, data={"conflict": "ya"})
        assert caught.value.fields["conflict"].code == "not_boolean"
    assert not AgendaStatement.objects.exists()


def test_who_sees_an_agenda(org):
    agenda = publish(org, participants=["vice"])
    for person in (org.principal, org.vice, org.school_team, org.district_team):
        assert access.get_agenda_for(person, agenda.pk) == agenda
    for person in (org.teacher, org.kabid, org.outsider, org.admin):
        with pytest.raises(NotFound):
            access.get_agenda_for(person, agenda.pk)


def test_bad_agendas_name_every_field_and_store_nothing(org):
    with time_machine.travel(NOW, tick=False):
        with pytest.raises(Invalid) as caught:
            agendas.agenda_create(
                actor=org.principal,
                data={
                    "unit": "NOWHERE",
                    "title": "",
                    "kind": "party",
                    "meets_at": "2026-06-30T09:00:00+07:00",
                    "items": [],
                    "participants": ["vice", "ghost", 7],
                },
            )
        assert {k: p.code for k, p in caught.value.fields.items()} == {
            "unit": "unknown_code",
            "title": "required",
            "kind": "choice",
            "meets_at": "date_in_past",
            "items": "empty_list",
            "participants.2": "not_text",
            "participants": "unknown_person",
        }
        with pytest.raises(Invalid) as caught:
            agendas.agenda_create(
                actor=org.principal,
                data=body(org, meets_at="besok pagi", items=[{"parties": "CV Maju"}], participants=[]),
            )
        assert {k: p.code for k, p in caught.value.fields.items()} == {
            "meets_at": "bad_datetime",
            "items.0.title": "required",
            "items.0.parties": "not_list",
            "participants": "empty_list",
        }
    assert not Agenda.objects.exists()


def test_who_may_publish(org):
    with time_machine.travel(NOW, tick=False):
        for person in (org.teacher, org.school_team, org.district_team):
            agendas.agenda_create(actor=person, data=body(org))
        for person in (org.kabid, org.outsider):
            with pytest.raises(Forbidden):
                agendas.agenda_create(actor=person, data=body(org))
    assert Agenda.objects.count() == 3


def test_minutes_list_who_recused_from_what_without_reasons(org):
    agenda = publish(org)
    first, second = agenda.items.order_by("order")
    with time_machine.travel(NOW, tick=False):
        agendas.agenda_state(
            agenda=agenda,
            item_id=first.pk,
            actor=org.vice,
            data={"conflict": True, "reason": "RAHASIA-ALASAN"},
        )
        agendas.agenda_state(agenda=agenda, item_id=first.pk, actor=org.teacher, data={"conflict": False})
    data = agendas.minutes(agenda)
    row1, row2 = data["items"]
    assert [p.username for p in row1["recused"]] == ["vice"]
    assert [p.username for p in row1["no_conflict"]] == ["teacher"]
    assert [p.username for p in row1["silent"]] == ["principal"]
    assert row2["recused"] == [] and len(row2["silent"]) == 3
    pdf = documents.minutes_pdf(agenda, org.school_team)
    assert pdf.startswith(b"%PDF")
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "NOTULEN" in text.upper() and "Penetapan pemenang pengadaan seragam" in text and "Vice" in text
    assert "RAHASIA" not in text
