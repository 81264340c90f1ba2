"""The back office: signing in, "my cases", the team's view, and the case page with the actions of
the procedure.

Views stay thin: visibility comes from ``cases.access`` alone, every change is one call to
``cases.services`` (or ``cases.identity``), and domain errors become messages on the page
(Invalid → field errors, 400; WrongState → 409; Forbidden → 403; NotFound → 404).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.paginator import Paginator
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from integritas.audit.chain import record
from integritas.cases import access, content, identity, presenters, services
from integritas.cases.evidence import check_files
from integritas.cases.models import (
    TIMED_STATUSES,
    Case,
    CaseHandler,
    Evidence,
    IdentityRequest,
    Status,
)
from integritas.errors import (
    DomainError,
    Forbidden,
    Invalid,
    NotAuthenticated,
    NotFound,
    TooManyAttempts,
    WrongState,
)
from integritas.orgs import totp
from integritas.orgs.auth import check_password, check_second_factor, totp_begin, totp_confirm, totp_secret
from integritas.orgs.models import Holding, Person, Position, Unit
from integritas.security.throttle import client_address, password_account_throttle, password_address_throttle
from integritas.web import forms_staff as f

PAGE_SIZE = 50
PENDING_KEY = "integritas_pending_sign_in"
PENDING_SECONDS = 600  # the code step must follow the password within ten minutes

# ---------------------------------------------------------------- labels (never stored text)

STATE_LABELS: dict[str, Any] = dict(f.STATE_CHOICES)
CATEGORY_LABELS = {
    "affiliation": gettext_lazy("Affiliation (personal, group)"),
    "gratification": gettext_lazy("Gratification"),
    "side_job": gettext_lazy("Side job"),
    "insider_information": gettext_lazy("Insider information"),
    "procurement": gettext_lazy("Interest in procurement"),
    "family_community": gettext_lazy("Family and community demands"),
    "external_position": gettext_lazy("Position in another organisation"),
    "previous_position": gettext_lazy("Intervention from a previous position"),
    "concurrent_position": gettext_lazy("Concurrent positions"),
    "other": gettext_lazy("Other"),
}
KIND_LABELS = {
    "admission": gettext_lazy("Admission of new pupils (PPDB)"),
    "procurement": gettext_lazy("Procurement of goods or services"),
    "staffing": gettext_lazy("Staffing"),
    "grading": gettext_lazy("Grading"),
    "school_fund": gettext_lazy("Use of school funds"),
    "other": gettext_lazy("Other"),
}
CONCLUSION_LABELS = {"founded": gettext_lazy("Founded"), "unfounded": gettext_lazy("Unfounded")}
OUTCOME_LABELS = {
    "unfounded": gettext_lazy("Unfounded: the decision stays in force"),
    "revoked": gettext_lazy("The decision was revoked"),
    "amended": gettext_lazy("The decision was amended"),
    "reassigned": gettext_lazy("The decision was reassigned"),
    "upheld": gettext_lazy("The decision was upheld"),
}
REVIEW_LABELS = {
    "revoke": gettext_lazy("Revoked"),
    "amend": gettext_lazy("Amended"),
    "reassign": gettext_lazy("Reassigned"),
    "uphold": gettext_lazy("Upheld"),
    "escalate": gettext_lazy("Passed to the next superior up"),
}
EVENT_LABELS = {
    "submitted": gettext_lazy("Report received"),
    "routed": gettext_lazy("Sent to the direct superior for examination"),
    "triage": gettext_lazy("Sent to the COI handling team to name the official concerned"),
    "triaged": gettext_lazy("The team named the position of the reported official"),
    "examined_founded": gettext_lazy("Examination: the report is founded"),
    "examined_unfounded": gettext_lazy("Examination: the report is unfounded; the decision stays in force"),
    "reviewed_revoke": gettext_lazy("Review: the decision is revoked"),
    "reviewed_amend": gettext_lazy("Review: the decision is amended"),
    "reviewed_reassign": gettext_lazy(
        "Review: the decision is reassigned to an official without the conflict"
    ),
    "reviewed_uphold": gettext_lazy("Review: the decision is upheld, with mitigation"),
    "escalated": gettext_lazy("The review was passed to the next superior up"),
    "escalated_overdue": gettext_lazy("Deadline missed: the case was passed to the next level up"),
    "overdue": gettext_lazy("Deadline missed"),
    "recused": gettext_lazy("A handler withdrew from the case (recusal)"),
    "follow_up_added": gettext_lazy("Follow-up action set"),
    "follow_up_done": gettext_lazy("Follow-up action done"),
    "follow_up_cancelled": gettext_lazy("Follow-up action cancelled"),
    "closed": gettext_lazy("Case closed"),
    "message_to_reporter": gettext_lazy("Message sent to the reporter"),
    "message_from_reporter": gettext_lazy("Message from the reporter"),
    "no_conflict_confirmed": gettext_lazy("The handler confirmed having no conflict of interest"),
    "identity_requested": gettext_lazy("Request to see the reporter's identity"),
    "identity_approved": gettext_lazy("Request to see the reporter's identity approved"),
    "identity_rejected": gettext_lazy("Request to see the reporter's identity rejected"),
}
# Events whose note is what a person wrote (findings, reasons, titles): shown as written. The notes of
# the other events are made by the system in Indonesian and are replaced by the translated label.
PEOPLE_NOTES = {
    "examined_founded",
    "examined_unfounded",
    "reviewed_revoke",
    "reviewed_amend",
    "reviewed_reassign",
    "reviewed_uphold",
    "escalated",
    "recused",
    "follow_up_added",
    "follow_up_done",
    "follow_up_cancelled",
    "closed",
    "identity_requested",
    "identity_approved",
    "identity_rejected",
}
# Titles the services write for actors that are not positions.
SYSTEM_TITLES = {
    "Sistem": gettext_lazy("System"),
    "Pelapor": gettext_lazy("Reporter"),
    "Tim Penanganan Benturan Kepentingan": gettext_lazy("COI handling team"),
    "Petugas": gettext_lazy("Staff member"),
}
SENDER_LABELS = {"reporter": gettext_lazy("Reporter"), "handler": gettext_lazy("Handler")}
ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def _title(value: str | None) -> str:
    return str(SYSTEM_TITLES.get(value or "", value or ""))


# ---------------------------------------------------------------- times in the unit's zone


def _when(value: dt.datetime | str | None, zone: ZoneInfo) -> str:
    """19 Agu 2026 23:59 WIB: the unit's local time with the zone's Indonesian name."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    local = value.astimezone(zone)
    name = ZONE_NAMES.get(zone.key, local.tzname() or zone.key)
    return f"{formats.date_format(local, 'j M Y')} {local:%H:%M} {name}"


