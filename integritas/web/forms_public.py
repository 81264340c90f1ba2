"""The public portal's forms and words: what the report form sends to ``validate_report``, how the
problems it names become messages next to the fields, and the labels of categories, decision kinds,
statuses and timeline events in the visitor's language."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.http import QueryDict
from django.utils import dateformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from integritas.cases.models import CATEGORIES, DECISION_KINDS
from integritas.cases.tracking import Handler, TimelineItem
from integritas.orgs.models import Unit

NOT_LISTED = "-"  # the position <select> value for "not in the list"

CATEGORY_TEXT = {
    "affiliation": (
        gettext_lazy("Affiliation (personal or group)"),
        gettext_lazy("The official favours a relative, a friend or their own group."),
    ),
    "gratification": (
        gettext_lazy("Gratification"),
        gettext_lazy("A gift, money or a facility given because of the official's position."),
    ),
    "side_job": (
        gettext_lazy("Additional work"),
        gettext_lazy(
            "Another job or business that clashes with the official's duties, e.g. paid private "
            "lessons for their own pupils."
        ),
    ),
    "insider_information": (
        gettext_lazy("Insider information"),
        gettext_lazy("Information that is not public used for the official's own gain or someone else's."),
    ),
    "procurement": (
        gettext_lazy("Interest in the procurement of goods"),
        gettext_lazy("The official or someone close to them gains from a purchase of goods or services."),
    ),
    "family_community": (
        gettext_lazy("Family and community demands"),
        gettext_lazy("Pressure from family or community to favour certain people."),
    ),
    "external_position": (
        gettext_lazy("Position in another organisation"),
        gettext_lazy(
            "A role in another organisation (a foundation, a company, a committee) that affects the decision."
        ),
    ),
    "previous_position": (
        gettext_lazy("Intervention from a previous position"),
        gettext_lazy("Interference from, or on behalf of, the official's former position."),
    ),
    "concurrent_position": (
        gettext_lazy("Holding several positions at once"),
        gettext_lazy("One person holds two positions that supervise or decide on each other."),
    ),
    "other": (
        pgettext_lazy("category", "Other"),
        gettext_lazy("Another kind of conflict of interest: explain it in the chronology."),
    ),
}
assert set(CATEGORY_TEXT) == set(CATEGORIES)

KIND_TEXT = {
    "admission": gettext_lazy("Admission of new pupils (PPDB)"),
    "procurement": gettext_lazy("Procurement of goods or services"),
    "staffing": gettext_lazy("Staffing (appointments, transfers, duties)"),
    "grading": gettext_lazy("Grading and assessment of pupils"),
    "school_fund": gettext_lazy("Use of school funds (e.g. BOS)"),
    "other": pgettext_lazy("decision kind", "Other"),
}
assert set(KIND_TEXT) == set(DECISION_KINDS)

# Accepted evidence, as people know the formats (the server decides by content: vault.filetypes).
EVIDENCE_TYPES = "PDF, Word, Excel, PowerPoint, OpenDocument, JPEG, PNG, GIF, WebP, MP3, WAV, OGG, M4A, MP4, WebM, 3GP, AVI"

TEXT_FIELDS = (
    "position", "subject_name", "subject_description",
    "decision_title", "decision_number", "decision_date", "decision_kind",
    "description",
    "reporter_name", "reporter_email", "reporter_phone", "reporter_nik", "reporter_relation",
)  # fmt: skip
# Form order: the error summary lists problems in the order of the fields on the page.
FIELD_ORDER = (
    "position", "subject_name", "subject_description",
    "decision_title", "decision_number", "decision_date", "decision_kind",
    "categories", "description", "evidence",
    "reporter_name", "reporter_email", "reporter_phone", "reporter_nik", "reporter_relation",
    "anonymous", "good_faith", "__all__",
)  # fmt: skip
# Names used by validate_report / check_files → the field on the page.
FIELD_OF = {
    "subject": "position",
    "subject.position": "position",
    "subject.name": "subject_name",
    "subject.description": "subject_description",
    "decision": "decision_title",
    "decision.title": "decision_title",
    "decision.number": "decision_number",
    "decision.date": "decision_date",
    "decision.kind": "decision_kind",
    "categories": "categories",
    "description": "description",
    "evidence": "evidence",
    "reporter": "reporter_name",
    "reporter.name": "reporter_name",
    "reporter.email": "reporter_email",
    "reporter.phone": "reporter_phone",
    "reporter.nik": "reporter_nik",
    "reporter.relation": "reporter_relation",
    "anonymous": "anonymous",
    "good_faith": "good_faith",
}


def field_id(name: str) -> str:
    """The id of a field's control (the error summary links to it)."""
    if name == "categories":
        return "cat-" + CATEGORIES[0]
    return "f-" + name.replace("_", "-")


