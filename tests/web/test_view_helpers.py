"""The helpers the back-office views share (issue 8: one copy of each): the error summary, a service's
problems onto a form, and the one path from a posted prevention form to its service."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.utils import translation

from integritas.errors import Invalid, Problem, WrongState
from integritas.web.forms_staff import StaffForm, show_invalid
from integritas.web.views.common import summary_errors
from integritas.web.views.prevention import submit


class Form(StaffForm):
    choice = forms.ChoiceField(label="Founded?", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
    title = forms.CharField(label="Title", max_length=10)


def bound(**data: str) -> Form:
    form = Form(data)
    form.is_valid()
    return form


@pytest.fixture(autouse=True)
def english() -> Any:
    with translation.override("en"):
        yield


def test_summary_links_each_error_to_its_field_and_a_question_takes_no_colon() -> None:
    form = bound(title="far too long a title")
    form.add_error(None, "Not now.")
    assert summary_errors(form) == [
        {"text": "Founded? Fill in this field.", "href": "#id_choice_0"},
        {"text": "Title: Ensure this value has at most 10 characters (it has 20).", "href": "#id_title"},
        {"text": "Not now.", "href": ""},
    ]


def test_summary_of_several_forms_skips_the_unbound_and_the_missing() -> None:
    first, second = bound(choice="a"), Form(prefix="other")
    assert [e["href"] for e in summary_errors(first, None, second)] == ["#id_title"]
    assert summary_errors() == [] and summary_errors(None) == []


def test_service_problems_go_onto_the_named_field_or_the_top() -> None:
    form = bound(choice="a", title="ok")
    error = Invalid(
        {"decision.title": Problem("too_long", limit=5), "elsewhere": Problem("too_long", limit=1)}
    )
    show_invalid(form, error, {"decision.title": "title"}.get)
    assert form.errors["title"] == ["At most 5 characters."]
    assert form.errors["__all__"] == ["At most 1 characters."]


def _request(method: str, data: dict[str, str] | None = None) -> HttpRequest:
    factory = RequestFactory()
    request = factory.post("/", data or {}) if method == "POST" else factory.get("/")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    return request


def _submit(request: HttpRequest, form: Form, run: Any, **kwargs: Any) -> tuple[HttpResponse, list[Any]]:
    shown: list[Any] = []

    def show(status: int, problem: str) -> HttpResponse:
        shown.append((status, problem))
        return HttpResponse(status=status)

    answer = submit(
        request, form, run, lambda title: (f"{title} saved.", HttpResponse(status=303)), show, **kwargs
    )
    return answer, shown


def test_nothing_posted_draws_the_page_and_calls_no_service() -> None:
    answer, shown = _submit(_request("GET"), Form(), lambda: pytest.fail("no service call"))
    assert answer.status_code == 200 and shown == [(200, "")]


def test_posted_back_again_keeps_the_form_without_errors() -> None:
    form = Form({"title": ""})
    answer, shown = _submit(_request("POST"), form, lambda: pytest.fail("no service call"), again=True)
    assert shown == [(200, "")] and not form.errors and form.is_bound


def test_an_invalid_form_is_400_without_calling_the_service() -> None:
    form = Form({"title": "x"})
    answer, shown = _submit(_request("POST"), form, lambda: pytest.fail("no service call"))
    assert shown == [(400, "")] and "choice" in form.errors


def test_the_services_field_problem_lands_on_the_mapped_field() -> None:
    def refuse() -> None:
        raise Invalid({"name": Problem("too_long", limit=3)})

    form = Form({"choice": "a", "title": "abcd"})
    answer, shown = _submit(_request("POST"), form, refuse, field_for={"name": "title"}.get)
    assert shown == [(400, "")] and form.errors["title"] == ["At most 3 characters."]


def test_a_refusal_of_state_is_the_problem_with_its_status() -> None:
    def refuse() -> None:
        raise WrongState("already_settled")

    form = Form({"choice": "a", "title": "abcd"})
    answer, shown = _submit(_request("POST"), form, refuse)
    [(status, problem)] = shown
    assert status == 409 and problem == WrongState("already_settled").message


def test_success_says_so_and_answers_what_then_gives() -> None:
    request = _request("POST")
    form = Form({"choice": "a", "title": "abcd"})
    answer, shown = _submit(request, form, lambda: form.cleaned_data["title"])
    assert answer.status_code == 303 and shown == []
    assert [str(m) for m in get_messages(request)] == ["abcd saved."]