def _day(value: dt.date | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return formats.date_format(value, "j M Y")


def _zones(units: list[Unit]) -> dict[int, ZoneInfo]:
    """The time zone of each unit (inherited down the tree) with one query for all of them."""
    ids = {ancestor for unit in units for ancestor in unit.ancestor_ids()}
    own = dict(Unit.objects.filter(pk__in=ids).values_list("pk", "timezone"))
    zones: dict[int, ZoneInfo] = {}
    for unit in units:
        chosen = next((own[a] for a in reversed(unit.ancestor_ids()) if own.get(a)), None)
        zones[unit.pk] = ZoneInfo(chosen or unit.timezone or "Asia/Jakarta")
    return zones


# ---------------------------------------------------------------- signing in


def _safe_next(value: str | None) -> str | None:
    """Only a path of this site: never another host, never a scheme."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    if any(ord(ch) < 32 for ch in value) or not url_has_allowed_host_and_scheme(value, allowed_hosts=None):
        return None
    return value


def _login_url(next_path: str) -> str:
    return f"{reverse('web:login')}?{urlencode({'next': next_path})}"


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            target = request.get_full_path() if request.method == "GET" else request.path
            if request.method != "GET" and "reference" in kwargs:
                target = reverse("web:case", args=[kwargs["reference"]])
            return redirect(_login_url(target))
        return view(request, *args, **kwargs)

    return wrapper


def _home_for(person: Person) -> str:
    if (
        person.is_admin
        and not access.team_unit_ids(person)
        and not Holding.objects.filter(person=person).exists()
    ):
        return reverse("web:manage_home")
    return reverse("web:queue")


def _sign_in(request: HttpRequest, person: Person, next_path: str | None, address: str) -> HttpResponse:
    password_account_throttle().reset(person.username.lower())
    login(request, person, backend="django.contrib.auth.backends.ModelBackend")
    request.session.pop(PENDING_KEY, None)
    record("auth.signed_in", actor=person.username, data={"address": address, "via": "web"})
    return redirect(_safe_next(next_path) or _home_for(person))


def _pending(request: HttpRequest, step: str) -> tuple[Person | None, dict[str, Any]]:
    """The person who gave the right password and still owes the second step."""
    pending = request.session.get(PENDING_KEY) or {}
    if pending.get("step") != step or time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        return None, {}
    person = Person.objects.filter(pk=pending.get("id"), is_active=True).first()
    return person, pending


def _auth_page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    context["summary_errors"] = _summary_errors(context.get("form"))
    return render(request, template, context, status=status)


def _locked(
    request: HttpRequest, template: str, context: dict[str, Any], error: TooManyAttempts
) -> HttpResponse:
    context["problem"] = _(
        "Too many failed attempts. Sign-in is locked for a while; try again in %(minutes)s minutes."
    ) % {"minutes": max(1, (error.retry_after + 59) // 60)}
    response = _auth_page(request, template, context, status=429)
    response["Retry-After"] = str(error.retry_after)
    return response


def login_view(request: HttpRequest) -> HttpResponse:
    next_path = _safe_next(request.POST.get("next") or request.GET.get("next"))
    if request.user.is_authenticated and request.method == "GET":
        return redirect(next_path or _home_for(request.user))  # type: ignore[arg-type]
    form = f.LoginForm(request.POST if request.method == "POST" else None)
    context: dict[str, Any] = {"form": form, "next": next_path or ""}
    if request.method != "POST":
        return _auth_page(request, "web/staff/login.html", context)
    if not form.is_valid():
        return _auth_page(request, "web/staff/login.html", context, status=400)
    address = client_address(request)
    try:
        person = check_password(
            username=form.cleaned_data["username"], password=form.cleaned_data["password"], address=address
        )
    except TooManyAttempts as error:
        return _locked(request, "web/staff/login.html", context, error)
    except NotAuthenticated:
        context["problem"] = _("Wrong username or password.")
        return _auth_page(request, "web/staff/login.html", context, status=401)
    pending = {"id": person.pk, "at": time.time(), "next": next_path or ""}
    if person.totp_enabled:
        request.session[PENDING_KEY] = {**pending, "step": "code"}
        return redirect("web:login_code")
    try:
        check_second_factor(person, None, address=address)
    except NotAuthenticated as error:
        if error.code != "two_factor_setup_required":
            raise
        request.session[PENDING_KEY] = {**pending, "step": "setup"}
        return redirect("web:login_setup")
    return _sign_in(request, person, next_path, address)


def _start_again(request: HttpRequest) -> HttpResponse:
    request.session.pop(PENDING_KEY, None)
    messages.info(request, _("Please sign in again."))
    return redirect("web:login")


def login_code(request: HttpRequest) -> HttpResponse:
    person, pending = _pending(request, "code")
    if person is None or not person.totp_enabled:
        return _start_again(request)
    form = f.CodeForm(request.POST if request.method == "POST" else None)
    context: dict[str, Any] = {"form": form}
    if request.method != "POST":
        return _auth_page(request, "web/staff/login_code.html", context)
    if not form.is_valid():
        return _auth_page(request, "web/staff/login_code.html", context, status=400)
    address = client_address(request)
    try:
        password_address_throttle().check(address)
        password_account_throttle().check(person.username.lower())
        check_second_factor(person, form.cleaned_data["otp"], address=address)
    except TooManyAttempts as error:
        return _locked(request, "web/staff/login_code.html", context, error)
    except NotAuthenticated:
        form.add_error("otp", _("Wrong or expired code. Enter the code shown now in your app."))
        return _auth_page(request, "web/staff/login_code.html", context, status=401)
    return _sign_in(request, person, pending.get("next"), address)


def login_setup(request: HttpRequest) -> HttpResponse:
    """The unit requires two-factor sign-in and this person has none yet: set up an app, confirm a code."""
    person, pending = _pending(request, "setup")
    if person is None:
        return _start_again(request)
    if person.totp_enabled:
        request.session[PENDING_KEY] = {**pending, "step": "code"}
        return redirect("web:login_code")
    secret = totp_secret(person) if pending.get("started") else None
    if secret is None:
        secret = totp_begin(person)
        request.session[PENDING_KEY] = {**pending, "started": True}
    form = f.CodeForm(request.POST if request.method == "POST" else None)
    context: dict[str, Any] = {
        "form": form,
        "secret": secret,
        "secret_groups": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "uri": totp.provisioning_uri(secret, person.username),
    }
    if request.method != "POST":
        return _auth_page(request, "web/staff/login_setup.html", context)
    if not form.is_valid():
        return _auth_page(request, "web/staff/login_setup.html", context, status=400)
    address = client_address(request)
    try:
        password_address_throttle().check(address)
        password_account_throttle().check(person.username.lower())
        totp_confirm(person, form.cleaned_data["otp"])
    except TooManyAttempts as error:
        return _locked(request, "web/staff/login_setup.html", context, error)
    except NotAuthenticated:
        password_account_throttle().fail(person.username.lower())
        form.add_error("otp", _("Wrong or expired code. Enter the code shown now in your app."))
        return _auth_page(request, "web/staff/login_setup.html", context, status=401)
    messages.success(
        request, _("Two-factor sign-in is set up. From now on you sign in with a code from your app.")
    )
    return _sign_in(request, person, pending.get("next"), address)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        record("auth.signed_out", actor=request.user.username, data={"via": "web"})
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("web:login")


# ---------------------------------------------------------------- case lists


def _unit_choices(qs: QuerySet[Case], person: Person) -> list[tuple[str, str]]:
    units = Unit.objects.filter(Q(pk__in=qs.values("unit_id")) | Q(pk__in=access.team_unit_ids(person)))
    return [(u.code, u.name) for u in units.order_by("name", "code")]


def _filtered(qs: QuerySet[Case], form: f.CaseFilterForm) -> QuerySet[Case]:
    if not form.is_valid():
        return qs
    if form.cleaned_data.get("state"):
        qs = qs.filter(status=form.cleaned_data["state"])
    if form.cleaned_data.get("unit"):
        unit = Unit.objects.filter(code=form.cleaned_data["unit"]).first()
        if unit is not None:
            qs = qs.filter(unit__path__startswith=unit.path)
    if form.cleaned_data.get("overdue"):
        qs = qs.filter(Q(overdue=True) | Q(status__in=TIMED_STATUSES, due_at__lt=timezone.now()))
    return qs


def _rows(cases: list[Case]) -> list[dict[str, Any]]:
    zones = _zones(list({c.unit_id: c.unit for c in cases}.values()))
    now = timezone.now()
    return [
        {
            "reference": c.reference,
            "unit": c.unit.name,
            "state": STATE_LABELS.get(c.status, c.status),
            "level": c.level,
            "due": _when(c.due_at, zones[c.unit_id]),
            "overdue": presenters.is_overdue(c, now),
            "categories": [CATEGORY_LABELS.get(row.code, row.code) for row in c.category_rows.all()],
            "outcome": OUTCOME_LABELS.get(c.outcome, "") if c.outcome else "",
        }
        for c in cases
    ]


def _list_page(
    request: HttpRequest,
    base: QuerySet[Case],
    form: f.CaseFilterForm,
    template: str,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    qs = _filtered(base, form).order_by(F("due_at").asc(nulls_last=True), "-created_at", "-pk")
    page = Paginator(presenters.summary_queryset(qs), PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "rows": _rows(list(page.object_list)),
        "page": page,
        "query": params.urlencode(),
        "filtered": any(params.get(k) for k in ("state", "unit", "overdue")),
        "summary_errors": _summary_errors(form),
        **(extra or {}),
    }
    return render(request, template, context, status=400 if form.is_bound and not form.is_valid() else 200)


@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    """Cases I handle now: as the holder of a position, or through my team without having recused."""
    person: Person = request.user  # type: ignore[assignment]
    visible = access.cases_visible_to(person)
    mine = visible.filter(handler_person=person)
    team_ids = access.team_unit_ids(person)
    if team_ids:
        mine = mine | visible.filter(handler_team_id__in=team_ids, handler_person__isnull=True).exclude(
            recusals__person=person
        )
    mine = mine.exclude(status=Status.CLOSED)
    form = f.CaseFilterForm(
        request.GET or None, units=_unit_choices(mine, person), states=f.OPEN_STATE_CHOICES
    )
    return _list_page(request, mine, form, "web/staff/queue.html")


@staff_required
def team_cases(request: HttpRequest) -> HttpResponse:
    """Every case I may see: for a team member, all cases of the team's units and the units below."""
    person: Person = request.user  # type: ignore[assignment]
    visible = access.cases_visible_to(person)
    form = f.TeamFilterForm(request.GET or None, units=_unit_choices(visible, person), states=f.STATE_CHOICES)
    return _list_page(
        request, visible, form, "web/staff/team_cases.html", {"teams": access.team_units(person)}
    )


# ---------------------------------------------------------------- the case page


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "web/staff/not_found.html", status=404)