# ---------------------------------------------------------------- the report form


def report_values(post: QueryDict) -> dict[str, Any]:
    """What the visitor typed, exactly, to fill the form again after an error."""
    values: dict[str, Any] = {name: post.get(name, "") for name in TEXT_FIELDS}
    values["categories"] = [c for c in post.getlist("categories") if c in CATEGORIES]
    values["anonymous"] = post.get("anonymous") == "1"
    values["good_faith"] = post.get("good_faith") == "1"
    return values


def report_data(unit: Unit, values: dict[str, Any]) -> dict[str, Any]:
    """The report JSON of API.md, from the form."""
    position = values["position"].strip()
    subject: dict[str, Any] | None
    if not position:
        subject = None
    elif position == NOT_LISTED:
        subject = {"name": values["subject_name"], "description": values["subject_description"]}
    else:
        subject = {"position": position}
    anonymous = bool(values["anonymous"])
    reporter: dict[str, Any] | None = {
        "name": values["reporter_name"],
        "email": values["reporter_email"],
        "phone": values["reporter_phone"],
        "nik": values["reporter_nik"].replace(" ", ""),
        "relation": values["reporter_relation"],
    }
    if anonymous and unit.effective_policy.get("allow_anonymous"):
        reporter = None  # anonymous means what it says: nothing typed above is kept
    return {
        "unit": unit.code,
        "subject": subject,
        "decision": {
            "title": values["decision_title"],
            "number": values["decision_number"],
            "date": values["decision_date"],
            "kind": values["decision_kind"],
        },
        "categories": list(values["categories"]),
        "description": values["description"],
        "reporter": reporter,
        "anonymous": anonymous,
        "good_faith": bool(values["good_faith"]),
    }


def _file_name(problem: str, suffix: str) -> str:
    return problem[: -len(suffix)] if problem.endswith(suffix) else ""


def message_for(field: str, problem: str, *, max_upload_mb: int = 20) -> str:
    """A message in the visitor's language for a problem named by validate_report / check_files."""
    problem = problem or ""
    if "NUL" in problem:
        return _("This text contains characters that are not allowed.")
    if problem.startswith("must be at most"):
        return _("This text is too long.")
    if field in ("subject", "subject.position"):
        if field == "subject.position" and "not a position" in problem:
            return _("Choose an official from the list of this institution.")
        return _("Choose the official concerned, or choose “not in the list” and describe them.")
    if field == "subject.name":
        return _("Enter the name or the position of the official concerned.")
    if field == "decision.date":
        return _("Enter a valid date: year-month-day, e.g. 2026-07-01.")
    if field == "decision.kind":
        return _("Choose a kind of decision from the list.")
    if field == "categories":
        return _("Choose at least one kind of conflict of interest.")
    if field == "description":
        return _("Describe what happened: what, who, when, where and how.")
    if field == "anonymous":
        return _("This institution does not accept anonymous reports: give your name and a contact.")
    if field in ("reporter", "reporter.name"):
        return _("Enter your name.")
    if field in ("reporter.email", "reporter.phone") and problem.startswith("give an e-mail"):
        return _("Give an e-mail address or a phone number, so that the handlers can contact you.")
    if field == "reporter.email":
        return _("Enter a valid e-mail address, e.g. nama@contoh.id.")
    if field == "reporter.phone":
        return _("Enter a valid phone number, e.g. 0812 3456 7890.")
    if field == "reporter.nik":
        return _("The NIK has 16 digits.")
    if field == "good_faith":
        return _("Confirm that you report in good faith.")
    if field == "evidence":
        return evidence_message(problem, max_upload_mb=max_upload_mb)
    if field == "text":
        return _("Write a message or attach a file.")
    return _("Check this field.")


