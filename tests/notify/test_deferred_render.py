"""Mail rendered when it is sent (``defer``) reads exactly as mail rendered when it was queued: for
every kind of mail, in both languages, through the outbox worker and a real SMTP server; and the
row of a deferred mail holds no body, a reporter's none of their contact in clear."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from integritas.cases.models import Case, Event, EventKind, Status
from integritas.notify import events, outbox
from integritas.notify.models import Notice, OutboxMessage, Role
from integritas.notify.outbox import deliver
from integritas.notify.render import TEMPLATE_DIR, NotPlain, plain, render, render_subject
from tests.factories import submit

pytestmark = pytest.mark.django_db

KINDS = sorted(
    path.stem
    for path in (TEMPLATE_DIR / "notify").glob("*.txt")
    if not path.stem.startswith("_") and path.with_suffix(".html").exists()
)
REPORTER_KINDS = [k for k in KINDS if k.startswith("reporter_") and k != "reporter_replied"]
NAMES = ["Budi", "<b>Bu & \"Di\"</b> 'x'", "  spaced   name ", "王小明"]


def _extras() -> dict:
    """What the kinds beyond a case's own context ask for (missing ones render empty either way)."""
    return {
        "role": Role.HANDLER,
        "reason": EventKind.ESCALATED_OVERDUE,
        "missed_title": "Kepala <Sekolah> & Wakil",
        "escalating": True,
        "entered_unit": "Dinas Pendidikan",
        "note": "Laporan diteruskan.",
        "written": True,
        "items": [{"title": "Rapat & <anggaran>", "when": "Senin"}],
    }


def _pair(smtp, address: str) -> tuple:
    received = smtp.to(address)
    assert len(received) == 2, [r.subject for r in received]
    return received[0], received[1]


def test_every_kind_has_templates():
    assert {"assigned", "overdue", "team_entered", "reporter_ack", "reporter_status"} <= set(KINDS)


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_staff_kind_reads_the_same_rendered_when_sent(smtp, org, language):
    case = submit(org.school, org.p_teacher).case
    deliver()
    person = org.principal
    person.language = language
    context = {**events.context_for(case, language), **_extras(), "status": Status(case.status)}
    for kind in KINDS:
        for name in NAMES:
            person.name = name
            smtp.clear()
            with transaction.atomic():
                now_subjects = outbox.queue_staff_many([(person, kind, Role.HANDLER, context)], case=case)
                later_subjects = outbox.queue_staff_many(
                    [(person, kind, Role.HANDLER, context)], case=case, defer=True
                )
            eager_row, later_row = OutboxMessage.objects.order_by("-pk")[:2][::-1]
            assert eager_row.context is None and eager_row.body_text
            assert later_row.context is not None and later_row.body_text == "" == later_row.body_html
            # The in-app notice says the same either way.
            assert now_subjects == later_subjects
            assert [n.text for n in Notice.objects.order_by("-pk")[:2]] == later_subjects * 2
            assert deliver().sent == 2
            now, later = _pair(smtp, person.email)
            assert now.message_id != later.message_id
            assert (later.subject, later.text, later.html) == (now.subject, now.text, now.html), (kind, name)
            assert now.text.strip() and now.html.strip()


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_reporter_kind_reads_the_same_rendered_when_sent(smtp, org, language, monkeypatch):
    case = submit(org.school, org.p_teacher).case
    case = Case.objects.select_related("unit").get(pk=case.pk)
    # Intake keeps no language for a reporter (they read Indonesian); English is rendered all the same.
    contact = outbox.reporter_contact
    monkeypatch.setattr(outbox, "reporter_contact", lambda c: (*contact(c)[:2], language))
    deliver()
    event = Event.objects.filter(case=case).order_by("-pk").first()
    context = {**events.reporter_context(case, event, language), **_extras()}
    for kind in REPORTER_KINDS:
        smtp.clear()
        with transaction.atomic():
            outbox.queue_reporter(case=case, kind=kind, context=context)
            outbox.queue_reporter(case=case, kind=kind, context=context, defer=True)
        later_row = OutboxMessage.objects.order_by("-pk").first()
        assert later_row.context is None and later_row.sealed  # the context is sealed with the address
        assert deliver().sent == 2
        now, later = _pair(smtp, "siti@example.net")
        assert (later.subject, later.text, later.html) == (now.subject, now.text, now.html), kind
        assert "Siti" not in later.everything


