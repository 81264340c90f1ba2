"""The actions of the procedure on the case page: each view checks its form and calls one service,
then goes back to the case page (or shows it again with the problem: Invalid → field errors and 400,
WrongState → 409, Forbidden → 403, NotFound → 404, a refused file → 413/415). Evidence downloads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from integritas.cases import access, conflict, identity, services
from integritas.cases.access import Action
from integritas.cases.evidence import check_files, open_for_download
from integritas.cases.models import Case, Conclusion, FollowUp, ReviewDecision, Via
from integritas.errors import DomainError, Forbidden, Invalid, NotFound, WrongState
from integritas.http import attachment
from integritas.orgs.models import Person
from integritas.web import forms_staff
from integritas.web.forms_staff import show_invalid
from integritas.web.labels import EXAMINATION_CHOICES, REVIEW_CHOICES
from integritas.web.views.case_page import positions_for_triage, render_case
from integritas.web.views.common import case_url, not_found, person_of, staff_required, visible_case

WEB = Via.WEB
Runner = Callable[[Case, Person, dict[str, Any]], Any]


def _act(
    request: HttpRequest,
    reference: str,
    key: str,
    form: forms.Form,
    run: Runner,
    success: str,
    *,
    done_url: str | None = None,
) -> HttpResponse:
    """One action on a case: check the form, call the service, report back on the case page."""
    person = person_of(request)
    case = visible_case(request, reference)
    if case is None:
        return not_found(request)
    if request.method != "POST":
        return redirect(case_url(case))
    status, problem = 400, ""
    if form.is_valid():
        try:
            run(case, person, form.cleaned_data)
        except Invalid as error:
            show_invalid(form, error)
        except WrongState as error:
            if error.code == "confirm_no_conflict":
                return redirect(case_url(case))  # the page asks the question first
            status, problem = error.status, error.message
        except Forbidden:
            status, problem = 403, _("You cannot take this action on this case.")
        except NotFound:
            status, problem = 404, _("This item was not found in the case.")
        except DomainError as error:  # files: too large (413), type not allowed (415)
            status = error.status
            show_invalid(form, error)
            if not error.fields:
                problem = error.message
        else:
            messages.success(request, success)
            return redirect(done_url or case_url(case))
    case = visible_case(request, reference)  # the case as it is now
    if case is None:
        return not_found(request)
    return render_case(request, case, status=status, bound={key: form}, problem=problem)


# ---------------------------------------------------------------- irreversible steps ask once

CONFIRMED = "confirmed"  # the button of the confirmation page: the step runs
EDIT = "edit"  # the other button: back to the case page, with what was typed


def _ask_first(
    request: HttpRequest, reference: str, key: str, form: forms.Form, action: Action
) -> HttpResponse | None:
    """An irreversible step (the result of an examination or a review, closing) is asked once more
    on a page of its own, without JavaScript, before the service runs. None: run it now, because it
    is confirmed, or because the service will refuse it anyway (an invalid form, a step this person
    cannot take now, a case with open follow-up actions): the refusal is then shown as usual."""
    if request.method != "POST" or request.POST.get(CONFIRMED) == "yes":
        return None
    case = visible_case(request, reference)
    if case is None:
        return None
    person = person_of(request)
    if request.POST.get(EDIT):
        form.is_valid()
        return render_case(request, case, status=200 if form.is_valid() else 400, bound={key: form})
    ready = form.is_valid() and action in access.available_actions(person, case)
    if not ready or conflict.pending(person, case):
        return None
    if action == Action.CLOSE and any(not f.settled for f in FollowUp.objects.filter(case=case)):
        return None
    return render(request, "web/staff/action_confirm.html", {"case": case, "form": form, **_step(key, form)})


def _step(key: str, form: forms.Form) -> dict[str, Any]:
    """What the confirmation page says: what is recorded, what happens, and what the reporter reads."""
    data = form.cleaned_data
    if key == "examine":
        founded = data["conclusion"] == Conclusion.FOUNDED
        return {
            "heading": _("Record the result of the examination"),
            "chosen": [
                (form["conclusion"].label, dict(EXAMINATION_CHOICES)[data["conclusion"]]),
                (form["findings"].label, data["findings"]),
            ],
            "happens": _("The case goes at once to the next superior up, who reviews the decision.")
            if founded
            else _("The decision or action stays in force and the case closes."),
            "reporter": _(
                "The reporter reads that the report is founded and who reviews it. Your findings stay "
                "with the officials: the reporter does not read them."
            )
            if founded
            else _(
                "The reporter reads your findings as the reasons, with their receipt. They are not sent "
                "by e-mail: the e-mail only says that there is news."
            ),
            "button": _("Yes, record the result"),
        }
    if key == "review":
        escalate = data["decision"] == ReviewDecision.ESCALATE
        return {
            "heading": _("Record the result of the review"),
            "chosen": [
                (form["decision"].label, dict(REVIEW_CHOICES)[data["decision"]]),
                (form["notes"].label, data["notes"]),
            ],
            "happens": _("The review goes to the next superior up, with a fresh deadline.")
            if escalate
            else _("The case moves to follow-up, supervised by the COI handling team."),
            "reporter": _("The reporter reads the result of the review. Your notes stay with the officials."),
            "button": _("Yes, record the result"),
        }
    return {
        "heading": _("Close the case"),
        "chosen": [(form["summary"].label, data["summary"])],
        "happens": _("The case closes: the reporter can no longer send messages or evidence."),
        "reporter": _(
            "The reporter reads this summary with their receipt. By e-mail they only get a notice that "
            "the handling is finished, never the summary itself."
        ),
        "button": _("Yes, close the case"),
    }


@dataclass(frozen=True)
class Step:
    """An action whose service takes the case, the person and the form's fields by the same names."""

    form: type[forms_staff.StaffForm]
    service: Callable[..., Any]
    fields: tuple[str, ...]
    success: Promise
    ask: Action | None = None  # irreversible: asked once more on a page of its own
    done: str | None = None  # where to go afterwards (the case page when None)
    via: bool = True  # the service records that the step was taken on the pages

    def run(self, case: Case, person: Person, data: dict[str, Any]) -> Any:
        values = {name: data[name] for name in self.fields} | ({"via": WEB} if self.via else {})
        return self.service(case=case, actor=person, **values)