def _must_confirm(person: Person, case: Case) -> bool:
    """A current handler opening the case for the first time confirms first that they have no conflict."""
    return (
        case.is_open
        and case.handler_person_id == person.pk
        and CaseHandler.objects.filter(
            case=case, person=person, no_conflict_confirmed_at__isnull=True
        ).exists()
    )


def _case_url(case: Case) -> str:
    return reverse("web:case", args=[case.reference])


def _summary_errors(form: forms.Form | None) -> list[dict[str, str]]:
    """The error summary at the top of the page: each error links to its field."""
    if form is None or not form.is_bound:
        return []
    found = []
    for name, errors in form.errors.items():
        if name == forms.forms.NON_FIELD_ERRORS:
            found += [{"text": str(e), "href": ""} for e in errors]
            continue
        bound = form[name]
        target = bound.auto_id + ("_0" if isinstance(bound.field.widget, forms.RadioSelect) else "")
        label = str(bound.label)
        joiner = " " if label.endswith("?") else ": "
        found += [{"text": f"{label}{joiner}{e}", "href": f"#{target}"} for e in errors]
    return found


def _positions_for_triage(case: Case) -> list[tuple[str, str]]:
    positions = Position.objects.filter(unit__path__startswith=case.unit.path).select_related("unit")
    return [(p.code, f"{p.title} — {p.unit.name}") for p in positions.order_by("unit__name", "title", "code")]


