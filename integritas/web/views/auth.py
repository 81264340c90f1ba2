"""Signing in to the back office: the password, then (when needed) the one-time code or the setting
up of an authenticator app. The flow and every failure count are ``orgs.auth``'s; these views only
keep the step reached in the session and show the pages."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from integritas.audit.chain import record
from integritas.cases import access
from integritas.errors import NotAuthenticated, TooManyAttempts
from integritas.orgs import auth, totp
from integritas.orgs.models import Holding, Person
from integritas.security.throttle import client_address
from integritas.web import forms_staff
from integritas.web.views.common import summary_errors

PENDING_KEY = "integritas_pending_sign_in"
PENDING_SECONDS = 600  # the code step must follow the password within ten minutes


def safe_next(value: str | None) -> str | None:
    """Only a path of this site: never another host, never a scheme."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    if any(ord(ch) < 32 for ch in value) or not url_has_allowed_host_and_scheme(value, allowed_hosts=None):
        return None
    return value


def home_for(person: Person) -> str:
    if (
        person.is_admin
        and not access.team_unit_ids(person)
        and not Holding.objects.filter(person=person).exists()
    ):
        return reverse("web:manage_home")
    return reverse("web:queue")


def _finish(request: HttpRequest, person: Person, next_path: str | None, address: str) -> HttpResponse:
    login(request, person, backend="django.contrib.auth.backends.ModelBackend")
    request.session.pop(PENDING_KEY, None)
    auth.signed_in(person, address=address, via="web")
    return redirect(safe_next(next_path) or home_for(person))


def _pending(request: HttpRequest, step: auth.Step) -> tuple[Person | None, dict[str, Any]]:
    """The person who gave the right password and still owes ``step``."""
    pending = request.session.get(PENDING_KEY) or {}
    if pending.get("step") != step or time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        return None, {}
    person = Person.objects.filter(pk=int(pending.get("id") or 0), is_active=True).first()
    return person, pending


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    context["summary_errors"] = summary_errors(context.get("form"))
    return render(request, template, context, status=status)


def _locked(
    request: HttpRequest, template: str, context: dict[str, Any], error: TooManyAttempts
) -> HttpResponse:
    context["problem"] = _(
        "Too many failed attempts. Sign-in is locked for a while; try again in %(minutes)s minutes."
    ) % {"minutes": max(1, (error.retry_after + 59) // 60)}
    response = _page(request, template, context, status=429)
    response["Retry-After"] = str(error.retry_after)
    return response


def _start_again(request: HttpRequest) -> HttpResponse:
    request.session.pop(PENDING_KEY, None)
    messages.info(request, _("Please sign in again."))
    return redirect("web:login")


def login_view(request: HttpRequest) -> HttpResponse:
    next_path = safe_next(request.POST.get("next") or request.GET.get("next"))
    if isinstance(request.user, Person) and request.method == "GET":
        return redirect(next_path or home_for(request.user))
    form = forms_staff.LoginForm(request.POST if request.method == "POST" else None)
    template, context = "web/staff/login.html", {"form": form, "next": next_path or ""}
    if request.method != "POST":
        return _page(request, template, context)
    if not form.is_valid():
        return _page(request, template, context, status=400)
    address = client_address(request)
    try:
        checked = auth.sign_in_password(
            username=form.cleaned_data["username"], password=form.cleaned_data["password"], address=address
        )
    except TooManyAttempts as error:
        return _locked(request, template, context, error)
    except NotAuthenticated as error:
        context["problem"] = error.message
        return _page(request, template, context, status=401)
    if checked.next == auth.Step.DONE:
        return _finish(request, checked.person, next_path, address)
    request.session[PENDING_KEY] = {
        "id": checked.person.pk,
        "at": time.time(),
        "next": next_path or "",
        "step": checked.next,
    }
    return redirect("web:login_code" if checked.next == auth.Step.CODE else "web:login_setup")


CodeCheck = Callable[..., None]  # auth.sign_in_code or auth.two_factor_confirm (person, otp, address)


def _code_step(
    request: HttpRequest, template: str, context: dict[str, Any], person: Person, check: CodeCheck
) -> HttpResponse | None:
    """A step that asks for a one-time code: the page to show, or None once the code is right."""
    form = context["form"] = forms_staff.CodeForm(request.POST if request.method == "POST" else None)
    if request.method != "POST":
        return _page(request, template, context)
    if not form.is_valid():
        return _page(request, template, context, status=400)
    try:
        check(person=person, otp=form.cleaned_data["otp"], address=client_address(request))
    except TooManyAttempts as error:
        return _locked(request, template, context, error)
    except NotAuthenticated as error:
        form.add_error("otp", error.message)
        return _page(request, template, context, status=401)
    return None


def login_code(request: HttpRequest) -> HttpResponse:
    person, pending = _pending(request, auth.Step.CODE)
    if person is None or not person.totp_enabled:
        return _start_again(request)
    shown = _code_step(request, "web/staff/login_code.html", {}, person, auth.sign_in_code)
    return shown or _finish(request, person, pending.get("next"), client_address(request))


def login_setup(request: HttpRequest) -> HttpResponse:
    """The unit requires two-factor sign-in and this person has none yet: set up an app, confirm a code."""
    person, pending = _pending(request, auth.Step.SETUP)
    if person is None:
        return _start_again(request)
    if person.totp_enabled:
        request.session[PENDING_KEY] = {**pending, "step": auth.Step.CODE}
        return redirect("web:login_code")
    secret = auth.totp_secret(person) if pending.get("started") else None
    if secret is None:
        secret = auth.totp_begin(person)
        request.session[PENDING_KEY] = {**pending, "started": True}
    context: dict[str, Any] = {
        "secret": secret,
        "secret_groups": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "uri": totp.provisioning_uri(secret, person.username),
    }
    shown = _code_step(request, "web/staff/login_setup.html", context, person, auth.two_factor_confirm)
    if shown is not None:
        return shown
    messages.success(
        request, _("Two-factor sign-in is set up. From now on you sign in with a code from your app.")
    )
    return _finish(request, person, pending.get("next"), client_address(request))


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if isinstance(request.user, Person):
        record("auth.signed_out", actor=request.user.username, data={"via": "web"})
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("web:login")
