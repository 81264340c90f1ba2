"""Wording only the pages use. The vocabulary itself (categories, decision kinds, states, outcomes,
event kinds, actor roles) is defined once, with its labels, in ``cases.models``; the words of errors
in ``integritas.messages``; the timeline's sentences in ``cases.timeline``."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from integritas.cases.models import Category, Conclusion, Outcome, ReviewDecision, Status

# How the reporter reads the state of their report.
STATUS_FOR_REPORTER: dict[str, Promise] = {
    Status.TRIAGE: _(
        "Being studied by the conflict-of-interest handling team, which determines the official responsible"
    ),
    Status.EXAMINATION: _("Being examined by the direct superior of the official reported"),
    Status.REVIEW: _("The decision is being reviewed by the superior of the direct superior"),
    Status.FOLLOW_UP: _("Follow-up supervised by the conflict-of-interest handling team"),
    Status.CLOSED: _("Finished"),
}
OUTCOME_FOR_REPORTER: dict[str, Promise] = {
    Outcome.UNFOUNDED: _("The report was not proven: the decision or action stays in force."),
    Outcome.REVOKED: _("The report was proven: the decision was revoked."),
    Outcome.AMENDED: _("The report was proven: the decision was amended."),
    Outcome.REASSIGNED: _(
        "The report was proven: the decision was taken again by another official "
        "without a conflict of interest."
    ),
    Outcome.UPHELD: _(
        "The report was proven: the decision stays in force, with measures against the conflict of interest."
    ),
}

# The answers of the back office's forms, as the handler chooses them.
EXAMINATION_CHOICES: list[tuple[str, Promise]] = [
    (Conclusion.FOUNDED, _("Yes, founded: the decision goes to review by the next superior up")),
    (Conclusion.UNFOUNDED, _("No, unfounded: the decision stays in force and the case closes")),
]
REVIEW_CHOICES: list[tuple[str, Promise]] = [
    (ReviewDecision.REVOKE, _("Revoke it")),
    (ReviewDecision.AMEND, _("Amend it")),
    (ReviewDecision.REASSIGN, _("Reassign it: an official without the conflict takes the decision again")),
    (ReviewDecision.UPHOLD, _("Uphold it: it stays in force, with the mitigation written below")),
    (ReviewDecision.ESCALATE, _("Pass the review to the next superior up")),
]


@dataclass(frozen=True)
class CategoryText:
    code: str
    label: str
    help: str


def categories() -> list[CategoryText]:
    """The categories with their explanations, in the order of the SOP (home page, report form)."""
    return [CategoryText(c.value, str(c.label), c.help_text) for c in Category]