def _reporter(data: Any) -> dict[str, Any]:
    if data is None:
        return {"anonymous": True}
    if data.get("withheld"):
        return {"withheld": True}
    return {"shown": True, **data}


def _history(items: list[dict[str, Any]], zone: ZoneInfo) -> list[dict[str, Any]]:
    return [
        {
            "at": _when(item["at"], zone),
            "label": EVENT_LABELS.get(item["event"], item["event"]),
            "actor": _title(item["actor_title"]),
            "note": item["note"] if item["event"] in PEOPLE_NOTES else "",
        }
        for item in items
    ]


def _actions(person: Person, case: Case) -> dict[str, bool]:
    status = case.status
    return {
        "examine": status == Status.EXAMINATION and access.can(person, access.CAN_EXAMINE, case),
        "review": status == Status.REVIEW and access.can(person, access.CAN_REVIEW, case),
        "recuse": status in TIMED_STATUSES and access.can(person, access.CAN_RECUSE, case),
        "triage": status == Status.TRIAGE and access.can(person, access.CAN_TRIAGE, case),
        "message": case.status != Status.CLOSED and access.can(person, access.CAN_MESSAGE, case),
        "follow_up": status == Status.FOLLOW_UP and access.can(person, access.CAN_MANAGE_FOLLOW_UP, case),
        "close": status == Status.FOLLOW_UP and access.can(person, access.CAN_CLOSE, case),
    }


