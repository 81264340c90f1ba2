"""Master key services: the start-up key check, status, and rotation.

Everything the master key protects is named in two registries below; rotation and backup read them,
so a new sealed field is covered once it is listed here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.utils import timezone

from integritas.audit.chain import record
from integritas.vault import crypto
from integritas.vault.crypto import VaultError, key_id
from integritas.vault.keyring import (
    Keyring,
    current_keyring,
    encode_key,
    env_key_text,
    env_name,
    hex_id,
    key_file,
    key_source_exists,
    previous_env_name,
    previous_file,
    write_key_file,
)
from integritas.vault.models import KeyCheck

# (app label, model, field): per-row data keys wrapped by the master key.
WRAPPED_KEY_FIELDS = [("cases", "Case", "wrapped_key")]
# (app label, model, field, purpose with {pk}): values sealed directly with the master key. The audit
# keys of earlier master keys live here too: rotation re-seals them, so the audit chain made under an
# old master key still verifies once that key is gone (integritas.audit.chain).
MASTER_SEALED_FIELDS = [
    ("orgs", "Person", "totp_sealed", "totp:{pk}"),
    ("audit", "AuditKey", "sealed", "audit-key:{pk}"),
]

log = logging.getLogger(__name__)

CHECK_VALUE = b"integritas master key check"
CHECK_PURPOSE = "vault:key-check"


class KeyProblem(Exception):
    """The master key of this process cannot open the stored data (or there is none)."""


class RotationError(Exception):
    pass


def _source(ring: Keyring | None = None) -> str:
    if env_key_text():
        return env_name()
    return str(key_file(ring.directory if ring else None))


def _wrapped_fields() -> Iterator[tuple[type[models.Model], str]]:
    for app_label, model, name in WRAPPED_KEY_FIELDS:
        yield apps.get_model(app_label, model), name


def _sealed_fields() -> Iterator[tuple[type[models.Model], str, str]]:
    for app_label, model, name, purpose in MASTER_SEALED_FIELDS:
        yield apps.get_model(app_label, model), name, purpose


def _sample_wrapped_key() -> bytes | None:
    for model, name in _wrapped_fields():
        value = model._base_manager.exclude(**{name: b""}).values_list(name, flat=True).first()
        if value:
            return bytes(value)
    return None


def _has_sealed_values() -> bool:
    return any(
        model._base_manager.filter(**{f"{name}__isnull": False}).exists()
        for model, name, _ in _sealed_fields()
    )


# ------------------------------------------------------------------------------------------ key check


def key_check() -> str:
    """The key id the data are under; KeyProblem unless this process's master key opens them.

    On first start (no check row, no encrypted data) the key is generated if needed and recorded. Once
    data exist, a missing key is an error: a new key could not open them.
    """
    row = KeyCheck.objects.filter(pk=1).first()
    if row is None:
        return _first_check()
    if not key_source_exists():
        raise KeyProblem(
            f"no master key: the stored data are encrypted under master key id {row.key_id}, but "
            f"{env_name()} is not set and {key_file()} does not exist. Set {env_name()} or put the key file "
            "back; a new key is not generated, as it could not open these data."
        )
    ring = current_keyring()
    key = ring.find(bytes.fromhex(row.key_id))
    if key is None:
        raise KeyProblem(
            f"wrong master key: the stored data are encrypted under master key id {row.key_id}, but "
            f"{_source(ring)} holds master key id {hex_id(ring.current())}. Set {env_name()} to the key "
            f"with id {row.key_id} (or restore its key file)."
        )
    try:
        opened = crypto.unseal(key, bytes(row.sealed), CHECK_PURPOSE)
    except VaultError:
        opened = b""
    if opened != CHECK_VALUE:
        raise KeyProblem(f"the key check value does not open with master key id {row.key_id} (tampered?)")
    return row.key_id


def _first_check() -> str:
    sample = _sample_wrapped_key()
    if (sample is not None or _has_sealed_values()) and not key_source_exists():
        named = f" (master key id {sample[1:9].hex()})" if sample else ""
        raise KeyProblem(
            f"no master key: the database holds encrypted data{named}, but {env_name()} is not set and "
            f"{key_file()} does not exist. Set {env_name()} or put the key file back."
        )
    ring = current_keyring()
    if sample is not None and ring.find(sample[1:9]) is None:
        raise KeyProblem(
            f"wrong master key: the stored data are encrypted under master key id {sample[1:9].hex()}, but "
            f"{_source(ring)} holds master key id {hex_id(ring.current())}."
        )
    _record_check(ring.current(), rotated=False)
    return key_check()


def _record_check(key: bytes, *, rotated: bool) -> None:
    now = timezone.now()
    values: dict[str, Any] = {"key_id": hex_id(key), "sealed": crypto.seal(key, CHECK_VALUE, CHECK_PURPOSE)}
    if rotated:
        values["rotated_at"] = now
        if KeyCheck.objects.filter(pk=1).update(**values):
            return
    try:
        with transaction.atomic():
            KeyCheck.objects.create(pk=1, created_at=now, **values)
    except IntegrityError:
        pass  # of two first starts the first row wins; the caller then checks against it


def key_check_on_start() -> None:
    """The web app's start: the same check, skipped while the database is not migrated yet."""
    from django.core.exceptions import ImproperlyConfigured

    from integritas.vault.keyring import placement_warning_once

    warning = placement_warning_once()
    if warning:
        log.warning(warning)
    try:
        key_check()
    except KeyProblem as problem:
        raise ImproperlyConfigured(str(problem)) from None
    except DatabaseError:
        pass
    finally:
        connection.close()


