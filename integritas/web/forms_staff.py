"""Forms of the back office: they check the shape of what staff typed (required, choices, dates) so
that errors come back in the page's language; the rules of the procedure stay in cases.services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from integritas.cases.models import NOTE_MAX, TITLE_MAX
from integritas.errors import DomainError
from integritas.web.labels import EXAMINATION_CHOICES, REVIEW_CHOICES


class StaffForm(forms.Form):
    # Errors come from the server, in the page's language, with a summary at the top: no browser
    # validation bubbles that differ per browser and language.
    use_required_attribute = False

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if field.error_messages.get("required") == forms.Field.default_error_messages["required"]:
                field.error_messages["required"] = _("Fill in this field.")


def show_invalid(
    form: forms.Form, error: DomainError, field_for: Callable[[str], str | None] | None = None
) -> None:
    """A service's field problems next to the fields of the form, in the page's language; a problem
    of no field on the form goes at the top. ``field_for`` names the form field of a service field."""
    for name, problem in error.fields.items():
        target = field_for(name) if field_for else name
        form.add_error(target if target in form.fields else None, problem.text)


def _text(
    label: Any, *, required: bool = True, help_text: Any = "", max_length: int = NOTE_MAX
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


def _result(label: Any, choices: Any, missing: Any) -> forms.ChoiceField:
    """The result of a step, chosen with radio buttons; ``missing`` says what to choose."""
    return forms.ChoiceField(
        label=label, choices=choices, widget=forms.RadioSelect, error_messages={"required": missing}
    )


# ---------------------------------------------------------------- signing in


class LoginForm(StaffForm):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(StaffForm):
    otp = forms.CharField(
        label=_("6-digit code"),
        help_text=_("The code shown now in your authenticator app."),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*", "size": "8"}
        ),
    )


# ---------------------------------------------------------------- case lists


class ManyOptionsSelect(forms.Select):
    """A select that writes its options directly: the unit filter of an inspectorate's team has one
    option per unit (10,000 in a province), and the option template per option cost seconds."""

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        chosen = set(self.format_value(value))
        parts = [f'<select name="{escape(name)}"{flatatt(self.build_attrs(self.attrs, attrs))}>']
        for key, label in self.choices:
            key = str(key)
            selected = " selected" if key in chosen else ""
            parts.append(f'<option value="{escape(key)}"{selected}>{escape(label)}</option>')
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


class CaseFilterForm(StaffForm):
    state = forms.ChoiceField(label=_("State"), required=False)
    unit = forms.ChoiceField(
        label=_("Unit"), required=False, help_text=_("Includes the units below it."), widget=ManyOptionsSelect
    )

    def __init__(
        self, *args: Any, units: list[tuple[str, str]], states: list[tuple[str, Any]], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["state"]).choices = [("", _("All states")), *states]
        cast(forms.ChoiceField, self.fields["unit"]).choices = [("", _("All units")), *units]


class TeamFilterForm(StaffForm):
    """The team list's filters. The unit is typed (its code or its name) and found among the team's
    units by the view (``cases.unit_filter``): an inspectorate's team has 10,000 of them. When there
    are only a few (``units`` given), they are offered in a select instead."""

    state = forms.ChoiceField(label=_("State"), required=False)
    unit = forms.CharField(
        label=_("Unit"),
        required=False,
        max_length=255,
        help_text=_("The code or the name of the unit. Includes the units below it."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    overdue = forms.BooleanField(label=_("Only overdue cases"), required=False)

    def __init__(
        self,
        *args: Any,
        states: list[tuple[str, Any]],
        units: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["state"]).choices = [("", _("All states")), *states]
        if units is not None:
            field = self.fields["unit"]
            field.help_text = _("Includes the units below it.")
            field.widget = forms.Select(choices=[("", _("All units")), *units])


# ---------------------------------------------------------------- the actions of the procedure


class ExaminationForm(StaffForm):
    conclusion = _result(
        _("Is the report founded?"),
        EXAMINATION_CHOICES,
        _("Choose whether the report is founded or unfounded."),
    )
    findings = _text(
        _("Findings"),
        help_text=_(
            "What you checked and why you reached this conclusion. If the report is unfounded, the "
            "reporter reads these findings as the reasons. If it is founded, they stay with the "
            "officials: the reporter reads only that it is founded and who reviews it."
        ),
    )


class ReviewForm(StaffForm):
    decision = _result(
        _("What happens to the decision?"), REVIEW_CHOICES, _("Choose the result of the review.")
    )
    notes = _text(_("Notes"), help_text=_("The reasons, and for an upheld decision the mitigation."))


class RecuseForm(StaffForm):
    reason = _text(
        _("Reason for withdrawing"),
        help_text=_(
            "For example: the reported official is a relative. The case goes to the next handler up."
        ),
    )


class TriageForm(StaffForm):
    position = forms.ChoiceField(
        label=_("Position of the reported official"),
        error_messages={"required": _("Choose the position of the reported official.")},
    )

    def __init__(self, *args: Any, positions: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["position"]).choices = [("", _("Choose a position")), *positions]


class MessageForm(StaffForm):
    text = _text(_("Message to the reporter"), help_text=_("The reporter reads it with their receipt."))
    evidence = forms.FileField(
        label=_("Attach a file (optional)"),
        required=False,
        help_text=_("Documents, images, audio or video."),
    )


class FollowUpForm(StaffForm):
    title = forms.CharField(
        label=_("Follow-up action"),
        max_length=TITLE_MAX,
        help_text=_(
            "The reporter reads this title and its due date when they track the report. Say what "
            "will be done; do not write names of people or anything confidential."
        ),
    )
    due_date = forms.DateField(
        label=_("Due date"),
        help_text=_("Year-month-day, for example 2026-12-31."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
    )


class FollowUpDoneForm(StaffForm):
    notes = forms.CharField(
        label=_("How it was done (optional)"), required=False, max_length=NOTE_MAX, widget=forms.TextInput
    )


class FollowUpCancelForm(StaffForm):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=NOTE_MAX, widget=forms.TextInput)


class CloseForm(StaffForm):
    summary = _text(
        _("Closing summary"),
        help_text=_(
            "The reporter reads this summary when they track the report. It is not sent by e-mail: "
            "the e-mail only says that the handling is finished."
        ),
    )


class IdentityRequestForm(StaffForm):
    reason = _text(
        _("Why do you need the reporter's identity?"),
        help_text=_("A member of the COI handling team decides on your request."),
    )


class IdentityDecisionForm(StaffForm):
    approve = forms.ChoiceField(
        label=_("Decision"),
        choices=[("yes", _("Approve: the handler sees the identity")), ("no", _("Reject"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose to approve or to reject the request.")},
    )
    note = forms.CharField(
        label=_("Note (optional)"), required=False, max_length=NOTE_MAX, widget=forms.TextInput
    )
