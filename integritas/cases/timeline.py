"""History rows in words: one rendering of the event data for every interface (the reporter's
timeline on the pages and in the API, the staff history, the e-mails), in the active language.

Nothing here reads words back: the rows hold codes and references (``Event.kind``, ``actor_role``,
``to_position`` / ``to_team``, ``follow_up``, ``data``); ``note`` is only ever shown as written.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from integritas.cases.models import (
    HANDOVER_KINDS,
    REPORTER_KINDS,
    REPORTER_NOTES,
    ActorRole,
    Case,
    Event,
    EventKind,
    Via,
    team_title,
)
from integritas.orgs.models import Position, Unit
from integritas.timefmt import day_long

RELATED = ("actor_position", "actor_team", "to_position", "to_team", "follow_up")

# The review results as the reporter reads them.
REVIEW_SENTENCES = {
    EventKind.REVIEWED_REVOKE: gettext_lazy(
        "Review result: the decision is revoked. The conflict-of-interest handling team "
        "supervises the follow-up."
    ),
    EventKind.REVIEWED_AMEND: gettext_lazy(
        "Review result: the decision is amended. The conflict-of-interest handling team "
        "supervises the follow-up."
    ),
    EventKind.REVIEWED_REASSIGN: gettext_lazy(
        "Review result: the decision is taken again by another official. The "
        "conflict-of-interest handling team supervises the follow-up."
    ),
    EventKind.REVIEWED_UPHOLD: gettext_lazy(
        "Review result: the decision stays in force, with measures against the conflict "
        "of interest. The conflict-of-interest handling team supervises the follow-up."
    ),
}


def events_for_reporter(case: Case) -> QuerySet[Event]:
    """What the reporter's timeline shows, oldest first."""
    return (
        Event.objects.filter(case=case, kind__in=REPORTER_KINDS).select_related(*RELATED).order_by("at", "id")
    )


def events_for_staff(case: Case) -> QuerySet[Event]:
    return Event.objects.filter(case=case).select_related(*RELATED).order_by("at", "id")


def handler_label(position: Position | None, team: Unit | None) -> str:
    """A position's title, or a unit's COI handling team."""
    if position is not None:
        return position.title
    if team is not None:
        return team_title(team.name)
    return _("the official responsible")


def current_handler(case: Case) -> str | None:
    """Who handles an open case now, as anyone may know it (a position's title or a team)."""
    if not case.is_open or (case.handler_position is None and case.handler_team is None):
        return None
    return handler_label(case.handler_position, case.handler_team)


def actor_label(event: Event) -> str:
    """Who acted: a position's title, a team, "System" or "Reporter" (never a person's name)."""
    if event.actor_role == ActorRole.POSITION:
        return event.actor_position.title if event.actor_position is not None else _("Officer")
    if event.actor_role == ActorRole.TEAM and event.actor_team is not None:
        return capfirst(team_title(event.actor_team.name))
    if event.actor_role in ActorRole.values:
        return str(ActorRole(event.actor_role).label)
    return ""


def went_to(event: Event) -> str:
    return handler_label(event.to_position, event.to_team)


def _follow_up_title(event: Event) -> str:
    if event.follow_up is not None:
        return event.follow_up.title
    return str(event.data.get("title", ""))