def _render_confirm(
    request: HttpRequest,
    case: Case,
    *,
    status: int = 200,
    bound: dict[str, forms.Form] | None = None,
    problem: str = "",
) -> HttpResponse:
    """Before the content: the handler states having no conflict with the case, or withdraws."""
    bound = bound or {}
    zone = case.unit.tz
    sealed = content.report(case)
    subject = presenters._subject(case, sealed)
    decision = sealed.get("decision") or {}
    recuse = bound.get("recuse") or f.RecuseForm(prefix="recuse")
    context = {
        "case": case,
        "state": STATE_LABELS.get(case.status, case.status),
        "due": _when(case.due_at, zone),
        "overdue": presenters.is_overdue(case),
        "subject": subject,
        "decision": decision,
        "decision_kind": KIND_LABELS.get(decision.get("kind") or "", decision.get("kind") or ""),
        "decision_date": _day(decision.get("date") or None),
        "categories": [CATEGORY_LABELS.get(r.code, r.code) for r in case.category_rows.order_by("id")],
        "recuse_form": recuse,
        "summary_errors": _summary_errors(bound.get("recuse")),
        "problem": problem,
    }
    return render(request, "web/staff/case_confirm.html", context, status=status)


def _render_case(
    request: HttpRequest,
    case: Case,
    *,
    status: int = 200,
    bound: dict[str, forms.Form] | None = None,
    problem: str = "",
) -> HttpResponse:
    person: Person = request.user  # type: ignore[assignment]
    if _must_confirm(person, case):
        return _render_confirm(request, case, status=status, bound=bound, problem=problem)
    bound = bound or {}
    data = presenters.detail(case, person)  # once per page view: it audits each view of the identity
    zone = case.unit.tz
    can_do = _actions(person, case)

    def form(key: str, cls: type[forms.Form], **kwargs: Any) -> forms.Form:
        return bound.get(key) or cls(prefix=key, **kwargs)

    follow_ups = []
    for item in data["follow_ups"]:
        settled = item["done"] or item["cancelled"]
        follow_ups.append(
            {
                **item,
                "due": _day(item["due_date"]),
                "late": not settled
                and dt.date.fromisoformat(item["due_date"]) < timezone.now().astimezone(zone).date(),
                "done_form": form(f"done-{item['id']}", f.FollowUpDoneForm)
                if can_do["follow_up"] and not settled
                else None,
                "cancel_form": form(f"cancel-{item['id']}", f.FollowUpCancelForm)
                if can_do["follow_up"] and not settled
                else None,
            }
        )
    reporter = _reporter(data["reporter"])
    requests = list(
        IdentityRequest.objects.filter(case=case).select_related("requester").order_by("at", "id")
    )
    mine = [r for r in requests if r.requester_id == person.pk]
    may_ask = (
        reporter.get("withheld")
        and identity.on_request(case)
        and CaseHandler.objects.filter(case=case, person=person).exists()
        and not any(r.state in (IdentityRequest.State.PENDING, IdentityRequest.State.APPROVED) for r in mine)
    )
    to_decide = []
    if access.oversees(person, case):
        to_decide = [
            {"request": r, "at": _when(r.at, zone), "form": form(f"decide-{r.pk}", f.IdentityDecisionForm)}
            for r in requests
            if r.state == IdentityRequest.State.PENDING and r.requester_id != person.pk
        ]
    decision = data["decision"]
    open_follow_ups = [x for x in data["follow_ups"] if not (x["done"] or x["cancelled"])]
    context = {
        "case": case,
        "data": data,
        "state": STATE_LABELS.get(case.status, case.status),
        "due": _when(case.due_at, zone),
        "overdue": presenters.is_overdue(case),
        "created": _when(case.created_at, zone),
        "handler": _handler_text(case),
        "categories": [CATEGORY_LABELS.get(code, code) for code in data["categories"]],
        "decision": decision,
        "decision_kind": KIND_LABELS.get(decision.get("kind") or "", decision.get("kind") or ""),
        "decision_date": _day(decision.get("date")),
        "conclusion": CONCLUSION_LABELS.get(case.conclusion, "") if case.conclusion else "",
        "review_decision": REVIEW_LABELS.get(case.review_decision, "") if case.review_decision else "",
        "outcome": OUTCOME_LABELS.get(case.outcome, "") if case.outcome else "",
        "reporter": reporter,
        "my_requests": [{"state": r.state, "at": _when(r.at, zone), "note": r.decision_note} for r in mine],
        "may_ask": may_ask,
        "to_decide": to_decide,
        "evidence": [
            {**e, "at": _when(e["at"], zone), "from": SENDER_LABELS.get(e["from"], e["from"])}
            for e in data["evidence"]
        ],
        "messages_list": [
            {
                "at": _when(m["at"], zone),
                "reporter": m["from"] == "reporter",
                "author": _title(m["author_title"])
                if m["from"] == "handler"
                else str(SENDER_LABELS["reporter"]),
                "text": m["text"],
            }
            for m in data["messages"]
        ],
        "history": _history(data["history"], zone),
        "follow_ups": follow_ups,
        "open_follow_ups": bool(open_follow_ups),
        "can": can_do,
        "examine_form": form("examine", f.ExaminationForm) if can_do["examine"] else None,
        "review_form": form("review", f.ReviewForm) if can_do["review"] else None,
        "recuse_form": form("recuse", f.RecuseForm) if can_do["recuse"] else None,
        "triage_form": form("triage", f.TriageForm, positions=_positions_for_triage(case))
        if can_do["triage"]
        else None,
        "message_form": form("message", f.MessageForm) if can_do["message"] else None,
        "follow_up_form": form("follow_up", f.FollowUpForm) if can_do["follow_up"] else None,
        "close_form": form("close", f.CloseForm) if can_do["close"] else None,
        "identity_form": form("identity", f.IdentityRequestForm) if may_ask else None,
        "summary_errors": [e for b in bound.values() for e in _summary_errors(b)],
        "problem": problem,
    }
    return render(request, "web/staff/case.html", context, status=status)


