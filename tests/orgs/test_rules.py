"""The shared rules of the organisation: codes, names, e-mail addresses."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from integritas.orgs.rules import PLAIN_EMAIL, code_problem, email_problem


@settings(max_examples=300, deadline=None)
@given(st.from_regex(PLAIN_EMAIL, fullmatch=True).filter(lambda e: len(e) <= 254))
def test_the_fast_path_accepts_only_what_django_accepts(address):
    validate_email(address)  # raises if the fast path let through something Django refuses


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_text_gets_the_same_answer_as_djangos_validator(text):
    try:
        validate_email(text.strip())
        django_ok = len(text) <= 254 and "\x00" not in text
    except ValidationError:
        django_ok = False
    assert (email_problem(text) is None) == django_ok or text == ""


@pytest.mark.parametrize(
    "address, ok",
    [("budi@example.org", True), ("agus.salim@", False), ("a@b", False), ("x..y@a.id", False),
     ("nama.panjang+tag@sub.dinas.go.id", True), ("ümlaut@example.org", False)],
)  # fmt: skip
def test_examples(address, ok):
    assert (email_problem(address) is None) is ok


@pytest.mark.parametrize("code", ["baru", "BARU", "Baru"])
def test_the_reserved_word_in_any_case(code):
    assert code_problem(code).code == "reserved_code"
    assert code_problem(code, username=True).code == "reserved_code"