STEPS: dict[str, Step] = {
    "confirm": Step(
        forms_staff.StaffForm,
        services.case_confirm_no_conflict,
        (),
        gettext_lazy("Thank you. You confirmed that you have no conflict of interest with this case."),
    ),
    "examine": Step(
        forms_staff.ExaminationForm,
        services.case_examine,
        ("conclusion", "findings"),
        gettext_lazy("The result of the examination is recorded."),
        ask=Action.EXAMINE,
    ),
    "review": Step(
        forms_staff.ReviewForm,
        services.case_review,
        ("decision", "notes"),
        gettext_lazy("The result of the review is recorded."),
        ask=Action.REVIEW,
    ),
    "recuse": Step(
        forms_staff.RecuseForm,
        services.case_recuse,
        ("reason",),
        gettext_lazy("You have withdrawn from the case. It has gone to the next handler."),
        done="web:queue",
        via=False,
    ),
    "follow_up": Step(
        forms_staff.FollowUpForm,
        services.follow_up_add,
        ("title", "due_date"),
        gettext_lazy("The follow-up action is added."),
    ),
    "close": Step(
        forms_staff.CloseForm,
        services.case_close,
        ("summary",),
        gettext_lazy("The case is closed."),
        ask=Action.CLOSE,
    ),
    "identity": Step(
        forms_staff.IdentityRequestForm,
        identity.identity_request,
        ("reason",),
        gettext_lazy("Your request is sent. A member of the COI handling team will decide."),
    ),
}