def sentence(event: Event) -> str:
    """One line of the reporter's timeline (the same line every interface shows the reporter)."""
    who = {"handler": went_to(event)}
    kind = event.kind
    if kind == EventKind.SUBMITTED:
        return _("Report received.")
    if kind == EventKind.TRIAGE:
        return _("Report passed to %(handler)s to determine the official responsible.") % who
    if kind == EventKind.TRIAGED:
        return _("The team determined the official responsible for examining the report.")
    if kind == EventKind.ROUTED:
        return _("Report passed to %(handler)s for examination.") % who
    if kind == EventKind.EXAMINED_FOUNDED:
        return _("Examination result: the report is proven. The decision is reviewed by %(handler)s.") % who
    if kind == EventKind.EXAMINED_UNFOUNDED:
        return _("Examination result: the report is not proven; the decision stays in force. Reasons:")
    if kind in REVIEW_SENTENCES:
        return str(REVIEW_SENTENCES[EventKind(kind)])
    if kind == EventKind.ESCALATED:
        return _("The review was passed up to %(handler)s.") % who
    if kind == EventKind.ESCALATED_OVERDUE:
        return _("The deadline passed; the report was passed up to %(handler)s.") % who
    if kind == EventKind.OVERDUE:
        return _("The handling deadline passed.")
    if kind == EventKind.RECUSED:
        return _("The handler withdrew from the report (recusal); it is now handled by %(handler)s.") % who
    if kind == EventKind.FOLLOW_UP_ADDED:
        title = _follow_up_title(event)
        if event.follow_up is not None:
            return _("Follow-up action set: %(title)s (due %(date)s).") % {
                "title": title,
                "date": day_long(event.follow_up.due_date),
            }
        return _("Follow-up action set: %(title)s.") % {"title": title}
    if kind == EventKind.FOLLOW_UP_DONE:
        if title := _follow_up_title(event):
            return _("Follow-up action completed: %(title)s.") % {"title": title}
        return _("A follow-up action was completed.")
    if kind == EventKind.FOLLOW_UP_CANCELLED:
        if title := _follow_up_title(event):
            return _("Follow-up action cancelled: %(title)s.") % {"title": title}
        return _("A follow-up action was cancelled.")
    if kind == EventKind.CLOSED:
        return _("The handling of the report is finished.")
    return _("The report was updated.")


def notice_sentence(event: Event) -> str:
    """The line alone, for a notice that carries none of what a person wrote (the reporter's e-mail)."""
    if event.kind == EventKind.EXAMINED_UNFOUNDED:
        return _("Examination result: the report is not proven; the decision stays in force.")
    return sentence(event)


def reporter_text(event: Event) -> str | None:
    """What a person wrote that the reporter reads with this line (the reasons, the summary)."""
    return (event.note or None) if event.kind in REPORTER_NOTES else None


def reporter_note(event: Event) -> str:
    """The line and the text the reporter reads, in one piece (API timeline, e-mail)."""
    text = reporter_text(event)
    return f"{sentence(event)} {text}" if text else sentence(event)


def label(event: Event) -> str:
    """The short name of what happened (the staff history)."""
    if event.kind in EventKind.values:
        return str(EventKind(event.kind).label)
    return event.kind


def detail(event: Event) -> str:
    """The references of a row in words, for staff: where the case went, which follow-up action,
    which position was named, how the statement was made. Never what a person wrote."""
    if event.kind in HANDOVER_KINDS and (event.to_position_id or event.to_team_id):
        return _("To: %(handler)s") % {"handler": went_to(event)}
    if event.kind == EventKind.FOLLOW_UP_ADDED and event.follow_up is not None:
        return _("%(title)s (due %(date)s)") % {
            "title": event.follow_up.title,
            "date": day_long(event.follow_up.due_date),
        }
    if event.kind in (EventKind.FOLLOW_UP_DONE, EventKind.FOLLOW_UP_CANCELLED):
        return _follow_up_title(event)
    if event.kind == EventKind.TRIAGED:
        position = Position.objects.filter(pk=event.data.get("subject_position")).first()
        if position is not None:
            return _("Reported official: %(position)s") % {"position": f"{position.title} ({position.code})"}
    if event.kind == EventKind.NO_CONFLICT_CONFIRMED and event.data.get("via") == Via.API:
        return _("Stated through the API, when the case was first opened there.")
    return ""


def history_note(event: Event) -> str | None:
    """The ``note`` of the API's history item: what a person wrote, else the row in words."""
    if event.note:
        return event.note
    if event.kind in REPORTER_KINDS:
        return sentence(event)
    return detail(event) or None
