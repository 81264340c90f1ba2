"""The master key: checked at start, rotated under running servers.

A "server" here is this process's cached keyring (``current_keyring``), which keeps the key it
loaded; ``cache_clear()`` is a restart. The rotation runs with a keyring of its own, as the
`integritas keys rotate` process would.
"""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from integritas.audit.chain import verify
from integritas.audit.models import AuditEntry, AuditKey
from integritas.cases import content
from integritas.cases.models import Case
from integritas.orgs import auth, totp
from integritas.orgs.models import Person
from integritas.vault import crypto
from integritas.vault.crypto import VaultError, key_id
from integritas.vault.keyring import (
    Keyring,
    current_keyring,
    encode_key,
    hex_id,
    key_file,
    previous_file,
)
from integritas.vault.keys import KeyProblem, RotationError, key_check, keys_rotate
from integritas.vault.models import KeyCheck
from tests.factories import reload, submit
from tests.vault.tool import describe, populate

pytestmark = pytest.mark.django_db


@pytest.fixture
def key_dir(settings, tmp_path, monkeypatch):
    """A data dir of its own, file mode (no key in the environment), a fresh server keyring."""
    for name in ("INTEGRITAS_MASTER_KEY", "INTEGRITAS_MASTER_KEY_PREVIOUS"):
        monkeypatch.delenv(name, raising=False)
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    current_keyring.cache_clear()
    yield settings.DATA_DIR
    current_keyring.cache_clear()


def restart() -> Keyring:
    current_keyring.cache_clear()
    return current_keyring()


def new_key() -> bytes:
    return crypto.decode_master(crypto.generate_master_key_text())


def under(kid: bytes) -> bool:
    """Every data key and every two-factor secret names this master key."""
    wrapped = [bytes(w)[1:9] for w in Case.objects.values_list("wrapped_key", flat=True)]
    sealed = [
        crypto.sealed_master_key_id(s)
        for s in Person.objects.filter(totp_sealed__isnull=False).values_list("totp_sealed", flat=True)
    ]
    return bool(wrapped) and all(w == kid for w in wrapped) and all(s == kid for s in sealed)


def assert_nothing_opens_with(old: bytes) -> None:
    for case in Case.objects.all():
        wrapped = bytes(case.wrapped_key)
        with pytest.raises(VaultError):
            crypto.unwrap_key(wrapped, old)
        with pytest.raises(InvalidTag):  # not only the key id: the cipher refuses too
            AESGCM(old).decrypt(wrapped[9:21], wrapped[21:], b"integritas-data-key")
    for person in Person.objects.filter(totp_sealed__isnull=False):
        blob = bytes(person.totp_sealed)
        with pytest.raises(InvalidTag):
            AESGCM(old).decrypt(blob[9:21], blob[21:], f"totp:{person.pk}".encode())


# ----------------------------------------------------------------------------------------- key check


def test_first_start_generates_the_key_file_0600_and_records_it(key_dir):
    assert not key_file().exists()
    kid = key_check()
    assert (key_file().stat().st_mode & 0o777) == 0o600
    row = KeyCheck.objects.get()
    assert row.key_id == kid == hex_id(current_keyring().current())
    assert key_check() == kid  # the second start checks against the row


def test_a_wrong_key_is_refused_naming_the_expected_key_id(key_dir, monkeypatch):
    kid = key_check()
    monkeypatch.setenv("INTEGRITAS_MASTER_KEY", crypto.generate_master_key_text())
    restart()
    with pytest.raises(KeyProblem) as problem:
        key_check()
    assert f"master key id {kid}" in str(problem.value) and "wrong master key" in str(problem.value)


def test_data_without_any_key_is_an_error_and_no_new_key_is_generated(key_dir, org):
    submit(org.school, org.p_teacher)
    kid = key_check()
    key_file().unlink()
    current_keyring.cache_clear()  # a restart: no keyring is built before the check
    with pytest.raises(KeyProblem) as problem:
        key_check()
    assert "no master key" in str(problem.value) and kid in str(problem.value)
    assert not key_file().exists()