def _step_view(key: str) -> Callable[..., HttpResponseBase]:
    """The view of one of ``STEPS``: its form (under the prefix ``key``), asked first if irreversible."""
    step = STEPS[key]

    @staff_required
    def view(request: HttpRequest, reference: str) -> HttpResponse:
        form = step.form(request.POST, prefix=key)
        if step.ask is not None and (asked := _ask_first(request, reference, key, form, step.ask)):
            return asked
        done_url = reverse(step.done) if step.done else None
        return _act(request, reference, key, form, step.run, str(step.success), done_url=done_url)

    view.__name__ = view.__qualname__ = f"step_{key}"
    return view


case_confirm = _step_view("confirm")
case_examine = _step_view("examine")
case_review = _step_view("review")
case_recuse = _step_view("recuse")
follow_up_add = _step_view("follow_up")
case_close = _step_view("close")
identity_request = _step_view("identity")


@staff_required
def case_triage(request: HttpRequest, reference: str) -> HttpResponse:
    case = visible_case(request, reference)
    if case is None:
        return not_found(request)
    return _act(
        request,
        reference,
        "triage",
        forms_staff.TriageForm(request.POST, prefix="triage", positions=positions_for_triage(case)),
        lambda case, person, data: services.case_triage(
            case=case, actor=person, position=data["position"], via=WEB
        ),
        _("The position is set and the case was sent for examination."),
    )


@staff_required
def case_message(request: HttpRequest, reference: str) -> HttpResponse:
    def run(case: Case, person: Person, data: dict[str, Any]) -> Any:
        uploads = request.FILES.getlist("message-evidence")
        limit = int(case.unit.effective_policy["max_upload_mb"])
        files = check_files(uploads, max_upload_mb=limit, field="evidence") if uploads else []
        return services.case_message(case=case, actor=person, text=data["text"], files=files, via=WEB)

    return _act(
        request,
        reference,
        "message",
        forms_staff.MessageForm(request.POST, request.FILES, prefix="message"),
        run,
        _("Your message was sent to the reporter."),
    )


# Marking a follow-up action done or cancelling it: the form, the service, the words of success.
SETTLE: dict[str, tuple[type[forms_staff.StaffForm], Callable[..., Any], Promise]] = {
    "done": (
        forms_staff.FollowUpDoneForm,
        lambda case, person, item, data: services.follow_up_done(
            case=case, actor=person, follow_up=item, notes=data["notes"], via=WEB
        ),
        gettext_lazy("The follow-up action is marked done."),
    ),
    "cancel": (
        forms_staff.FollowUpCancelForm,
        lambda case, person, item, data: services.follow_up_cancel(
            case=case, actor=person, follow_up=item, reason=data["reason"], via=WEB
        ),
        gettext_lazy("The follow-up action is cancelled."),
    ),
}


@staff_required
def follow_up_settle(request: HttpRequest, reference: str, follow_up_id: str, how: str) -> HttpResponse:
    form_class, settle, success = SETTLE[how]
    key = f"{how}-{follow_up_id}"
    return _act(
        request,
        reference,
        key,
        form_class(request.POST, prefix=key),
        lambda case, person, data: settle(case, person, services.follow_up_for(case, follow_up_id), data),
        str(success),
    )


@staff_required
def identity_decide(request: HttpRequest, reference: str, request_id: str) -> HttpResponse:
    key = f"decide-{request_id}"
    return _act(
        request,
        reference,
        key,
        forms_staff.IdentityDecisionForm(request.POST, prefix=key),
        lambda case, person, data: identity.identity_decide(
            case=case,
            actor=person,
            request=identity.request_for(case, request_id),
            approve=data["approve"] == "yes",
            note=data["note"],
            via=WEB,
        ),
        _("The decision on the request is recorded."),
    )


@staff_required
def evidence_download(request: HttpRequest, reference: str, evidence_id: str) -> HttpResponseBase:
    case = visible_case(request, reference)
    if case is None:
        return not_found(request)
    try:
        return attachment(
            open_for_download(person=person_of(request), case=case, evidence_id=evidence_id, via=WEB)
        )
    except NotFound:
        return not_found(request)
    except WrongState:  # confirm_no_conflict: the case page asks first
        return HttpResponseRedirect(case_url(case))
