"""What every administration page shares: the gate, the page frame, and the edit page of one object.

Only administrators (``Person.is_admin``) get in. Separation of duties: nothing here reads or links to
cases; the pages show the organisation only. Every change goes through ``integritas.orgs.services``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from integritas.errors import Invalid
from integritas.web import forms_manage as f

View = Callable[..., HttpResponse]


def admin_only(view: View) -> View:
    """Anonymous visitors go to the sign-in page; signed-in people who are not administrators get 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("web:login"))
        if not getattr(user, "is_admin", False):
            return render(request, "web/manage/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def failed_forms(context: dict[str, Any]) -> list[Form]:
    """Every bound form on the page that has errors, for the error summary at the top."""
    found: list[Form] = []
    for value in context.values():
        candidates = (
            value.values() if isinstance(value, dict) else value if isinstance(value, list) else [value]
        )
        found.extend(c for c in candidates if isinstance(c, Form) and c.is_bound and c.errors)
    return found


def page(
    request: HttpRequest, template: str, context: dict[str, Any], *, section: str, status: int = 200
) -> HttpResponse:
    context = {"section": section, **context}
    context["error_forms"] = failed_forms(context)
    return render(request, f"web/manage/{template}", context, status=status)


def today() -> dt.date:
    return timezone.localdate()


def edit_page(
    request: HttpRequest,
    kind: str,
    obj: Any,
    form_class: type[Form],
    initial: dict[str, Any],
    save: Callable[[Form], tuple[Any, bool]],
    context: Callable[[Form], dict[str, Any]],
    saved_text: str,
) -> HttpResponse:
    """Create (``obj`` None, the form starting from ``initial``) or edit one object of a ``kind``
    ("unit", "position"): parse the form, call its service, show problems next to the fields, go to
    the object's page on success. The form takes the object as ``kind``; the page is
    ``<kind>_form.html`` in the section ``<kind>s``; ``saved_text`` names the saved one's ``code``."""
    status, form_kwargs = 200, {kind: obj}
    if request.method == "POST":
        form = form_class(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                saved, changed = save(form)
            except Invalid as error:
                f.show_invalid(form, error)
            else:
                if changed:
                    messages.success(request, saved_text % {"code": saved.code})
                else:
                    messages.info(request, _("Nothing changed."))
                return redirect(f"web:manage_{kind}", code=saved.code)
        status = 400
    else:
        form = form_class(initial=initial if obj is None else None, **form_kwargs)
    context_all = {"form": form, **context(form)}
    return page(request, f"{kind}_form.html", context_all, section=f"{kind}s", status=status)