def evidence_message(problem: str, *, max_upload_mb: int) -> str:
    if problem.startswith("attach at least one"):
        return _("Attach at least one evidence file: this institution requires evidence.")
    if problem.startswith("at most"):
        return _("Send at most 20 files at once.")
    name = _file_name(problem, " is too large")
    if name:
        return _("%(name)s is larger than the %(mb)s MB allowed.") % {"name": name, "mb": max_upload_mb}
    name = _file_name(problem, " is empty")
    if name:
        return _("%(name)s is empty.") % {"name": name}
    name = _file_name(problem, ": file type not allowed")
    if name:
        return _(
            "%(name)s: this type of file is not accepted. Send documents, photos, audio or video (%(types)s)."
        ) % {"name": name, "types": EVIDENCE_TYPES}
    # A refused file's reason comes with its own words, in the visitor's language (messages/security.py).
    return problem or _("Check the evidence files.")


def field_errors(problems: dict[str, str], *, max_upload_mb: int = 20) -> dict[str, str]:
    """Problems (by API field) → messages by form field, in the order of the form."""
    found: dict[str, str] = {}
    for name, problem in problems.items():
        target = "text" if name == "text" else FIELD_OF.get(name, "__all__")
        found.setdefault(target, message_for(name, problem, max_upload_mb=max_upload_mb))
    order = {name: i for i, name in enumerate(FIELD_ORDER + ("text",))}
    return dict(sorted(found.items(), key=lambda kv: order.get(kv[0], len(order))))


def error_list(errors: dict[str, str]) -> list[dict[str, str]]:
    """For the error summary: message and the id it links to."""
    return [
        {"message": message, "id": field_id(name) if name != "__all__" else ""}
        for name, message in errors.items()
    ]


# ---------------------------------------------------------------- times and labels

ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def local_time(unit: Unit, value: dt.datetime | None) -> str:
    """A moment in the unit's local time with its zone name, e.g. "Jumat, 14 Agustus 2026, 23.59 WIB"."""
    if value is None:
        return ""
    local = value.astimezone(unit.tz)
    zone = ZONE_NAMES.get(unit.effective_timezone) or local.tzname() or ""
    # Translators: a PHP-style date format (Django's "date" filter): day, date, month, year, hour:minute.
    return f"{dateformat.format(local, _('l, j F Y, H:i'))} {zone}".strip()


def local_date(value: dt.date | None) -> str:
    if value is None:
        return ""
    # Translators: a PHP-style date format: date, month name, year.
    return dateformat.format(value, _("j F Y"))


def handler_label(handler: Handler | None) -> str:
    if handler is None:
        return _("the official responsible")
    if handler.team:
        return _("the conflict-of-interest handling team of %(unit)s") % {"unit": handler.title}
    return handler.title


def actor_label(title: str) -> str:
    """Who acted, as stored (position titles, or words the services store in Indonesian)."""
    stored = {
        "Sistem": _("System"),
        "Pelapor": _("You (reporter)"),
        "Tim Penanganan Benturan Kepentingan": _("Conflict-of-interest handling team"),
        "Petugas": _("Officer"),
    }
    return stored.get(title, title)


