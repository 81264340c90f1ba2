"""The actions of the procedure on the case page: each view checks its form and calls one service,
then goes back to the case page (or shows it again with the problem: Invalid → field errors and 400,
WrongState → 409, Forbidden → 403, NotFound → 404, a refused file → 413/415). Evidence downloads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from integritas.cases import identity, services
from integritas.cases.evidence import check_files, open_for_download
from integritas.cases.models import Case, Via
from integritas.errors import DomainError, Forbidden, Invalid, NotFound, WrongState
from integritas.http import attachment
from integritas.orgs.models import Person
from integritas.web import forms_staff
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
            for field, item in error.fields.items():
                form.add_error(field if field in form.fields else None, item.text)
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
            for field, item in (error.fields or {}).items():
                form.add_error(field if field in form.fields else None, item.text)
            if not error.fields:
                problem = error.message
        else:
            messages.success(request, success)
            return redirect(done_url or case_url(case))
    case = visible_case(request, reference)  # the case as it is now
    if case is None:
        return not_found(request)
    return render_case(request, case, status=status, bound={key: form}, problem=problem)


@staff_required
def case_confirm(request: HttpRequest, reference: str) -> HttpResponse:
    return _act(
        request,
        reference,
        "confirm",
        forms_staff.StaffForm(request.POST),
        lambda case, person, data: services.case_confirm_no_conflict(case=case, actor=person, via=WEB),
        _("Thank you. You confirmed that you have no conflict of interest with this case."),
    )


@staff_required
def case_examine(request: HttpRequest, reference: str) -> HttpResponse:
    return _act(
        request,
        reference,
        "examine",
        forms_staff.ExaminationForm(request.POST, prefix="examine"),
        lambda case, person, data: services.case_examine(
            case=case, actor=person, conclusion=data["conclusion"], findings=data["findings"], via=WEB
        ),
        _("The result of the examination is recorded."),
    )


@staff_required
def case_review(request: HttpRequest, reference: str) -> HttpResponse:
    return _act(
        request,
        reference,
        "review",
        forms_staff.ReviewForm(request.POST, prefix="review"),
        lambda case, person, data: services.case_review(
            case=case, actor=person, decision=data["decision"], notes=data["notes"], via=WEB
        ),
        _("The result of the review is recorded."),
    )


@staff_required
def case_recuse(request: HttpRequest, reference: str) -> HttpResponse:
    return _act(
        request,
        reference,
        "recuse",
        forms_staff.RecuseForm(request.POST, prefix="recuse"),
        lambda case, person, data: services.case_recuse(case=case, actor=person, reason=data["reason"]),
        _("You have withdrawn from the case. It has gone to the next handler."),
        done_url=reverse("web:queue"),
    )


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


@staff_required
def follow_up_add(request: HttpRequest, reference: str) -> HttpResponse:
    return _act(
        request,
        reference,
        "follow_up",
        forms_staff.FollowUpForm(request.POST, prefix="follow_up"),
        lambda case, person, data: services.follow_up_add(
            case=case, actor=person, title=data["title"], due_date=data["due_date"], via=WEB
        ),
        _("The follow-up action is added."),
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
def case_close(request: HttpRequest, reference: str) -> HttpResponse:
    return _act(
        request,
        reference,
        "close",
        forms_staff.CloseForm(request.POST, prefix="close"),
        lambda case, person, data: services.case_close(
            case=case, actor=person, summary=data["summary"], via=WEB
        ),
        _("The case is closed."),
    )


@staff_required
def identity_request(request: HttpRequest, reference: str) -> HttpResponse:
    return _act(
        request,
        reference,
        "identity",
        forms_staff.IdentityRequestForm(request.POST, prefix="identity"),
        lambda case, person, data: identity.identity_request(
            case=case, actor=person, reason=data["reason"], via=WEB
        ),
        _("Your request is sent. A member of the COI handling team will decide."),
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