def _handler_text(case: Case) -> str:
    if not case.is_open:
        return ""
    if case.handler_position is not None:
        holder = f" ({case.handler_person.display_name})" if case.handler_person else ""
        return f"{case.handler_position.title}{holder}"
    if case.handler_team is not None:
        return _("COI handling team of %(unit)s") % {"unit": case.handler_team.name}
    return ""


@staff_required
def case_page(request: HttpRequest, reference: str) -> HttpResponse:
    try:
        case = access.get_case_for(request.user, reference)  # type: ignore[arg-type]
    except NotFound:
        return _not_found(request)
    return _render_case(request, case)


# ---------------------------------------------------------------- actions: POST, then back to the case


FIELD_MESSAGES = {
    "is required": gettext_lazy("Fill in this field."),
    "must be a date YYYY-MM-DD": gettext_lazy("Enter a date as year-month-day, for example 2026-12-31."),
    "is not a position of this case's unit or a unit below it": gettext_lazy(
        "Choose a position of the case's unit or of a unit below it."
    ),
}


def _field_message(text: str) -> str:
    if text in FIELD_MESSAGES:
        return str(FIELD_MESSAGES[text])
    if match := re.match(r"must be at most (\d+) characters", text):
        return _("Write at most %(n)s characters.") % {"n": match.group(1)}
    if text.endswith("is empty"):
        return _("The file is empty.")
    return _("This value is not accepted.")