# --------------------------------------------------------------------------------------------- status


def key_status() -> dict[str, object]:
    """Which master key ids wrap how many data keys and sealed values (no key material)."""
    ring = current_keyring()
    by_key: dict[str, int] = {}
    for model, name in _wrapped_fields():
        for value in model._base_manager.values_list(name, flat=True).iterator(chunk_size=2000):
            kid = bytes(value)[1:9].hex()
            by_key[kid] = by_key.get(kid, 0) + 1
    sealed: dict[str, int] = {}
    for model, name, _ in _sealed_fields():
        for value in model._base_manager.exclude(**{f"{name}__isnull": True}).values_list(name, flat=True):
            master_id = crypto.sealed_master_key_id(value)
            label = master_id.hex() if master_id else "unnamed"
            sealed[label] = sealed.get(label, 0) + 1
    row = KeyCheck.objects.filter(pk=1).first()
    return {
        "current": hex_id(ring.current()),
        "known": ring.ids(),
        "source": _source(ring),
        "check": row.key_id if row else None,
        "data_keys": by_key,
        "sealed": sealed,
    }


# ------------------------------------------------------------------------------------------- rotation


@dataclass
class Rotation:
    mode: str  # "file" or "env"
    old_ids: list[str]
    new_id: str
    data_keys: int = 0
    sealed: int = 0
    passes: int = 0
    resumed: bool = False
    removed_previous: bool = False
    kept_previous: str = ""
    notes: list[str] = field(default_factory=list)


def _batches(model: type[models.Model], name: str, batch_size: int, *, nullable: bool) -> Iterator[list]:
    last = None
    while True:
        qs = model._base_manager.order_by("pk")
        if nullable:
            qs = qs.exclude(**{f"{name}__isnull": True})
        if last is not None:
            qs = qs.filter(pk__gt=last)
        rows = list(qs.values_list("pk", name)[:batch_size])
        if not rows:
            return
        last = rows[-1][0]
        yield [(pk, bytes(value)) for pk, value in rows]


def rewrap_pass(
    *, ring: Keyring, target: bytes, batch_size: int = 500, on_batch: Callable[[], None] | None = None
) -> tuple[int, int]:
    """Re-wrap (re-seal) whatever is not under ``target``, one short transaction per batch.

    Each row is updated only if it still holds what was read: a row changed meanwhile is left for the
    next pass instead of being overwritten.
    """
    tid = key_id(target)
    wrapped_done = sealed_done = 0
    for model, name in _wrapped_fields():
        for rows in _batches(model, name, batch_size, nullable=False):
            with transaction.atomic():
                for pk, wrapped in rows:
                    if wrapped[1:9] == tid:
                        continue
                    master = ring.find(wrapped[1:9])
                    if master is None:
                        raise RotationError(
                            f"{model._meta.label} {pk}: its data key is wrapped under master key id "
                            f"{wrapped[1:9].hex()}, which is not available here; give that key as "
                            f"{previous_env_name()}"
                        )
                    rewrapped = crypto.wrap_key(crypto.unwrap_key(wrapped, master), target)
                    wrapped_done += model._base_manager.filter(pk=pk, **{name: wrapped}).update(
                        **{name: rewrapped}
                    )
            if on_batch:
                on_batch()
    for model, name, purpose in _sealed_fields():
        for rows in _batches(model, name, batch_size, nullable=True):
            with transaction.atomic():
                for pk, blob in rows:
                    if crypto.sealed_master_key_id(blob) == tid:
                        continue
                    where = purpose.format(pk=pk)
                    try:
                        plain = crypto.unseal_master(blob, where, ring=ring)
                    except VaultError as exc:
                        raise RotationError(f"{model._meta.label} {pk}: {exc}") from None
                    resealed = crypto.seal_master(plain, where, master=target)
                    sealed_done += model._base_manager.filter(pk=pk, **{name: blob}).update(
                        **{name: resealed}
                    )
            if on_batch:
                on_batch()
    return wrapped_done, sealed_done


