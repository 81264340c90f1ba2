"""What every back-office view shares: signing in first, the 404 page, the error summary of a form."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse

from integritas.cases import access
from integritas.cases.models import Case
from integritas.errors import NotFound
from integritas.orgs.models import Person


def login_url(next_path: str) -> str:
    return f"{reverse('web:login')}?{urlencode({'next': next_path})}"


def staff_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Visitors who are not signed in go to the sign-in page, and come back here afterwards."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            target = request.get_full_path() if request.method == "GET" else request.path
            if request.method != "GET" and "reference" in kwargs:
                target = reverse("web:case", args=[kwargs["reference"]])
            return redirect(login_url(target))
        return view(request, *args, **kwargs)

    return wrapper


def person_of(request: HttpRequest) -> Person:
    """The signed-in member of staff (views behind ``staff_required``)."""
    user = request.user
    assert isinstance(user, Person)
    return user


def visible_case(request: HttpRequest, reference: str) -> Case | None:
    """The case if the signed-in person sees it; None for a case that is hidden or does not exist."""
    try:
        return access.get_case_for(person_of(request), reference)
    except NotFound:
        return None


def not_found(request: HttpRequest) -> HttpResponse:
    """The same page for a case that does not exist and for one the person may not see."""
    return render(request, "web/staff/not_found.html", status=404)


def case_url(case: Case) -> str:
    return reverse("web:case", args=[case.reference])


def summary_errors(*bound: forms.Form | None) -> list[dict[str, str]]:
    """The error summary at the top of the page: each error links to its field."""
    found: list[dict[str, str]] = []
    for form in bound:
        if form is None or not form.is_bound:
            continue
        for name, errors in form.errors.items():
            if name == NON_FIELD_ERRORS:
                found += [{"text": str(e), "href": ""} for e in errors]
                continue
            field = form[name]
            target = field.auto_id + ("_0" if isinstance(field.field.widget, forms.RadioSelect) else "")
            label = str(field.label)
            joiner = " " if label.endswith("?") else ": "
            found += [{"text": f"{label}{joiner}{e}", "href": f"#{target}"} for e in errors]
    return found