def test_a_deferred_reporter_mail_keeps_nothing_readable_at_rest(smtp, org):
    # Intake queues its mail deferred: the reporter's address and the case's words only sealed.
    submit(org.school, org.p_teacher)
    deferred = OutboxMessage.objects.exclude(context=None)
    assert deferred.exists() and not deferred.filter(recipient_role=Role.REPORTER).exists()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {OutboxMessage._meta.db_table}")
        dump = repr(cursor.fetchall()).lower()
    for needle in ("siti", "aminah", "example.net", "adik terlapor"):
        assert needle not in dump
    assert deliver().sent == 3
    assert not OutboxMessage.objects.exclude(context=None).exists()  # wiped once delivered


def test_only_what_json_keeps_is_deferred(smtp, org):
    import datetime as dt

    assert plain({"a": [1, "x", None, True], "s": Status.REVIEW}) == {
        "a": [1, "x", None, True],
        "s": "review",
    }
    for value in (dt.date(2026, 1, 1), (1, 2), 1.5, {1: "x"}, lambda: "x"):
        with pytest.raises(NotPlain):
            plain({"v": value})
    # A context JSON cannot keep is rendered when queued, as before.
    case = submit(org.school, org.p_teacher).case
    context = {**events.context_for(case, "id"), "when": dt.date(2026, 1, 1)}
    outbox.queue_staff_many([(org.principal, "assigned", Role.HANDLER, context)], case=case, defer=True)
    row = OutboxMessage.objects.order_by("-pk").first()
    assert row.context is None and row.body_text


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_subject_rendered_alone_is_the_subject_of_the_whole_rendering(language):
    """A notice's text comes from the template's first line alone: for every kind the same subject,
    also when a value is empty or brings line breaks of its own."""
    base = {**_extras(), "reference": "BK-2026-000001", "stage": "pemeriksaan", "status": "review"}
    contexts = [
        base,
        {},
        {k: f"\n\n{v}" if isinstance(v, str) else v for k, v in base.items()},
        {k: f"{v}\nsecond line" if isinstance(v, str) else v for k, v in base.items()},
        {**base, "title": "\n", "reference": "", "status": "triage", "count": 3, "year": 2026},
    ]
    for kind in KINDS:
        for context in contexts:
            whole = render(kind, language, {**context, "recipient_name": "Budi"}).subject
            assert render_subject(kind, language, {**context, "recipient_name": "Budi"}) == whole, (
                kind,
                context,
            )


@pytest.mark.parametrize("language", ["id", "en"])
def test_recipients_sharing_a_subject_each_get_the_subject_rendered_alone(org, language):
    """One event told to several people (roles, names) renders a subject once where the values its
    line shows are the same; each notice still reads what rendering for that person alone gives."""
    case = submit(org.school, org.p_teacher).case
    context = {**events.context_for(case, language), **_extras()}
    people = [org.principal, org.vice, org.kabid, org.kadis]
    for person, name in zip(people, NAMES, strict=True):
        person.language, person.name = language, name
    for kind in KINDS:
        items = [
            (p, kind, role, {**context, "role": role, "reference": ref, "status": status})
            for p in people
            for role in (Role.HANDLER, Role.TEAM)
            for ref, status in (
                (case.reference, Status.TRIAGE),
                ("BK-2026-999999", Status.REVIEW),
                # References a subject shared between cases cannot hold as they are: rendered alone.
                ("", Status.TRIAGE),
                ("BK 2026  7", Status.REVIEW),
                ("<b>&amp;</b>", Status.EXAMINATION),
                ("BK-" + "9" * 300, Status.TRIAGE),
                ("BK-\ue001", Status.TRIAGE),
            )
        ]
        subjects = outbox.queue_staff_many(items, case=case, defer=True)
        alone = [
            render(kind, language, {**c, "recipient_name": p.display_name}).subject for p, _, _, c in items
        ]
        assert subjects == alone, kind


def test_a_due_instant_is_written_in_each_language_and_zone_of_its_own():
    """``format_local`` keeps what it wrote per instant, zone and language: asking in another language
    or zone, or for an equal instant given in another zone, reads as ``timefmt.spoken`` does."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from django.utils import translation

    from integritas import timefmt
    from integritas.notify.render import format_local

    when = dt.datetime(2026, 8, 17, 16, 59, tzinfo=dt.UTC)
    seen = set()
    for _ in range(2):
        for language in ("id", "en"):
            for zone in ("Asia/Jakarta", "Asia/Jayapura"):
                for instant in (when, when.astimezone(ZoneInfo("Asia/Makassar"))):
                    with translation.override(language):
                        written = format_local(instant, zone)
                        assert written == timefmt.spoken(when, ZoneInfo(zone))
                    seen.add(written)
    assert len(seen) == 4
    assert format_local(None, "Asia/Jakarta") == ""