def test_data_from_before_the_check_row_are_checked_against_their_keys(key_dir, org, monkeypatch):
    submit(org.school, org.p_teacher)
    kid = key_check()
    KeyCheck.objects.all().delete()
    monkeypatch.setenv("INTEGRITAS_MASTER_KEY", crypto.generate_master_key_text())
    restart()
    with pytest.raises(KeyProblem) as problem:
        key_check()
    assert kid in str(problem.value)
    assert not KeyCheck.objects.exists()


def test_a_tampered_check_value_is_refused(key_dir):
    key_check()
    KeyCheck.objects.update(sealed=b"\x01" + b"0" * 40)
    with pytest.raises(KeyProblem):
        key_check()


# ------------------------------------------------------------------------------------------ rotation


def test_file_rotation_with_a_running_server_during_and_after(key_dir):
    populate("ROT")
    key_check()
    expected = describe()
    server = current_keyring()  # the running server, holding the old key
    old = server.current()
    events: list[str] = []

    def meanwhile() -> None:
        """What servers do between the rotation's batches."""
        if events:
            return
        events.append("mid")
        # The key file already holds the new key: some cases are moved, some not; all open.
        assert describe()["cases"] == expected["cases"]
        # The next case the server files is wrapped with the new key (it noticed the file change).
        fresh = submit(Case.objects.first().unit, None, description="during the rotation", files=[])
        assert bytes(reload(fresh.case).wrapped_key)[1:9] != key_id(old)
        # A server that took the old key just before the switch commits its case now.
        late = submit(Case.objects.first().unit, None, description="late writer", files=[])
        data_key = content.case_key(late.case)
        Case.objects.filter(pk=late.case.pk).update(wrapped_key=crypto.wrap_key(data_key, old))

    done = keys_rotate(ring=Keyring(key_dir), batch_size=1, grace=0, on_batch=meanwhile)
    assert events == ["mid"]
    new = crypto.decode_master(key_file().read_text())
    assert done.mode == "file" and done.old_ids == [hex_id(old)] and done.new_id == hex_id(new)
    # Sealed values: the two-factor secret and the audit key of the old master key.
    assert done.sealed == 2 and done.data_keys >= 5 and done.passes >= 2
    assert under(key_id(new)), "the final pass did not move the late writer's case"
    assert not previous_file().exists()
    assert (key_file().stat().st_mode & 0o777) == 0o600
    assert KeyCheck.objects.get().key_id == hex_id(new)
    assert AuditEntry.objects.filter(action="keys.rotated").count() == 1
    assert verify()[0]

    # The server that never restarted keeps working and wraps with the new key.
    after = describe()
    assert after["cases"][: len(expected["cases"])] == expected["cases"]
    assert [c["report"]["description"] for c in after["cases"][-2:]] == ["during the rotation", "late writer"]
    assert after["totp"] == expected["totp"]
    assert server.current() == new
    principal = Person.objects.get(username="principal")
    assert totp.verify(auth.totp_secret(principal), totp.now_code(auth.totp_secret(principal))) is not None

    # A restarted process knows only the new key, and it opens everything; the old key opens nothing.
    ring = restart()
    assert ring.ids() == [hex_id(new)]
    assert describe()["cases"] == after["cases"]
    assert key_check() == hex_id(new)
    assert_nothing_opens_with(old)
    # The audit chain made under the old key still verifies: its audit key is sealed under the new one.
    assert AuditEntry.objects.filter(key_id=hex_id(old)).exists()
    assert AuditEntry.objects.filter(key_id=hex_id(new)).exists()
    assert set(AuditKey.objects.values_list("key_id", flat=True)) == {hex_id(old), hex_id(new)}
    assert {crypto.sealed_master_key_id(s) for s in AuditKey.objects.values_list("sealed", flat=True)} == {
        key_id(new)
    }
    ok, message = verify()
    assert ok, message


