"""The audit chain catches any entry changed, removed or reordered directly in the database, and a chain
recomputed by someone who can write to the database but does not hold the master key."""

import datetime as dt
import hashlib
import hmac
import json
import os

import pytest

from integritas.audit import chain as audit_chain
from integritas.audit.chain import GENESIS, derive_audit_key, record, verify
from integritas.audit.models import AuditEntry, AuditHead, AuditKey
from integritas.cases import services
from integritas.cases.models import Via
from integritas.vault import crypto
from integritas.vault.keyring import current_keyring
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


def intact(count: int) -> None:
    ok, message = verify()
    assert ok, message
    assert message.startswith(f"audit chain intact: {count} entries"), message


def test_transitions_are_recorded_in_order_each_keyed(chain):
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))
    # Through the API the handler's first action records the no-conflict statement first.
    assert actions[:4] == [
        "case.submitted",
        "case.routed",
        "case.no_conflict_confirmed",
        "case.examined_founded",
    ]
    intact(len(actions))
    kid = crypto.key_id(current_keyring().current()).hex()
    assert set(AuditEntry.objects.values_list("key_id", flat=True)) == {kid}
    assert AuditHead.objects.get().key_id == kid


def test_the_hash_is_an_hmac_with_a_key_derived_from_the_master_key(chain):
    entry = AuditEntry.objects.get(seq=2)
    master = current_keyring().current()
    canonical = json.dumps(
        {"prev": entry.prev_hash, "seq": 2, "at": entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
         "action": entry.action, "actor": entry.actor, "case": entry.case_reference, "unit": entry.unit_code,
         "data": entry.data, "v": 2, "key": entry.key_id},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    ).encode()  # fmt: skip
    assert entry.hash == hmac.new(derive_audit_key(master), canonical, hashlib.sha256).hexdigest()
    assert entry.hash != hashlib.sha256(canonical).hexdigest()
    # The database holds the audit key only sealed with the master key.
    row = AuditKey.objects.get(pk=entry.key_id)
    assert derive_audit_key(master) not in bytes(row.sealed)


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


def recompute(*, from_seq: int, key: bytes | None, keyed: bool = True, to_seq: int | None = None) -> None:
    """What an attacker with write access to the database does after changing an entry: recompute every
    hash from there on and move the head, with the published algorithm and a key of their choosing."""
    prev = AuditEntry.objects.get(seq=from_seq - 1).hash if from_seq > 1 else GENESIS
    rows = AuditEntry.objects.filter(seq__gte=from_seq).order_by("seq")
    for entry in rows.filter(seq__lte=to_seq) if to_seq else rows:
        fields = (prev, entry.seq, entry.at, entry.action, entry.actor, entry.case_reference,
                  entry.unit_code, entry.data)  # fmt: skip
        if keyed:
            digest = audit_chain._keyed_hash(key, entry.key_id, *fields)
        else:
            digest = audit_chain._legacy_hash(*fields)
            entry.key_id = ""
        AuditEntry.objects.filter(pk=entry.pk).update(prev_hash=prev, hash=digest, key_id=entry.key_id)
        prev = digest
    if to_seq is None:
        last = AuditEntry.objects.order_by("-seq").first()
        AuditHead.objects.update(seq=last.seq, hash=last.hash, key_id=last.key_id)


def test_a_chain_recomputed_with_the_public_algorithm_is_caught(chain):
    """Finding 4 (b): rewrite who viewed an identity, recompute the chain: still caught, at that entry."""
    AuditEntry.objects.filter(seq=2).update(actor="system")
    recompute(from_seq=2, key=None, keyed=False)
    ok, message = verify()
    assert not ok and "#2" in message and "no key" in message, message


def test_a_chain_recomputed_with_a_guessed_key_is_caught(chain):
    AuditEntry.objects.filter(seq=2).update(actor="system")
    recompute(from_seq=2, key=hashlib.sha256(b"guess").digest())
    ok, message = verify()
    assert not ok and "#2" in message and "changed" in message, message


def test_an_entry_claiming_an_unknown_key_is_caught(chain):
    AuditEntry.objects.filter(seq=3).update(key_id="00" * 8)
    ok, message = verify()
    assert not ok and "#3" in message and "0000000000000000" in message, message


def test_cut_newest_entries_with_their_key_row_are_caught(chain, monkeypatch):
    """Entries made under a later master key were all removed, with the head moved back: the sealed audit
    key of that master key is still there and names the cut."""
    count = AuditEntry.objects.count()
    monkeypatch.setenv("INTEGRITAS_MASTER_KEY", crypto.generate_master_key_text())
    current_keyring.cache_clear()
    try:
        record("org.later", actor="admin")
    finally:
        monkeypatch.delenv("INTEGRITAS_MASTER_KEY")
        current_keyring.cache_clear()
    AuditEntry.objects.filter(seq=count + 1).delete()
    previous = AuditEntry.objects.get(seq=count)
    AuditHead.objects.update(seq=count, hash=previous.hash, key_id=previous.key_id)
    ok, message = verify(anchor_file=False)
    assert not ok and f"#{count + 1}" in message and "none remain" in message, message


def test_a_swapped_sealed_audit_key_does_not_open(chain, monkeypatch):
    """The sealed copy is bound to its key id: copying another row's sealed key over it does not help."""
    kid = AuditEntry.objects.get(seq=1).key_id
    other_text = crypto.generate_master_key_text()
    other = crypto.decode_master(other_text)
    other_id = crypto.key_id(other).hex()
    AuditKey.objects.create(
        pk=other_id,
        sealed=bytes(AuditKey.objects.get(pk=kid).sealed),
        created_at=AuditKey.objects.get(pk=kid).created_at,
    )
    AuditEntry.objects.filter(seq=1).update(key_id=other_id)
    ok, message = verify()
    assert not ok and "#1" in message and other_id in message, message


def test_nul_and_odd_payloads_round_trip(org):
    record("org.odd", actor="a\x00b", data={"text": "x\x00y", "when": os.environ.get("NOPE")})
    intact(1)


def test_a_restored_backup_from_before_the_upgrade_keeps_its_unkeyed_segment(org):
    """A backup made before migration 0002 restores rows without key ids and a head without the legacy
    mark; the restore marks them as the unkeyed first segment, as the migration would have."""
    from integritas.vault.backup import KEYED_AUDIT_MIGRATION, _upgrade_restored

    prev = GENESIS
    for seq in (1, 2, 3):
        at = dt.datetime(2026, 8, 17, 3, seq, tzinfo=dt.UTC)
        digest = audit_chain._legacy_hash(prev, seq, at, "org.old", "admin", "", "", {})
        AuditEntry.objects.create(seq=seq, at=at, action="org.old", actor="admin", data={}, prev_hash=prev,
                                  hash=digest)  # fmt: skip
        prev = digest
    AuditHead.objects.create(id=1, seq=3, hash=prev)
    assert not verify()[0]  # unkeyed entries outside the legacy segment
    _upgrade_restored({"migrations": [KEYED_AUDIT_MIGRATION]})
    assert not verify()[0]  # a backup made after the upgrade gets no such mark
    _upgrade_restored({"migrations": ["audit.0001_initial"]})
    intact(3)
    record("org.new")
    ok, message = verify()
    assert ok and "#1-#3 were made before the chain was keyed" in message, message
