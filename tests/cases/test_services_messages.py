"""Messages between the handlers and the reporter (SPEC §3): the rules live in the services, so the
pages and the API cannot differ. A closed case takes no reporter message; files written for a
refused message are removed."""

from __future__ import annotations

import pytest

from integritas.cases import services
from integritas.cases.evidence import check_files
from integritas.cases.models import Evidence, Message, Sender, Via
from integritas.errors import Forbidden, Invalid, WrongState
from integritas.vault import storage
from tests.cases.chain import NOW, event_names, in_examination
from tests.factories import pdf_upload, reload

pytestmark = pytest.mark.django_db


def closed(org):
    case = in_examination(org)
    services.case_examine(
        case=case, actor=org.vice, conclusion="unfounded", findings="Tidak terbukti", via=Via.API, now=NOW
    )
    return reload(case)


def stored_names() -> set[str]:
    return set(Evidence.objects.values_list("storage_name", flat=True))


def test_the_reporter_writes_with_a_file_while_the_case_is_open(org):
    case = in_examination(org)
    files = check_files([pdf_upload("kuitansi.pdf")], max_upload_mb=5)
    message = services.reporter_message(case=case, text="Ini kuitansinya.", files=files, now=NOW)
    assert message.sender == Sender.REPORTER and message.author is None
    assert Evidence.objects.filter(case=case, message=message).count() == 1
    assert event_names(case)[-1] == "message_from_reporter"


def test_a_closed_case_takes_no_reporter_message(org, monkeypatch):
    case = closed(org)
    before = stored_names()
    deleted: list[str] = []
    real_delete = storage.delete
    monkeypatch.setattr(storage, "delete", lambda name: (deleted.append(name), real_delete(name)))
    files = check_files([pdf_upload("terlambat.pdf")], max_upload_mb=5)
    with pytest.raises(WrongState) as refused:
        services.reporter_message(case=case, text="Saya tidak setuju.", files=files, now=NOW)
    assert refused.value.code == "case_closed"
    assert not Message.objects.filter(case=case).exists()
    assert stored_names() == before and deleted == []  # refused before anything was written


@pytest.mark.parametrize("text", ["", "   ", None])
def test_the_reporter_writes_something_or_sends_a_file(org, text):
    case = in_examination(org)
    with pytest.raises(Invalid) as refused:
        services.reporter_message(case=case, text=text, now=NOW)  # type: ignore[arg-type]
    assert refused.value.fields["text"].code == "message_or_file"


def test_handlers_and_the_team_write_to_the_reporter_others_may_not(org):
    case = in_examination(org)
    services.case_message(case=case, actor=org.vice, text="Mohon kirim SK.", via=Via.API, now=NOW)
    services.case_message(case=case, actor=org.district_team, text="Dari Tim.", via=Via.API, now=NOW)
    for outsider in (org.principal, org.outsider):
        with pytest.raises(Forbidden) as refused:
            services.case_message(case=case, actor=outsider, text="x", via=Via.API, now=NOW)
        assert refused.value.params["reason"] == "handler_or_team_only"
    assert list(Message.objects.filter(case=case).values_list("author__username", "author_title")) == [
        ("vice", "Wakil Kepala Sekolah"),
        ("districtteam", ""),
    ]


def test_nobody_writes_on_a_closed_case(org):
    case = closed(org)
    with pytest.raises(WrongState):
        services.case_message(case=case, actor=org.school_team, text="x", via=Via.API, now=NOW)


@pytest.mark.parametrize("text", ["", "a\x00b", "x" * 20001])
def test_bad_message_text_names_the_field(org, text):
    case = in_examination(org)
    with pytest.raises(Invalid) as refused:
        services.case_message(case=case, actor=org.vice, text=text, via=Via.API, now=NOW)
    assert set(refused.value.fields) == {"text"}
    assert refused.value.fields["text"].code in {"required", "nul_character", "too_long"}
