"""References keep the format BK-YYYY-NNNNNN, but the number is drawn at random: staff cannot infer
from gaps that a hidden case exists, and no counter row is locked while reports come in."""

from __future__ import annotations

import itertools
import re

import pytest
from django.db import connection

from integritas.cases import receipts, services
from integritas.cases.models import Case
from tests.cases.chain import NOW
from tests.concurrency import at_once
from tests.factories import submit

FORMAT = re.compile(r"BK-2026-[0-9]{6}")


@pytest.mark.django_db
def test_references_keep_their_format_and_are_not_consecutive(org):
    refs = [submit(org.school, org.p_teacher, now=NOW, files=[]).case.reference for _ in range(12)]
    assert all(FORMAT.fullmatch(ref) for ref in refs), refs
    assert len(set(refs)) == len(refs)
    numbers = sorted(int(ref[-6:]) for ref in refs)
    steps = {b - a for a, b in zip(numbers, numbers[1:], strict=False)}
    assert steps != {1}, numbers  # twelve draws in a row, one apart: a counter, not chance


def draws_then(monkeypatch, *numbers: str) -> None:
    """random_reference yields ``numbers`` first, then BK-2026-9xxxxx numbers one apart."""
    draws = itertools.chain(numbers, (f"BK-2026-{n}" for n in itertools.count(900001)))
    monkeypatch.setattr("integritas.cases.services.random_reference", lambda year: next(draws))


@pytest.mark.django_db
def test_a_number_already_taken_is_drawn_again(org, monkeypatch):
    first = submit(org.school, org.p_teacher, now=NOW, files=[]).case
    draws_then(monkeypatch, first.reference, first.reference, "BK-2026-424242")
    second = submit(org.school, org.p_teacher, now=NOW, files=[]).case
    assert second.reference == "BK-2026-424242"
    assert Case.objects.count() == 2


@pytest.mark.django_db
def test_a_number_taken_after_the_check_is_drawn_again(org, monkeypatch):
    """Two reports filed at once may both find a number free; the one whose insert is refused takes
    the next number drawn."""
    first = submit(org.school, org.p_teacher, now=NOW, files=[]).case
    draws_then(monkeypatch, first.reference, "BK-2026-424242")
    monkeypatch.setattr(services.Case.objects, "filter", _blind_to_references(services.Case.objects.filter))
    second = submit(org.school, org.p_teacher, now=NOW, files=[]).case
    assert second.reference == "BK-2026-424242"
    assert Case.objects.count() == 2


def _blind_to_references(filter_):
    """Case.objects.filter that finds no taken number among the drawn ones (as if checked too early)."""

    def blind(*args, **kwargs):
        if "reference__in" in kwargs:
            return Case.objects.none()
        return filter_(*args, **kwargs)

    return blind


def test_the_year_is_the_units_local_year():
    assert FORMAT.fullmatch(receipts.random_reference(2026))
    assert receipts.random_reference(2027).startswith("BK-2027-")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_reports_get_unique_references_without_waiting_on_each_other():
    """Twelve reports filed at once from six threads on PostgreSQL: all filed, all different."""
    from tests.factories import make_org

    org = make_org()
    refs: list[str] = []

    def file_reports() -> None:
        for _ in range(2):
            refs.append(submit(org.school, org.p_teacher, files=[]).case.reference)

    errors = at_once(6, file_reports)
    assert connection.vendor == "postgresql"
    assert errors == []
    assert len(refs) == 12 and len(set(refs)) == 12
    assert all(re.fullmatch(r"BK-[0-9]{4}-[0-9]{6}", ref) for ref in refs)
    assert Case.objects.count() == 12
