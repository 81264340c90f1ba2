"""The public portal: what a conflict of interest is, how to report, and following a report.

Receipts never travel in a URL: the report form answers with a redirect to a page that shows the
receipt once (kept in the session for that display only), and tracking takes the receipt by POST and
keeps only the case id in the session.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from integritas import timefmt
from integritas.cases import services, timeline, tracking
from integritas.cases.evidence import ACCEPTED_TYPES, MAX_FILES, CheckedFile, check_files, clean_name
from integritas.cases.intake import validate_report
from integritas.cases.models import Case, DecisionKind, Sender
from integritas.cases.presenters import is_overdue
from integritas.errors import DomainError, Invalid, NotAuthenticated, Problem, TooManyAttempts, WrongState
from integritas.orgs import search as unit_search
from integritas.orgs.models import Unit
from integritas.orgs.selectors import positions_with_holders
from integritas.security.throttle import client_address
from integritas.web import forms_public as f
from integritas.web import held, labels
from integritas.web.bodies import files_over_the_limit_are_field_errors, refused_uploads
from integritas.web.models import ReportToken
from integritas.web.sessions import open_bound, seal_bound, set_idle

SUBMITTED_KEY = "public_submitted"  # {case, sealed, at}: the receipt just filed, sealed to this session
TRACK_KEY = "public_track"  # {case, seen}: the report this device follows
TRACK_IDLE_SECONDS = 20 * 60  # a tracking session forgets the report after 20 minutes without use
SLIP_SECONDS = 1800  # the receipt can be shown again (and downloaded) for half an hour after sending
RECEIPT_PURPOSE = "integritas-receipt-display"
TOKEN_PURPOSE = "integritas-report-token"
SEARCH_LIMIT = 50
LIST_ALL_UP_TO = 12  # a small deployment lists its units without a search
BROWSE_PAGE = 100  # the list of every school and office, a page at a time


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {"categories": labels.categories()})


# ---------------------------------------------------------------- reporting


def report_start(request: HttpRequest) -> HttpResponse:
    """Step 1: find the school or office by name or code (a plain GET search, no script).

    The search understands how people write school names (``integritas.orgs.search``); when it finds
    nothing, or on request, the page lists every school and office, a page at a time."""
    q = (request.GET.get("q") or "").strip()
    error = ""
    units: list[Unit] | None = None
    if len(q) > 100 or "\x00" in q:
        error, q = _("Type at most 100 characters."), ""
    elif q:
        units = unit_search.search(q, limit=SEARCH_LIMIT + 1)
    total = Unit.objects.count()
    browse = request.GET.get("semua") == "1" or (q and not units) or (not q and total <= LIST_ALL_UP_TO)
    listing = None
    if browse:
        listing = Paginator(
            Unit.objects.select_related("parent").order_by("name", "code"), BROWSE_PAGE
        ).get_page(request.GET.get("hal"))
    more = units is not None and len(units) > SEARCH_LIMIT
    return render(
        request,
        "web/public/report_start.html",
        {
            "q": q,
            "units": units[:SEARCH_LIMIT] if units else units,
            "more": more,
            "error": error,
            "listing": listing,
            "can_browse": total > LIST_ALL_UP_TO,
        },
        status=400 if error else 200,
    )


def _unit_of(code: str) -> Unit:
    """The unit of a code as printed, or as typed from a poster (small letters): 404 otherwise."""
    if len(code) > 64 or "\x00" in code:
        raise Http404("No such unit")
    unit = Unit.objects.filter(code=code).first() or Unit.objects.filter(code__iexact=code).first()
    if unit is None:
        raise Http404("No such unit")
    return unit


@files_over_the_limit_are_field_errors
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def report_form(request: HttpRequest, code: str) -> HttpResponse:
    """Step 2: the report. Invalid input comes back with every field filled again (status 400)."""
    unit = _unit_of(code)
    if unit.code != code and request.method == "GET":
        return HttpResponseRedirect(reverse("web:report_form", args=[unit.code]))
    policy = unit.effective_policy
    max_mb = int(policy["max_upload_mb"])
    if request.method == "GET":
        return _render_form(request, unit, _blank_values(), {})
    values = f.report_values(request.POST)
    token = values[f.TOKEN_FIELD]
    if token and ReportToken.objects.filter(token_hash=_token_hash(token), case__isnull=False).exists():
        return _receipt_again(request, token)  # this form was sent already (a double tap)
    uploads = request.FILES.getlist("evidence")
    kept = held.listed(token, request.POST.getlist(held.KEEP_FIELD))  # valid files of an earlier try
    problems: dict[str, Problem] = {}
    report = None
    try:
        report = validate_report(f.report_data(unit, values), evidence_count=len(uploads) + len(kept))
    except Invalid as exc:
        problems.update(exc.fields)
    refused = refused_uploads(request)
    if refused:  # skipped while streaming in: larger than any unit allows
        problems["evidence"] = Problem("file_too_large", name=clean_name(refused[0]), limit_mb=max_mb)
    fresh, problem = _check_each(uploads, max_mb)
    if problem is not None:
        problems.setdefault("evidence", problem)
    if len(kept) + len(fresh) > MAX_FILES:
        problems.setdefault("evidence", Problem("too_many_files", limit=MAX_FILES))
    if problems or report is None:
        # The files that passed are held (sealed to this form) so that they need not be chosen again.
        now_held = kept + held.hold(fresh, token) if token else []
        errors = f.field_errors(problems)
        lost = bool(refused) or len(fresh) < len(uploads) or (bool(uploads) and not token)
        status = 413 if refused else 400
        return _render_form(
            request, unit, values, errors, files_lost=lost, held_files=now_held, status=status
        )
    files = held.take(token, [h.id for h in kept]) + fresh
    submitted = _submit_once(token, report, files)
    if submitted is None:  # the same form was sent before (a double tap): show that report's receipt
        return _receipt_again(request, token)
    held.release(token)
    _keep_receipt(request, submitted.case, submitted.receipt)
    return HttpResponseRedirect(reverse("web:report_done"))


def _check_each(uploads: list[Any], max_mb: int) -> tuple[list[CheckedFile], Problem | None]:
    """Each file checked on its own: those that pass, and the problem of the first that does not."""
    passed: list[CheckedFile] = []
    problem: Problem | None = None
    for upload in uploads[: MAX_FILES + 1]:
        try:
            passed.extend(check_files([upload], max_upload_mb=max_mb))
        except DomainError as exc:  # Invalid, TooLarge, UnsupportedType: each names the evidence field
            problem = problem or exc.fields.get("evidence") or Problem("invalid")
    if len(uploads) > MAX_FILES:
        problem = problem or Problem("too_many_files", limit=MAX_FILES)
    return passed, problem


def _submit_once(token: str, report: Any, files: list[CheckedFile]) -> services.Submitted | None:
    """File the report, unless this form (its one-time token) was already sent: then None.

    The token's row is written in the same transaction as the case; a second post of the same form
    waits for the first (the row's unique key) and then finds it."""
    if not token:
        return services.case_submit(report=report, files=files)
    with transaction.atomic():
        try:
            with transaction.atomic():  # only this insert may meet the first post's row
                row = ReportToken.objects.create(token_hash=_token_hash(token), created_at=timezone.now())
        except IntegrityError:
            return None
        submitted = services.case_submit(report=report, files=files)
        row.case = submitted.case
        row.sealed_receipt = seal_bound(submitted.receipt, purpose=TOKEN_PURPOSE, secret=token).encode()
        row.save(update_fields=["case", "sealed_receipt"])
        return submitted


def _token_hash(token: str) -> str:
    return hashlib.sha256(b"integritas-report-token:" + token.encode()).hexdigest()


def _receipt_again(request: HttpRequest, token: str) -> HttpResponse:
    row = ReportToken.objects.filter(token_hash=_token_hash(token)).select_related("case").first()
    receipt = None
    if row is not None and row.case is not None and row.sealed_receipt:
        receipt = open_bound(bytes(row.sealed_receipt).decode(), purpose=TOKEN_PURPOSE, secret=token)
    if row is None or row.case is None or receipt is None:
        return render(request, "web/public/report_done.html", {"gone": True, "sent_twice": True})
    _keep_receipt(request, row.case, receipt)
    return HttpResponseRedirect(reverse("web:report_done"))


def _keep_receipt(request: HttpRequest, case: Case, receipt: str) -> None:
    """Keep the receipt showable to this browser for half an hour: sealed, bound to the session key
    that only the browser's cookie holds (a database copy, or the master key alone, opens nothing)."""
    if request.session.session_key is None:
        request.session.save()  # a key now, to bind the receipt to
    key = request.session.session_key or ""
    request.session[SUBMITTED_KEY] = {
        "case": case.pk,
        "sealed": seal_bound(receipt, purpose=RECEIPT_PURPOSE, secret=key),
        "at": time.time(),
    }
    if not request.user.is_authenticated:
        # The session holding the receipt does not outlive the time to save it.
        request.session.set_expiry(SLIP_SECONDS)


def report_form_again(request: HttpRequest, code: str) -> HttpResponse:
    """The report form after its security check failed (cookies cleared, page open too long): what
    was typed comes back with a plain explanation, and a fresh form that will work."""
    try:
        unit = _unit_of(code)
    except Http404:
        from integritas.web.views.errors import not_found

        return not_found(request)
    values = f.report_values(request.POST)
    message = _(
        "Your report was not sent yet: for your safety the form works only while this browser keeps "
        "its cookies, and they were cleared (or the page was open for a long time). Check what you "
        "typed below, choose the files again, and send it once more."
    )
    kept = held.listed(values[f.TOKEN_FIELD], request.POST.getlist(held.KEEP_FIELD))
    return _render_form(
        request,
        unit,
        values,
        {"__all__": message},
        files_lost=bool(request.FILES),
        held_files=kept,
        status=403,
    )


def _blank_values() -> dict[str, Any]:
    values: dict[str, Any] = {name: "" for name in f.TEXT_FIELDS}
    values.update(categories=[], anonymous=False, good_faith=False)
    return values


def _render_form(
    request: HttpRequest,
    unit: Unit,
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    files_lost: bool = False,
    held_files: list[held.Held] | None = None,
    status: int = 200,
) -> HttpResponse:
    policy = unit.effective_policy
    if not values.get(f.TOKEN_FIELD):  # a new form; after an error the same form keeps its token
        values = {**values, f.TOKEN_FIELD: f.new_form_token()}
    context = {
        "unit": unit,
        "positions": positions_with_holders(unit, timezone.now().astimezone(unit.tz).date()),
        "not_listed": f.NOT_LISTED,
        "kinds": DecisionKind.choices,
        "categories": labels.categories(),
        "values": values,
        "errors": errors,
        "error_list": f.error_list(errors),
        "files_lost": files_lost,
        "held_files": held_files or [],
        "allow_anonymous": bool(policy.get("allow_anonymous")),
        "require_evidence": bool(policy.get("require_evidence")),
        "max_upload_mb": int(policy["max_upload_mb"]),
        "evidence_types": ACCEPTED_TYPES,
    }
    return render(request, "web/public/report_form.html", context, status=status)


def _session_case(
    request: HttpRequest, key: str, expired: str, seconds: int
) -> tuple[dict[str, Any], Case] | None:
    """The case a session entry names (the report just filed, or the one this device follows), unless
    the entry's ``expired`` time is more than ``seconds`` old or the case is gone: then it is dropped."""
    data = request.session.get(key)
    if not isinstance(data, dict):
        return None
    since = data.get(expired)
    case = None
    if since is None or time.time() - float(since) <= seconds:
        case = (
            Case.objects.select_related("unit", "handler_position", "handler_team")
            .filter(pk=int(data.get("case") or 0))
            .first()
        )
    if case is None:
        request.session.pop(key, None)
        return None
    return data, case


def _submitted(request: HttpRequest) -> tuple[Case, str, float] | None:
    """The report just sent from this browser, its receipt, and until when it is kept (or None)."""
    found = _session_case(request, SUBMITTED_KEY, "at", SLIP_SECONDS)
    if found is None:
        return None
    data, case = found
    receipt = open_bound(
        data.get("sealed"), purpose=RECEIPT_PURPOSE, secret=request.session.session_key or ""
    )
    if receipt is None:
        request.session.pop(SUBMITTED_KEY, None)
        return None
    return case, receipt, float(data["at"]) + SLIP_SECONDS


def report_done(request: HttpRequest) -> HttpResponse:
    """The reference and the receipt. A reload shows them again (phones reload a tab after a switch to
    the camera or a chat app) for half an hour, until the visitor says it is saved."""
    found = _submitted(request)
    if found is None:
        return render(request, "web/public/report_done.html", {"gone": True})
    case, receipt, until = found
    zone = case.unit.tz
    return render(
        request,
        "web/public/report_done.html",
        {
            "gone": False,
            "reference": case.reference,
            "receipt": receipt,
            "unit": case.unit,
            "due": timefmt.long(case.due_at, zone),
            "status": labels.STATUS_FOR_REPORTER.get(case.status, ""),
            "handler": timeline.current_handler(case) or "",
            "track_url": request.build_absolute_uri(reverse("web:track")),
            "kept_until": timefmt.long(dt.datetime.fromtimestamp(until, tz=dt.UTC), zone),
        },
    )


def report_slip(request: HttpRequest) -> HttpResponse:
    """A small text slip with the receipt, while this browser keeps it (half an hour at most)."""
    found = _submitted(request)
    if found is None:
        return render(request, "web/public/report_done.html", {"gone": True}, status=404)
    case, receipt, _until = found
    text = render_to_string(
        "web/public/slip.txt",
        {
            "reference": case.reference,
            "receipt": receipt,
            "unit": case.unit,
            "submitted": timefmt.long(case.created_at, case.unit.tz),
            "due": timefmt.long(case.due_at, case.unit.tz),
            "track_url": request.build_absolute_uri(reverse("web:track")),
        },
        request=request,
    )
    response = HttpResponse(text.replace("\n", "\r\n"), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="tanda-terima-{case.reference}.txt"'
    return response


@require_POST
def report_done_finish(request: HttpRequest) -> HttpResponse:
    """The visitor has saved the receipt: forget it on this device now."""
    request.session.pop(SUBMITTED_KEY, None)
    return HttpResponseRedirect(reverse("web:home"))


# ---------------------------------------------------------------- tracking


@sensitive_post_parameters("receipt")
@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """The receipt opens the report (POST only: receipts never land in URLs or logs)."""
    following = _tracked_case(request) if request.method == "GET" else None
    if request.method == "GET":
        return render(request, "web/public/track.html", {"following": following})
    try:
        case = tracking.case_for_receipt(request.POST.get("receipt"), client_address(request))
    except TooManyAttempts as exc:
        minutes = max(1, (exc.retry_after + 59) // 60)
        message = _(
            "Too many wrong receipts beginning like this one were typed on this connection. Check the "
            "receipt; it can be tried again in %(minutes)s minutes."
        ) % {"minutes": minutes}
        context = {"locked": message, "typed": _typed_receipt(request)}
        response = render(request, "web/public/track.html", context, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    except NotAuthenticated as exc:  # receipt_required or bad_receipt
        # What was typed stays in the field (one wrong character should not mean typing 24 again);
        # the page is never cached (Cache-Control: no-store).
        context = {"error": exc.message, "typed": _typed_receipt(request)}
        return render(request, "web/public/track.html", context, status=400)
    request.session.pop(SUBMITTED_KEY, None)
    request.session.cycle_key()
    # A browser-session cookie (gone when the browser closes) and a short idle life on the server:
    # on a shared computer the next person does not find the report open.
    set_idle(request.session, TRACK_IDLE_SECONDS)
    request.session[TRACK_KEY] = {"case": case.pk, "seen": time.time()}
    return HttpResponseRedirect(reverse("web:track_case"))


def _typed_receipt(request: HttpRequest) -> str:
    typed = request.POST.get("receipt", "")
    return typed.strip() if len(typed) <= tracking.MAX_RECEIPT and "\x00" not in typed else ""


def track_again(request: HttpRequest) -> HttpResponse:
    """The tracking form after its security check failed: the typed receipt comes back, with why."""
    message = _(
        "The receipt was not checked: for your safety the form works only while this browser keeps its "
        "cookies, and they were cleared (or the page was open for a long time). Press the button again."
    )
    context = {"error": message, "typed": _typed_receipt(request)}
    return render(request, "web/public/track.html", context, status=403)


def _tracked_case(request: HttpRequest) -> Case | None:
    found = _session_case(request, TRACK_KEY, "seen", TRACK_IDLE_SECONDS)
    if found is None:
        return None
    data, case = found
    data["seen"] = time.time()
    request.session[TRACK_KEY] = data
    return case


@files_over_the_limit_are_field_errors
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def track_case(request: HttpRequest) -> HttpResponse:
    """The report: status, timeline, due date, messages both ways, and the reply form."""
    case = _tracked_case(request)
    if case is None:
        messages.info(request, _("Enter your receipt to see your report."))
        return HttpResponseRedirect(reverse("web:track"))
    if request.method == "GET":
        return _render_case(request, case)
    text = request.POST.get("text", "")
    uploads = request.FILES.getlist("evidence")
    max_mb = int(case.unit.effective_policy["max_upload_mb"])
    # Files kept from an earlier try are sealed to this tracking session's key.
    secret = request.session.session_key or ""
    kept = held.listed(secret, request.POST.getlist(held.KEEP_FIELD))
    refused = refused_uploads(request)
    fresh, problem = _check_each(uploads, max_mb)
    if refused:
        problem = Problem("file_too_large", name=clean_name(refused[0]), limit_mb=max_mb)
    if problem is None and len(kept) + len(fresh) > MAX_FILES:
        problem = Problem("too_many_files", limit=MAX_FILES)
    if problem is not None:
        now_held = kept + held.hold(fresh, secret)
        errors = f.field_errors({"evidence": problem})
        lost = bool(refused) or len(fresh) < len(uploads)
        status = 413 if refused else 400
        return _render_case(
            request, case, text=text, errors=errors, files_lost=lost, held_files=now_held, status=status
        )
    files = held.take(secret, [h.id for h in kept]) + fresh
    try:
        services.reporter_message(case=case, text=text, files=files)
    except WrongState as exc:  # case_closed
        return _render_case(request, case, text=text, page_error=exc.message, status=exc.status)
    except DomainError as exc:  # Invalid (nothing written)
        errors = f.field_errors(exc.fields or {"text": Problem("invalid")})
        now_held = kept + held.hold(fresh, secret)
        return _render_case(request, case, text=text, errors=errors, held_files=now_held, status=400)
    held.release(secret)
    messages.success(request, _("Your message has been sent to the handlers."))
    return HttpResponseRedirect(reverse("web:track_case") + "#messages")


def _render_case(
    request: HttpRequest,
    case: Case,
    *,
    text: str = "",
    errors: dict[str, str] | None = None,
    files_lost: bool = False,
    held_files: list[held.Held] | None = None,
    page_error: str = "",
    status: int = 200,
) -> HttpResponse:
    view = tracking.reporter_view(case)
    zone = case.unit.tz
    errors = errors or {}
    context = {
        "case": case,
        "unit": case.unit,
        "status": labels.STATUS_FOR_REPORTER.get(case.status, case.status),
        "outcome": labels.OUTCOME_FOR_REPORTER.get(case.outcome, "") if case.outcome else "",
        "handler": view.handler or "",
        "due": timefmt.long(view.due_at, zone),
        "overdue": is_overdue(case),
        "timeline": [
            {
                "at": timefmt.long(line.at, zone),
                "label": line.sentence,
                "actor": line.actor,
                "text": line.text,
            }
            for line in view.timeline
        ],
        "conversation": [
            {
                "mine": m.sender == Sender.REPORTER,
                "who": _("You") if m.sender == Sender.REPORTER else (m.author or _("Officer")),
                "at": timefmt.long(m.at, zone),
                "text": m.text,
                "files": m.files,
            }
            for m in view.messages
        ],
        "report_files": view.report_files,
        "text": text,
        "errors": errors,
        "error_list": f.error_list(errors),
        "files_lost": files_lost,
        "held_files": held_files or [],
        "page_error": page_error,
        "idle_minutes": TRACK_IDLE_SECONDS // 60,
        "max_upload_mb": int(case.unit.effective_policy["max_upload_mb"]),
        "evidence_types": ACCEPTED_TYPES,
    }
    return render(request, "web/public/track_case.html", context, status=status)


@require_POST
def track_end(request: HttpRequest) -> HttpResponse:
    """Selesai: this device forgets the report (the receipt still opens it anywhere)."""
    request.session.pop(TRACK_KEY, None)
    request.session.cycle_key()
    messages.success(request, _("This device no longer shows your report. Your receipt still opens it."))
    return HttpResponseRedirect(reverse("web:track"))
