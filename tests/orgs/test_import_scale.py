"""The org import costs a fixed number of queries per kind, whatever the size of the file (the district
shape of ``tests/orgs/bigorg.py``, small). Speed itself is measured in ``bench/``, never here."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integritas.audit.chain import record
from integritas.orgs.importer import import_org
from integritas.orgs.models import Holding, Holiday, OrgChange, Person, Position, TeamMembership, Unit
from tests.orgs.bigorg import big_org

pytestmark = pytest.mark.django_db


def queries_of(data) -> tuple[int, int]:
    """Queries of a first import into an empty organisation, then of the same file again."""
    with CaptureQueriesContext(connection) as first:
        import_org(data, actor="t")
    with CaptureQueriesContext(connection) as again:
        assert not import_org(data, actor="t").changed
    return len(first), len(again)


def wipe() -> None:
    for model in (OrgChange, TeamMembership, Holding, Person, Position, Holiday):
        model.objects.all().delete()
    Unit.objects.filter(parent__isnull=False, children__isnull=True).delete()
    Unit.objects.filter(parent__isnull=False).delete()
    Unit.objects.all().delete()


def test_the_import_does_not_query_per_entry():
    record("test.started")  # the audit chain's head and key exist in any deployment
    small = big_org(districts=1, schools=2)  # 4 units, 40 positions and people
    larger = big_org(districts=3, schools=6)  # 22 units, 220 positions and people
    small_counts = queries_of(small)
    wipe()
    larger_counts = queries_of(larger)
    assert Person.objects.count() == 220 and TeamMembership.objects.count() == 3 + 3 * 3 + 18 * 2
    assert larger_counts == small_counts, (small_counts, larger_counts)


def test_the_district_shape_is_what_the_benchmark_imports():
    data = big_org(districts=2, schools=3)
    units = {u["code"]: u for u in data["units"]}
    assert len(units) == 1 + 2 + 2 * 3 and len(data["positions"]) == 10 * len(units)
    assert {units[f"DISDIK-0{d}"]["timezone"] for d in (1, 2)} == {"Asia/Jakarta", "Asia/Makassar"}
    chain = {p["code"]: p["reports_to"] for p in data["positions"]}
    walk, node = [], "GURU-1.SMP-01-001"
    while node:
        walk.append(node.split(".")[0])
        node = chain[node]
    assert walk == ["GURU-1", "WAKA-KUR", "KS", "KABID-SMP", "KADIS", "IRBAN-2", "IRJEN"]
    assert [len(t["members"]) for t in data["teams"][:3]] == [3, 3, 2]
    assert all("password" not in p for p in data["people"])
