"""Domain errors carry codes, never sentences (``integritas.errors``): a sentence where a code belongs
is a programming error at once, not words shown to someone."""

from __future__ import annotations

import pytest
from django.utils import translation

from integritas.errors import DomainError, Forbidden, Invalid, Problem, WrongState


@pytest.mark.parametrize("cls", [DomainError, Forbidden, WrongState])
def test_a_sentence_is_not_a_code(cls):
    with pytest.raises(ValueError, match="not an error code"):
        cls("The case is closed.")


def test_a_field_problem_is_a_code():
    with pytest.raises(ValueError, match="not an error code"):
        Invalid({"title": "Title is required"})
    error = Invalid({"title": "required", "due_date": Problem("date_in_past")})
    assert {name: p.code for name, p in error.fields.items()} == {
        "title": "required",
        "due_date": "date_in_past",
    }


def test_the_words_come_from_the_catalogue_in_the_active_language():
    error = WrongState("follow_up_open", open=2)
    assert error.code == "follow_up_open" and error.params == {"open": 2}
    with translation.override("en"):
        english = error.message
    with translation.override("id"):
        indonesian = error.message
    assert english and indonesian and english != indonesian
    assert "follow_up_open" not in english


def test_the_class_gives_the_code_when_none_is_named():
    assert Forbidden().code == "forbidden" and Forbidden().status == 403
    assert Invalid({"x": "required"}).code == "invalid"