def _state_message(error: WrongState, case: Case) -> str:
    text = error.message
    if error.code == "follow_up_open":
        return _(
            "Some follow-up actions are still open: mark each one done, or cancel it with a reason, "
            "before closing the case."
        )
    if text.startswith(("No one above", "There is no higher level")):
        return _(
            "There is nobody higher up the chain to take this case. Ask the administrator to appoint "
            "the COI handling team of the unit."
        )
    if text.startswith("No one else can take over"):
        return _(
            "Nobody else can take over this case. Ask the administrator to appoint another handler or a team."
        )
    if text.startswith("This follow-up action is already"):
        return _("This follow-up action is already settled.")
    if text.startswith("You already have"):
        return _("You have already asked to see the reporter's identity.")
    if text.startswith("This request is already"):
        return _("This request has already been decided.")
    if "nothing to request" in text:
        return _("The reporter's identity is not withheld in this case.")
    return _("This action is not possible now: the case is in the state “%(state)s”.") % {
        "state": STATE_LABELS.get(case.status, case.status)
    }


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
    before_confirmation: bool = False,
) -> HttpResponse:
    """One action on a case: check the form, call the service, report back on the case page."""
    person: Person = request.user  # type: ignore[assignment]
    try:
        case = access.get_case_for(person, reference)
    except NotFound:
        return _not_found(request)
    if request.method != "POST":
        return redirect(_case_url(case))
    if not before_confirmation and _must_confirm(person, case):
        return redirect(_case_url(case))
    status, problem, moved = 400, "", None
    if form.is_valid():
        try:
            run(case, person, form.cleaned_data)
        except Invalid as error:
            for field, text in error.field_texts().items():
                form.add_error(field if field in form.fields else None, _field_message(text))
        except WrongState as error:
            status, moved = 409, error
        except Forbidden:
            status, problem = 403, _("You cannot take this action on this case.")
        except NotFound:
            status, problem = 404, _("This item was not found in the case.")
        except DomainError as error:  # files: too large (413), type not allowed (415)
            status = error.status
            for field, text in (error.field_texts() or {"evidence": error.message}).items():
                form.add_error(field if field in form.fields else None, _file_message(error, text))
        else:
            messages.success(request, success)
            return redirect(done_url or _case_url(case))
    try:
        case = access.get_case_for(person, reference)  # the case as it is now
    except NotFound:
        return _not_found(request)
    if moved is not None:
        problem = _state_message(moved, case)
    return _render_case(request, case, status=status, bound={key: form}, problem=problem)


def _file_message(error: DomainError, text: str) -> str:
    if error.status == 413:
        return _("The file is too large.")
    if error.status == 415:
        return _(
            "This type of file is not accepted: send documents (PDF, office files), images, audio or video."
        )
    return _field_message(text)


@staff_required
def case_confirm(request: HttpRequest, reference: str) -> HttpResponse:
    form = f.StaffForm(request.POST)
    return _act(
        request,
        reference,
        "confirm",
        form,
        lambda case, person, data: services.case_confirm_no_conflict(case=case, actor=person),
        _("Thank you. You confirmed that you have no conflict of interest with this case."),
        before_confirmation=True,
    )


@staff_required
def case_examine(request: HttpRequest, reference: str) -> HttpResponse:
    return _act(
        request,
        reference,
        "examine",
        f.ExaminationForm(request.POST, prefix="examine"),
        lambda case, person, data: services.case_examine(
            case=case, actor=person, conclusion=data["conclusion"], findings=data["findings"]
        ),
        _("The result of the examination is recorded."),
    )


@staff_required
def case_review(request: HttpRequest, reference: str) -> HttpResponse:
    return _act(
        request,
        reference,
        "review",
        f.ReviewForm(request.POST, prefix="review"),
        lambda case, person, data: services.case_review(
            case=case, actor=person, decision=data["decision"], notes=data["notes"]
        ),
        _("The result of the review is recorded."),
    )


@staff_required
def case_recuse(request: HttpRequest, reference: str) -> HttpResponse:
    return _act(
        request,
        reference,
        "recuse",
        f.RecuseForm(request.POST, prefix="recuse"),
        lambda case, person, data: services.case_recuse(case=case, actor=person, reason=data["reason"]),
        _("You have withdrawn from the case. It has gone to the next handler."),
        done_url=reverse("web:queue"),
        before_confirmation=True,
    )


