"""Helpers for prevention tests: declarations with related parties, API clients with tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from integritas.orgs.models import Person
from integritas.prevention import declarations
from integritas.prevention.models import Declaration
from tests.factories import PASSWORD

API = "/api/v1"


def declare(
    person: Person,
    *parties: tuple[str, str],
    kind: str = "annual",
    year: int = 2026,
    category: str = "family_community",
    now: dt.datetime | None = None,
) -> Declaration:
    """File a declaration naming ``parties`` (name, relation); none at all when no party is given."""
    data: dict[str, Any] = {"kind": kind, "year": year, "none": not parties}
    if parties:
        data["interests"] = [
            {
                "category": category,
                "description": "Hubungan keluarga",
                "parties": [{"name": name, "relation": relation} for name, relation in parties],
            }
        ]
    return declarations.declaration_file(person=person, data=data, now=now).declaration


class Api:
    """The API through Django's test client, with a token per username."""

    def __init__(self) -> None:
        self.client = Client()
        self.tokens: dict[str, str] = {}

    def token(self, username: str) -> str:
        if username not in self.tokens:
            r = self.client.post(
                f"{API}/auth/token",
                {"username": username, "password": PASSWORD},
                content_type="application/json",
            )
            assert r.status_code == 200, r.content
            self.tokens[username] = r.json()["token"]
        return self.tokens[username]

    def auth(self, username: str | None) -> dict[str, str]:
        return {} if username is None else {"HTTP_AUTHORIZATION": f"Bearer {self.token(username)}"}

    def get(self, path: str, username: str | None, **params: Any):
        return self.client.get(API + path, params, **self.auth(username))

    def post(self, path: str, body: Any, username: str | None):
        return self.client.post(API + path, body, content_type="application/json", **self.auth(username))

    def delete(self, path: str, username: str | None):
        return self.client.delete(API + path, **self.auth(username))


@pytest.fixture
def api(db) -> Api:
    return Api()
