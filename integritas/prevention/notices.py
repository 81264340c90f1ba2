"""Who hears what about prevention, through the same outbox and in-app notices as cases.

- The handler (direct superior) of a self-declared conflict when it reaches them; on a missed deadline
  the handler and the team (the next superior hears from the assignment when the sweep moves it up);
  the declarer when a measure is decided.
- The team of the recipient's unit for each new gratification report, a few working days before its
  deadline to reach the KPK, and once when it is overdue; the recipient when the outcome is recorded.
- The participants of a decision agenda when it is published; a participant whose declarations match
  an item's parties, and the team, are warned.
- Whoever has not filed the annual declaration of interests: the yearly reminder in January and the
  reminders the team sends.

Mail carries references, units, dates and kinds only: never a declared party, a giver, a reason or a
description (those stay inside the application). Written inside the caller's transaction, like the
cases' notifications, so a message exists if and only if the change does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.template import Context, Engine
from django.utils import translation
from django.utils.translation import gettext as _

from integritas.notify.models import Notice, OutboxMessage
from integritas.notify.outbox import _ready_at
from integritas.notify.render import TEMPLATE_DIR, format_date, format_local, language_of, public_url
from integritas.orgs.models import Person

HERE = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=1)
def _html_engine() -> Engine:
    return Engine(dirs=[str(HERE), str(TEMPLATE_DIR)], autoescape=True)


def _paragraphs(kind: str, c: dict[str, Any]) -> tuple[str, list[str], str]:
    """(subject, paragraphs, button) in the active language."""
    text: dict[str, Callable[[], tuple[str, list[str], str]]] = {
        "declaration_reminder": lambda: (
            _("Please file your declaration of interests for %(year)s") % c,
            [
                _(
                    "Every member of staff files a declaration of interests each year: the interests "
                    "that could conflict with their duties (relatives, businesses, organisations, other "
                    "jobs), or that they have none."
                ),
                _("Your annual declaration for %(year)s has not been filed yet. It takes a few minutes.") % c,
            ],
            _("File my declaration"),
        ),
        "conflict_assigned": lambda: (
            _("Self-declared conflict %(reference)s awaits your decision on a measure") % c,
            [
                (
                    _(
                        "The deadline at the level below was missed, so this self-declared conflict "
                        "comes to you with a fresh deadline."
                    )
                    if c.get("reason") == "escalated_overdue"
                    else _(
                        "An official declared an actual or potential conflict of interest in a "
                        "decision and asks you, as their superior, to decide a control measure."
                    )
                ),
                _(
                    "The decision (%(decision_kind)s) is suspended until you decide: recusal, "
                    "reassignment, restricted access, divestment, or that there is no conflict."
                )
                % c,
                _("Decide by %(due)s.") % c,
            ],
            _("Open the self-declaration"),
        ),
        "conflict_overdue": lambda: (
            _("Deadline missed: self-declared conflict %(reference)s") % c,
            [
                _("No measure was decided on self-declared conflict %(reference)s by %(due)s.") % c,
                _("It goes up to the next superior with a fresh deadline.")
                if c.get("escalating")
                else _("There is nobody higher up the chain: the COI handling team should follow it up."),
            ],
            _("Open the self-declaration"),
        ),
        "conflict_decided": lambda: (
            _("A measure was decided on your self-declaration %(reference)s") % c,
            [_("Measure: %(measure)s.") % c, _("The decision may go ahead as the measure says.")],
            _("Open the self-declaration"),
        ),
        "gratification_new": lambda: (
            _("New gratification report %(reference)s") % c,
            [
                _("A member of staff of %(unit)s reported a gratification received on %(received)s.") % c,
                _(
                    "If it must be reported to the KPK, it has to reach the KPK by %(due)s "
                    "(30 working days after receipt)."
                )
                % c
                if c.get("reportable")
                else _("Its value is within the limit in force: it need not be reported to the KPK."),
                _(
                    "Record what happened to it (forwarded, returned, handed to the state, kept) in the application."
                ),
            ],
            _("Open the report"),
        ),
        "gratification_due_soon": lambda: (
            _("Gratification report %(reference)s must reach the KPK by %(due)s") % c,
            [
                _("The gratification report %(reference)s of %(unit)s has no recorded outcome yet.") % c,
                _("The legal limit to report it to the KPK ends on %(due)s.") % c,
            ],
            _("Open the report"),
        ),
        "gratification_overdue": lambda: (
            _("Gratification report %(reference)s is past its deadline") % c,
            [
                _(
                    "The 30 working days to report the gratification %(reference)s of %(unit)s to the "
                    "KPK ended on %(due)s and no outcome is recorded."
                )
                % c
            ],
            _("Open the report"),
        ),
        "gratification_settled": lambda: (
            _("Outcome recorded for your gratification report %(reference)s") % c,
            [_("Outcome: %(outcome)s.") % c],
            _("Open the report"),
        ),
        "agenda_invited": lambda: (
            _("Decision agenda: %(title)s, %(meets)s") % c,
            [
                _(
                    "You are a participant of the decision-making meeting “%(title)s” of %(unit)s on %(meets)s."
                )
                % c,
                _(
                    "Before the meeting, state for each item that you have no conflict of interest, "
                    "or withdraw from the item (recusal) with a reason."
                ),
            ],
            _("Open the agenda"),
        ),
        "agenda_warning": lambda: (
            _("Possible conflict of interest on the agenda “%(title)s”") % c,
            [
                _(
                    "A party concerned by an item of this agenda matches a related party in your "
                    "declarations of interests."
                )
                if c.get("mine")
                else _(
                    "A party concerned by an item of this agenda matches a related party in a "
                    "participant's declarations of interests."
                ),
                _("Check the item on the agenda page before the meeting on %(meets)s.") % c,
            ],
            _("Open the agenda"),
        ),
    }
    return text[kind]()


FOOTER = {
    "id": "Pesan ini dikirim otomatis oleh Integritas. Isi deklarasi, laporan dan alasan hanya dapat "
    "dilihat di dalam aplikasi. Jangan membalas e-mail ini.",
    "en": "This message was sent automatically by Integritas. Declarations, reports and reasons can only "
    "be read in the application. Do not reply to this e-mail.",
}


def _values(context: dict[str, Any], language: str) -> dict[str, Any]:
    """Dates in the reader's language and the unit's zone; lazy words in the active language."""
    zone = str(context.get("zone") or "Asia/Jakarta")
    out: dict[str, Any] = {}
    for key, value in context.items():
        if isinstance(value, dt.datetime):
            out[key] = format_local(value, zone)
        elif isinstance(value, dt.date):
            out[key] = format_date(value)
        elif isinstance(value, bool | int):
            out[key] = value
        else:
            out[key] = str(value)
    return out


def tell(
    people: Iterable[Person],
    kind: str,
    *,
    role: str,
    path: str,
    context: dict[str, Any],
    at: dt.datetime | None = None,
) -> int:
    """A notice in the application and (with an address) an e-mail for each person, in their language."""
    when = _ready_at(at)
    sent = 0
    seen: set[int] = set()
    for person in people:
        if person.pk in seen or not person.is_active:
            continue
        seen.add(person.pk)
        language = language_of(person.language)
        with translation.override(language):
            subject, paragraphs, button = _paragraphs(kind, _values(context, language))
            greeting = _("Dear %(name)s,") % {"name": person.display_name}
        subject = "[Integritas] " + " ".join(subject.split())
        link = public_url(path)
        body = "\n\n".join([greeting, *paragraphs, f"{button}: {link}", "--\n" + FOOTER[language]]) + "\n"
        html = (
            _html_engine()
            .get_template("prevention/mail.html")
            .render(
                Context(
                    {
                        "language": language,
                        "subject": subject,
                        "greeting": greeting,
                        "paragraphs": paragraphs,
                        "button": button,
                        "link": link,
                        "footer": FOOTER[language],
                    }
                )
            )
        )
        Notice.objects.create(
            person=person, kind=kind[:32], text=subject[:500], link=path[:500], created_at=when
        )
        if person.email:
            OutboxMessage.objects.create(
                kind=kind[:32],
                recipient_role=role[:16],
                recipient=person,
                language=language,
                to_address=person.email,
                subject=subject[:255],
                body_text=body,
                body_html=html.strip() + "\n",
                next_attempt_at=when,
                created_at=when,
            )
        sent += 1
    return sent
