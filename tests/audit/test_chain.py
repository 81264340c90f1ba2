"""The audit chain catches any entry changed, removed or reordered directly in the database."""

import pytest

from integritas.audit.chain import record, verify
from integritas.audit.models import AuditEntry
from integritas.cases import services
from integritas.cases.models import Via
from tests.factories import reload, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(org):
    sub = submit(org.school, org.p_teacher)
    services.case_examine(
        via=Via.API, case=reload(sub.case), actor=org.vice, conclusion="founded", findings="Benar"
    )
    record("org.test", actor="admin", data={"n": 1})
    assert AuditEntry.objects.count() >= 4
    return sub.case


def test_transitions_are_recorded_in_order(chain):
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))
    # Through the API the handler's first action records the no-conflict statement first.
    assert actions[:4] == [
        "case.submitted",
        "case.routed",
        "case.no_conflict_confirmed",
        "case.examined_founded",
    ]
    assert verify() == (True, f"audit chain intact: {len(actions)} entries")


def test_changed_content_is_caught(chain):
    entry = AuditEntry.objects.get(seq=2)
    AuditEntry.objects.filter(pk=entry.pk).update(actor="somebody-else")
    ok, message = verify()
    assert not ok and "#2" in message and "changed" in message


def test_changed_data_is_caught(chain):
    AuditEntry.objects.filter(seq=3).update(data={"from": "examination", "to": "closed"})
    ok, message = verify()
    assert not ok and "#3" in message


def test_removed_entry_is_caught(chain):
    AuditEntry.objects.filter(seq=2).delete()
    ok, message = verify()
    assert not ok and "#2" in message


def test_removed_last_entry_is_caught(chain):
    last = AuditEntry.objects.order_by("-seq").first()
    last.delete()
    ok, message = verify()
    assert not ok and f"#{last.seq}" in message


def test_reordered_entries_are_caught(chain):
    a, b = AuditEntry.objects.get(seq=2), AuditEntry.objects.get(seq=3)
    # swap their positions in the chain
    AuditEntry.objects.filter(pk=a.pk).update(seq=1_000_000)
    AuditEntry.objects.filter(pk=b.pk).update(seq=2)
    AuditEntry.objects.filter(pk=a.pk).update(seq=3)
    ok, message = verify()
    assert not ok and "#2" in message


def test_rewritten_hash_without_successor_fix_is_caught(chain):
    AuditEntry.objects.filter(seq=2).update(hash="f" * 64)
    ok, message = verify()
    assert not ok and "#2" in message
