"""Prevention mails read their dates in each reader's language and in the unit's zone (the core's
``timefmt``, under the reader's language), like the cases' mails."""

from __future__ import annotations

import datetime as dt

import pytest

from integritas.notify.models import OutboxMessage
from integritas.prevention.notices import tell
from tests.factories import make_person

pytestmark = pytest.mark.django_db


def test_each_reader_gets_the_dates_in_their_language_and_the_units_zone():
    english = make_person("reader.en", language="en")
    indonesian = make_person("reader.id", language="id")
    due = dt.datetime(2026, 9, 2, 16, 59, tzinfo=dt.UTC)  # 23:59 in Jakarta, 01:59 the next day in Jayapura
    context = {"reference": "GR-2026-000001", "unit": "SMPN1", "due": due, "zone": "Asia/Jakarta"}
    tell([english, indonesian], "gratification_due_soon", role="team", path="/gratifikasi/", context=context)
    mail = {m.language: m for m in OutboxMessage.objects.all()}
    assert "Wednesday, 2 September 2026 at 23:59 WIB" in mail["en"].subject
    assert "Rabu, 2 September 2026 pukul 23.59 WIB" in mail["id"].subject
    assert "Rabu" in mail["id"].body_text and "Wednesday" in mail["en"].body_text

    OutboxMessage.objects.all().delete()
    tell(
        [english],
        "gratification_due_soon",
        role="team",
        path="/gratifikasi/",
        context={**context, "zone": "Asia/Jayapura"},
    )
    (east,) = OutboxMessage.objects.all()
    assert "Thursday, 3 September 2026 at 01:59 WIT" in east.subject


PREVENTION_KINDS = [
    "declaration_reminder",
    "conflict_assigned",
    "conflict_overdue",
    "conflict_decided",
    "gratification_new",
    "gratification_due_soon",
    "gratification_overdue",
    "gratification_settled",
    "agenda_invited",
    "agenda_warning",
]
SAMPLE = {
    "reference": "GR-2026-000001",
    "year": "2026",
    "title": "Budget <2027>",
    "unit": "SMPN1",
    "meets": "Monday",
    "due": "Friday",
    "received": "Tuesday",
    "measure": "Recusal",
    "outcome": "Returned",
    "decision_kind": "Procurement",
    "link": "http://127.0.0.1:8000/x/",
    "recipient_name": "Ann",
}


@pytest.mark.parametrize("kind", PREVENTION_KINDS)
def test_each_prevention_mail_is_a_template_pair_rendered_like_the_case_mails(kind):
    """One rendering path: ``notify/<kind>.txt`` and ``.html`` in the reader's language, one footer."""
    from integritas.notify.render import render

    for language, greeting, footer in (
        ("en", "Dear Ann,", "Declarations, reports and reasons can only be read in the application."),
        ("id", "Yth. Ann,", "Isi deklarasi, laporan dan alasan hanya dapat dilihat di dalam aplikasi."),
    ):
        mail = render(kind, language, SAMPLE)
        assert mail.subject.startswith("[Integritas] ")
        assert mail.text.startswith(greeting) and footer in mail.text and footer in mail.html
        assert "http://127.0.0.1:8000/x/" in mail.text and 'href="http://127.0.0.1:8000/x/"' in mail.html
        assert "%(" not in mail.text + mail.subject and "{{" not in mail.text + mail.html
        assert "<2027>" not in mail.html  # what people typed is escaped in HTML