def keys_rotate(
    *,
    new_key: bytes | None = None,
    ring: Keyring | None = None,
    batch_size: int = 500,
    grace: float = 2.0,
    keep_previous: bool = False,
    on_batch: Callable[[], None] | None = None,
) -> Rotation:
    """Re-wrap every data key and re-seal every master-sealed value under a new master key.

    File mode: the new key replaces the key file at once (the old one waits as master_key.previous),
    so running servers wrap with the new key from their next case on and still open both; the file
    of the old key is removed when every row has moved. Env mode: the new key comes from the caller,
    or, with INTEGRITAS_MASTER_KEY_PREVIOUS set, the current key is the target and the previous
    keys are drained.
    """
    ring = ring or current_keyring()
    rotation, target = _prepare_env(ring, new_key) if ring.env_mode else _prepare_file(ring, new_key)
    first = rewrap_pass(ring=ring, target=target, batch_size=batch_size, on_batch=on_batch)
    rotation.data_keys, rotation.sealed, rotation.passes = first[0], first[1], 1
    # A server that took the old key just before the switch may still be committing its case.
    if grace:
        time.sleep(grace)
    for _ in range(20):
        more = rewrap_pass(ring=ring, target=target, batch_size=batch_size)
        rotation.passes += 1
        rotation.data_keys += more[0]
        rotation.sealed += more[1]
        if more == (0, 0):
            break
    else:
        raise RotationError("rows keep arriving under an old key; run `integritas keys rotate` again")

    _record_check(target, rotated=True)
    record(
        "keys.rotated",
        actor="system",
        data={
            "mode": rotation.mode,
            "from": rotation.old_ids,
            "to": rotation.new_id,
            "data_keys": rotation.data_keys,
            "sealed": rotation.sealed,
            "passes": rotation.passes,
        },
    )
    if rotation.mode == "file":
        old = previous_file(ring.directory)
        if keep_previous:
            rotation.kept_previous = str(old)
        else:
            old.unlink(missing_ok=True)
            rotation.removed_previous = True
    return rotation


def _prepare_file(ring: Keyring, new_key: bytes | None) -> tuple[Rotation, bytes]:
    path, old_path = key_file(ring.directory), previous_file(ring.directory)
    if old_path.exists():
        # An earlier rotation stopped half-way: its new key is already the key file; finish it.
        current = ring.current()
        if new_key is not None and new_key != current:
            raise RotationError(
                f"an unfinished rotation is waiting ({old_path} exists): run `integritas keys rotate` "
                "without a new key first to finish it"
            )
        olds = [k for k in ring.keys() if k != current]
        return Rotation("file", [hex_id(k) for k in olds], hex_id(current), resumed=True), current
    old = ring.current()
    target = new_key or crypto.decode_master(crypto.generate_master_key_text())
    if target == old:
        raise RotationError("the new master key is the current one")
    write_key_file(old_path, encode_key(old), replace=False)
    write_key_file(path, encode_key(target), replace=True)
    ring.load()
    if ring.current() != target:
        raise RotationError(f"{path} did not take the new key")
    return Rotation("file", [hex_id(old)], hex_id(target)), target


def _prepare_env(ring: Keyring, new_key: bytes | None) -> tuple[Rotation, bytes]:
    current = ring.current()
    if new_key is not None:
        if new_key == current:
            raise RotationError("the new master key is the current one")
        return Rotation("env", [hex_id(k) for k in ring.keys()], hex_id(new_key)), new_key
    olds = [k for k in ring.keys() if k != current]
    if not olds:
        raise RotationError(
            f"{env_name()} is set, so the new key cannot be written for you: give it with --new-key or "
            f"INTEGRITAS_NEW_MASTER_KEY (a fresh one: `integritas keys generate`), or set "
            f"{env_name()}=<new key> and {previous_env_name()}=<old key> on every server first and run "
            "`integritas keys rotate` with those settings"
        )
    return Rotation("env", [hex_id(k) for k in olds], hex_id(current), resumed=True), current
