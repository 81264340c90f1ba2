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