@staff_required
def case_triage(request: HttpRequest, reference: str) -> HttpResponse:
    try:
        case = access.get_case_for(request.user, reference)  # type: ignore[arg-type]
    except NotFound:
        return _not_found(request)
    form = f.TriageForm(request.POST, prefix="triage", positions=_positions_for_triage(case))
    return _act(
        request,
        reference,
        "triage",
        form,
        lambda case, person, data: services.case_triage(case=case, actor=person, position=data["position"]),
        _("The position is set and the case was sent for examination."),
    )


@staff_required
def case_message(request: HttpRequest, reference: str) -> HttpResponse:
    def run(case: Case, person: Person, data: dict[str, Any]) -> Any:
        uploads = request.FILES.getlist("message-evidence")
        files = (
            check_files(uploads, max_upload_mb=int(case.unit.effective_policy["max_upload_mb"]))
            if uploads
            else []
        )
        return services.case_message(case=case, actor=person, text=data["text"], files=files)

    return _act(
        request,
        reference,
        "message",
        f.MessageForm(request.POST, request.FILES, prefix="message"),
        run,
        _("Your message was sent to the reporter."),
    )


@staff_required
def follow_up_add(request: HttpRequest, reference: str) -> HttpResponse:
    return _act(
        request,
        reference,
        "follow_up",
        f.FollowUpForm(request.POST, prefix="follow_up"),
        lambda case, person, data: services.follow_up_add(
            case=case, actor=person, title=data["title"], due_date=data["due_date"]
        ),
        _("The follow-up action is added."),
    )


@staff_required
def follow_up_done(request: HttpRequest, reference: str, follow_up_id: str) -> HttpResponse:
    key = f"done-{follow_up_id}"
    return _act(
        request,
        reference,
        key,
        f.FollowUpDoneForm(request.POST, prefix=key),
        lambda case, person, data: services.follow_up_done(
            case=case, actor=person, follow_up_id=follow_up_id, notes=data["notes"]
        ),
        _("The follow-up action is marked done."),
    )


@staff_required
def follow_up_cancel(request: HttpRequest, reference: str, follow_up_id: str) -> HttpResponse:
    key = f"cancel-{follow_up_id}"
    return _act(
        request,
        reference,
        key,
        f.FollowUpCancelForm(request.POST, prefix=key),
        lambda case, person, data: services.follow_up_cancel(
            case=case, actor=person, follow_up_id=follow_up_id, reason=data["reason"]
        ),
        _("The follow-up action is cancelled."),
    )


@staff_required
def case_close(request: HttpRequest, reference: str) -> HttpResponse:
    return _act(
        request,
        reference,
        "close",
        f.CloseForm(request.POST, prefix="close"),
        lambda case, person, data: services.case_close(case=case, actor=person, summary=data["summary"]),
        _("The case is closed."),
    )


@staff_required
def identity_request(request: HttpRequest, reference: str) -> HttpResponse:
    return _act(
        request,
        reference,
        "identity",
        f.IdentityRequestForm(request.POST, prefix="identity"),
        lambda case, person, data: identity.identity_request(case=case, actor=person, reason=data["reason"]),
        _("Your request is sent. A member of the COI handling team will decide."),
    )


@staff_required
def identity_decide(request: HttpRequest, reference: str, request_id: str) -> HttpResponse:
    key = f"decide-{request_id}"
    return _act(
        request,
        reference,
        key,
        f.IdentityDecisionForm(request.POST, prefix=key),
        lambda case, person, data: identity.identity_decide(
            case=case,
            actor=person,
            request_id=request_id,
            approve=data["approve"] == "yes",
            note=data["note"],
        ),
        _("The decision on the request is recorded."),
    )


# ---------------------------------------------------------------- evidence files


@staff_required
def evidence_download(request: HttpRequest, reference: str, evidence_id: str) -> HttpResponse:
    person: Person = request.user  # type: ignore[assignment]
    try:
        case = access.get_case_for(person, reference)
    except NotFound:
        return _not_found(request)
    if _must_confirm(person, case):
        return HttpResponseRedirect(_case_url(case))
    evidence = Evidence.objects.filter(case=case, pk=int(evidence_id)).first()
    if evidence is None:
        return _not_found(request)
    evidence.case = case
    name = content.open_text(case, evidence.sealed_name, "evidence-name")
    record(
        "case.evidence_downloaded",
        actor=person.username,
        case_reference=case.reference,
        unit_code=case.unit.code,
        data={"evidence": evidence.pk, "via": "web"},
    )
    response = StreamingHttpResponse(content.read_file(evidence), content_type=evidence.content_type)
    response["Content-Length"] = str(evidence.size)
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "'")
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
