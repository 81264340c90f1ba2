"""Helpers of the back-office page tests: a signed-in client, the case's address, the no-conflict step."""

from __future__ import annotations

from django.test import Client

from integritas.cases.models import Case
from integritas.orgs.models import Person


def signed_in(person: Person, language: str | None = None) -> Client:
    client = Client()
    client.force_login(person)
    if language:
        client.cookies["integritas_language"] = language
    return client


def html(response) -> str:
    return response.content.decode()


def case_url(case: Case, tail: str = "") -> str:
    return f"/kasus/{case.reference}/{tail}"


def confirmed(person: Person, case: Case, language: str | None = None) -> Client:
    """A handler who has opened the case and confirmed having no conflict with it."""
    client = signed_in(person, language)
    r = client.post(case_url(case, "konfirmasi/"))
    assert r.status_code == 302 and r["Location"] == case_url(case)
    return client
