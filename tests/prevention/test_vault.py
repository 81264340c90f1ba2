"""Prevention's sealed data under the vault's machinery: master key rotation re-wraps its data keys,
and the orphan clean-up never removes a gratification's evidence file."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.storage import default_storage

from integritas.cases.evidence import check_files
from integritas.prevention import declarations, gratifications
from integritas.prevention.models import Declaration, Gratification, GratificationEvidence
from integritas.vault import crypto, storage
from integritas.vault.crypto import key_id
from integritas.vault.gc import remove_orphans
from integritas.vault.keyring import Keyring, current_keyring
from integritas.vault.keys import WRAPPED_KEY_FIELDS, key_check, keys_rotate
from tests.factories import pdf_upload
from tests.prevention.conftest import declare

pytestmark = pytest.mark.django_db


def report_with_file(person) -> Gratification:
    return gratifications.gratification_report(
        recipient=person,
        data={
            "received_on": (dt.date.today() - dt.timedelta(days=1)).isoformat(),
            "giver": {"name": "Hj. Siti Maryam"},
            "occasion": "official",
            "description": "Parsel",
            "value_idr": 750_000,
        },
        files=check_files([pdf_upload("foto.pdf")], max_upload_mb=5),
    )


def test_every_prevention_data_key_is_registered_for_rotation_and_backup():
    for model in ("Declaration", "Gratification", "SelfDeclaration", "Agenda"):
        assert ("prevention", model, "wrapped_key") in WRAPPED_KEY_FIELDS


@pytest.fixture
def key_dir(settings, tmp_path, monkeypatch):
    for name in ("INTEGRITAS_MASTER_KEY", "INTEGRITAS_MASTER_KEY_PREVIOUS"):
        monkeypatch.delenv(name, raising=False)
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    current_keyring.cache_clear()
    yield settings.DATA_DIR
    current_keyring.cache_clear()


def test_rotation_rewraps_declarations_and_reports(key_dir, org):
    key_check()
    old = current_keyring().current()
    row = declare(org.teacher, ("Bambang Sutrisno", "adik ipar"))
    grat = report_with_file(org.teacher)
    keys_rotate(ring=Keyring(key_dir), grace=0)
    current_keyring.cache_clear()
    new = current_keyring().current()
    assert new != old
    for model in (Declaration, Gratification):
        assert all(bytes(w)[1:9] == key_id(new) for w in model.objects.values_list("wrapped_key", flat=True))
    fresh = Declaration.objects.get(pk=row.pk)
    assert declarations.declaration_content(fresh, org.teacher)[0]["parties"][0]["name"] == "Bambang Sutrisno"
    with pytest.raises(crypto.VaultError):
        crypto.unwrap_key(bytes(fresh.wrapped_key), old)
    fresh_grat = Gratification.objects.get(pk=grat.pk)
    evidence = GratificationEvidence.objects.get(gratification=fresh_grat)
    assert b"".join(gratifications.read_evidence(fresh_grat, evidence)).startswith(b"%PDF")


def test_the_orphan_clean_up_keeps_gratification_evidence(org):
    grat = report_with_file(org.teacher)
    kept = GratificationEvidence.objects.get(gratification=grat).storage_name
    orphan = storage.store(crypto.new_data_key()[0], iter([b"left by a crash"]), "x").name
    removed = remove_orphans(min_age=dt.timedelta(0), now=dt.datetime.now(dt.UTC) + dt.timedelta(hours=2))
    assert removed == [orphan]
    assert default_storage.exists(kept) and not default_storage.exists(orphan)