STATUS_TEXT = {
    "triage": gettext_lazy(
        "Being studied by the conflict-of-interest handling team, which determines the official responsible"
    ),
    "examination": gettext_lazy("Being examined by the direct superior of the official reported"),
    "review": gettext_lazy("The decision is being reviewed by the superior of the direct superior"),
    "follow_up": gettext_lazy("Follow-up supervised by the conflict-of-interest handling team"),
    "closed": gettext_lazy("Finished"),
}
OUTCOME_TEXT = {
    "unfounded": gettext_lazy("The report was not proven: the decision or action stays in force."),
    "revoked": gettext_lazy("The report was proven: the decision was revoked."),
    "amended": gettext_lazy("The report was proven: the decision was amended."),
    "reassigned": gettext_lazy(
        "The report was proven: the decision was taken again by another official "
        "without a conflict of interest."
    ),
    "upheld": gettext_lazy(
        "The report was proven: the decision stays in force, with measures against the conflict of interest."
    ),
}
REVIEW_TEXT = {
    "revoke": gettext_lazy(
        "Review result: the decision is revoked. The conflict-of-interest handling team "
        "supervises the follow-up."
    ),
    "amend": gettext_lazy(
        "Review result: the decision is amended. The conflict-of-interest handling team "
        "supervises the follow-up."
    ),
    "reassign": gettext_lazy(
        "Review result: the decision is taken again by another official. The "
        "conflict-of-interest handling team supervises the follow-up."
    ),
    "uphold": gettext_lazy(
        "Review result: the decision stays in force, with measures against the conflict "
        "of interest. The conflict-of-interest handling team supervises the follow-up."
    ),
}


def event_label(item: TimelineItem) -> str:
    """One line of the timeline, from the event code (never the note stored in Indonesian)."""
    who = {"handler": handler_label(item.handler)}
    event = item.event
    if event == "submitted":
        return _("Report received.")
    if event == "triage":
        return _("Report passed to %(handler)s to determine the official responsible.") % who
    if event == "triaged":
        return _("The team determined the official responsible for examining the report.")
    if event == "routed":
        return _("Report passed to %(handler)s for examination.") % who
    if event == "examined_founded":
        return _("Examination result: the report is proven. The decision is reviewed by %(handler)s.") % who
    if event == "examined_unfounded":
        return _("Examination result: the report is not proven; the decision stays in force. Reasons:")
    if event.startswith("reviewed_") and event[len("reviewed_") :] in REVIEW_TEXT:
        return str(REVIEW_TEXT[event[len("reviewed_") :]])
    if event == "escalated":
        return _("The review was passed up to %(handler)s.") % who
    if event == "escalated_overdue":
        return _("The deadline passed; the report was passed up to %(handler)s.") % who
    if event == "overdue":
        return _("The handling deadline passed.")
    if event == "recused":
        return _("The handler withdrew from the report (recusal); it is now handled by %(handler)s.") % who
    if event == "follow_up_added":
        if item.follow_up_due:
            return _("Follow-up action set: %(title)s (due %(date)s).") % {
                "title": item.follow_up_title or "",
                "date": local_date(item.follow_up_due),
            }
        return _("Follow-up action set: %(title)s.") % {"title": item.follow_up_title or ""}
    if event == "follow_up_done":
        if item.follow_up_title:
            return _("Follow-up action completed: %(title)s.") % {"title": item.follow_up_title}
        return _("A follow-up action was completed.")
    if event == "follow_up_cancelled":
        if item.follow_up_title:
            return _("Follow-up action cancelled: %(title)s.") % {"title": item.follow_up_title}
        return _("A follow-up action was cancelled.")
    if event == "closed":
        return _("The handling of the report is finished.")
    return _("The report was updated.")


@dataclass(frozen=True)
class TimelineRow:
    at: str
    label: str
    actor: str
    text: str | None


def timeline_rows(unit: Unit, items: list[TimelineItem]) -> list[TimelineRow]:
    rows = []
    for item in items:
        actor = "" if item.actor_title in ("", "Sistem", "Pelapor") else actor_label(item.actor_title)
        rows.append(TimelineRow(local_time(unit, item.at), event_label(item), actor, item.text))
    return rows