def test_env_rotation_with_a_new_key_then_the_operator_switches(key_dir, monkeypatch):
    old_text = crypto.generate_master_key_text()
    monkeypatch.setenv("INTEGRITAS_MASTER_KEY", old_text)
    restart()
    populate("ENV")
    key_check()
    expected = describe()
    new = new_key()

    done = keys_rotate(new_key=new, ring=Keyring(key_dir), grace=0)
    assert done.mode == "env" and done.new_id == hex_id(new)
    assert under(key_id(new)) and KeyCheck.objects.get().key_id == hex_id(new)
    assert not key_file().exists()  # env mode writes no key file

    # A server still on the old key alone meets keys it does not have: the check says which one.
    restart()
    with pytest.raises(KeyProblem) as problem:
        key_check()
    assert hex_id(new) in str(problem.value)

    monkeypatch.setenv("INTEGRITAS_MASTER_KEY", encode_key(new))
    restart()
    assert key_check() == hex_id(new)
    assert describe()["cases"] == expected["cases"]
    assert_nothing_opens_with(crypto.decode_master(old_text))
    ok, message = verify()
    assert ok, message


def test_env_rotation_without_downtime_drains_the_previous_key(key_dir, monkeypatch):
    old_text = crypto.generate_master_key_text()
    monkeypatch.setenv("INTEGRITAS_MASTER_KEY", old_text)
    restart()
    populate("DRAIN")
    key_check()
    expected = describe()
    with pytest.raises(RotationError, match="INTEGRITAS_NEW_MASTER_KEY"):
        keys_rotate(ring=Keyring(key_dir), grace=0)

    # Servers first get the new key with the old one as previous: they open both, wrap with the new.
    new_text = crypto.generate_master_key_text()
    monkeypatch.setenv("INTEGRITAS_MASTER_KEY", new_text)
    monkeypatch.setenv("INTEGRITAS_MASTER_KEY_PREVIOUS", old_text)
    restart()
    assert key_check()  # the data are still under the old key, which the server has
    assert describe()["cases"] == expected["cases"]
    done = keys_rotate(ring=Keyring(key_dir), grace=0)
    assert done.resumed and done.new_id == hex_id(crypto.decode_master(new_text))
    assert under(key_id(crypto.decode_master(new_text)))

    monkeypatch.delenv("INTEGRITAS_MASTER_KEY_PREVIOUS")
    restart()
    assert describe()["cases"] == expected["cases"]
    assert_nothing_opens_with(crypto.decode_master(old_text))
    ok, message = verify()
    assert ok, message


def test_an_interrupted_file_rotation_is_finished_by_the_next_run(key_dir):
    populate("HALF")
    key_check()
    expected = describe()
    old = current_keyring().current()
    # Stopped right after switching the key file, before any row moved.
    previous_file().write_text(encode_key(old) + "\n")
    key_file().write_text(crypto.generate_master_key_text() + "\n")
    ring = restart()
    assert key_check()  # the check row still names the old key, which master_key.previous holds
    assert describe()["cases"] == expected["cases"]
    with pytest.raises(RotationError, match="unfinished rotation"):
        keys_rotate(new_key=new_key(), ring=Keyring(key_dir), grace=0)
    done = keys_rotate(ring=Keyring(key_dir), grace=0)
    assert done.resumed and under(key_id(ring.current())) and not previous_file().exists()
    assert restart().ids() == [done.new_id]
    assert describe()["cases"] == expected["cases"]


def test_rotation_refuses_rows_under_a_key_it_does_not_have(key_dir, org):
    sub = submit(org.school, org.p_teacher)
    key_check()
    stranger = new_key()
    Case.objects.filter(pk=sub.case.pk).update(
        wrapped_key=crypto.wrap_key(content.case_key(sub.case), stranger)
    )
    with pytest.raises(RotationError, match=hex_id(stranger)):
        keys_rotate(ring=Keyring(key_dir), grace=0)
