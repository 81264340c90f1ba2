"""Weak and common passwords are refused with a clear message; argon2 hashes the rest."""

import pytest
from django.utils import translation

from integritas.orgs.importer import ImportProblem, import_org
from integritas.orgs.models import Person

pytestmark = pytest.mark.django_db


def org_file(password):
    return {
        "units": [{"code": "U1", "name": "Sekolah Satu", "parent": None}],
        "people": [
            {"username": "budi", "name": "Budi Santoso", "email": "budi@example.org", "password": password}
        ],
    }


@pytest.mark.parametrize(
    "password, hint",
    [
        ("pendek1!", "at least 10 characters"),  # too short
        ("password123", "too common"),  # in the list of common passwords
        ("1234567890123", "entirely numeric"),  # digits only
        ("Sekolah2026!", "common word with numbers added"),  # a local word with numbers around it
        ("budisantoso1", "too similar to the name"),  # too like the person's own name
    ],
)
def test_weak_passwords_are_refused_naming_the_person(password, hint):
    with translation.override("en"), pytest.raises(ImportProblem) as problem:
        import_org(org_file(password))
    with translation.override("en"):
        text = "\n".join(problem.value.problems)
    assert "people[0] (username 'budi'), password: The password is too weak:" in text
    assert hint in text, text
    assert not Person.objects.filter(username="budi").exists()


@pytest.mark.real_hashing
def test_a_strong_password_is_hashed_with_argon2():
    import_org(org_file("Tiga-Ekor-Kucing-Oranye"))
    person = Person.objects.get(username="budi")
    assert person.password.startswith("argon2$argon2id$")
    assert person.check_password("Tiga-Ekor-Kucing-Oranye")


def test_the_reason_is_given_in_indonesian_too():
    with translation.override("id"), pytest.raises(ImportProblem) as problem:
        import_org(org_file("Sekolah2026!"))
    assert "kata umum" in "\n".join(problem.value.problems)
