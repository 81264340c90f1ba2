"""Encrypted snapshots of a whole installation: `integritas backup FILE` and `integritas restore FILE`.

A backup file is a short header (magic, format, the master key's id, a salt) and then the chunked
AES-GCM stream of ``crypto.encrypt_stream`` over a tar archive holding
  manifest.json   format, counts, the key ids the data need, applied migrations, the audit head
  db.jsonl        every row of every model, read in one snapshot (REPEATABLE READ on PostgreSQL,
                  one read transaction on SQLite, where WAL lets the server keep writing meanwhile)
  files/<name>    every stored file the snapshot refers to, as stored (already encrypted)
  audit-anchor.log  the audit chain's anchor file, as far as it was written before the snapshot
The archive key is derived from the master key with HKDF (salted per backup): the file opens with
that master key only, and nothing in it is readable without it. Datetimes keep their microseconds
(the audit chain hashes them), so a restored chain verifies.

A restore verifies the audit chain it brought back against the backup's anchor lines. The restored
data dir's anchor file then starts with those lines and a line for the restored head; an anchor file
that was already there is renamed (``audit-anchor.log.replaced-<time>``), not merged: it may name
entries newer than the backup, which the restore does not bring back. The ``backup.restored`` entry
records how far that old anchor went, so the entries lost by going back to the backup are on record.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import os
import secrets
import tarfile
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path, PurePosixPath
from typing import IO, Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.apps import apps
from django.core import serializers
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from integritas.audit import anchor
from integritas.audit.chain import record, verification
from integritas.vault import crypto
from integritas.vault.crypto import VaultError, key_id
from integritas.vault.keyring import current_keyring, env_name, hex_id, key_file, key_source_exists
from integritas.vault.keys import MASTER_SEALED_FIELDS, WRAPPED_KEY_FIELDS, key_check

MAGIC = b"IGBK"
FORMAT = 1
HEADER_LEN = len(MAGIC) + 1 + 8 + 16
CHUNK = crypto.CHUNK
# Sign-in sessions are not worth keeping: after a restore, staff sign in again.
EXCLUDED_MODELS = {"sessions.session", "web.websession", "web.reporttoken", "web.heldfile"}
# Rebuilt by `migrate` on the target, and replaced by the backup's own rows.
REPLACED_MODELS = {"contenttypes.contenttype", "auth.permission", "vault.keycheck"}
ANCHOR_MEMBER = "audit-anchor.log"
# Data migrations whose effect a backup made before them must get on restore (rows are loaded as
# they were dumped, after the target's own migrations ran on an empty database).
KEYED_AUDIT_MIGRATION = "audit.0002_keyed_chain"


class BackupError(Exception):
    pass


def _archive_key(master: bytes, salt: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"integritas-backup-v1").derive(master)


def _purpose(header: bytes) -> str:
    return f"backup:{header.hex()}"


def dumped_models() -> list[type[models.Model]]:
    return [
        m
        for m in apps.get_models()
        if m._meta.managed and not m._meta.proxy and m._meta.label_lower not in EXCLUDED_MODELS
    ]


def _file_fields(model: type[models.Model]) -> list[str]:
    """Fields naming a stored file: FileFields, and the vault's ``storage_name`` convention."""
    return [
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, models.FileField) or f.name == "storage_name"
    ]


class _Encoder(DjangoJSONEncoder):
    """DjangoJSONEncoder cuts times to milliseconds; the audit chain hashes microseconds."""

    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


@contextmanager
def read_snapshot() -> Iterator[None]:
    """Every query inside sees the database as it was at one instant, without stopping writers."""
    if connection.vendor == "sqlite":
        # Django's own transactions here begin IMMEDIATE (the write lock): the server's writers would
        # wait for the whole backup. A deferred transaction in WAL mode reads one snapshot instead.
        if connection.in_atomic_block:
            raise BackupError("a backup cannot run inside another transaction")
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ROLLBACK")
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


@dataclass
class _Stats:
    models: dict[str, int] = field(default_factory=dict)
    files: set[str] = field(default_factory=set)
    key_ids: set[str] = field(default_factory=set)
    db_bytes: int = 0


def _dump_rows(stats: _Stats) -> Iterator[bytes]:
    wrapped = {(a.lower(), m.lower()): f for a, m, f in WRAPPED_KEY_FIELDS}
    sealed = {(a.lower(), m.lower()): f for a, m, f, _ in MASTER_SEALED_FIELDS}
    serializer_class = serializers.get_serializer("python")
    for model in dumped_models():
        label = model._meta.label_lower
        meta_key = (model._meta.app_label, model._meta.model_name)
        file_fields = _file_fields(model)
        rows = model._base_manager.order_by(model._meta.pk.name).iterator(chunk_size=1000)
        count = 0
        while chunk := list(islice(rows, 1000)):
            for item in serializer_class().serialize(chunk):
                fields = item["fields"]
                for name in file_fields:
                    if fields.get(name):
                        stats.files.add(str(fields[name]))
                if meta_key in wrapped and fields.get(wrapped[meta_key]):
                    stats.key_ids.add(base64.b64decode(fields[wrapped[meta_key]])[1:9].hex())
                if meta_key in sealed and fields.get(sealed[meta_key]):
                    kid = crypto.sealed_master_key_id(base64.b64decode(fields[sealed[meta_key]]))
                    if kid:
                        stats.key_ids.add(kid.hex())
                line = (
                    json.dumps(item, cls=_Encoder, ensure_ascii=False, separators=(",", ":")) + "\n"
                ).encode()
                stats.db_bytes += len(line)
                count += 1
                yield line
        stats.models[label] = count


def _tar_stream(members: Iterable[tuple[str, int, Iterable[bytes]]]) -> Iterator[bytes]:
    """A ustar/pax archive, written as it goes: member sizes are known before their contents."""
    now = int(timezone.now().timestamp())
    for name, size, chunks in members:
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, now, 0o600
        yield info.tobuf(format=tarfile.PAX_FORMAT)
        written = 0
        for piece in chunks:
            written += len(piece)
            yield piece
        if written != size:
            raise BackupError(f"{name} changed size while it was being copied ({size} → {written} bytes)")
        if size % tarfile.BLOCKSIZE:
            yield tarfile.NUL * (tarfile.BLOCKSIZE - size % tarfile.BLOCKSIZE)
    yield tarfile.NUL * (2 * tarfile.BLOCKSIZE)


def _read_chunks(fh: IO[bytes]) -> Iterator[bytes]:
    while piece := fh.read(CHUNK):
        yield piece


def _stored_chunks(name: str) -> Iterator[bytes]:
    with default_storage.open(name, "rb") as fh:
        yield from _read_chunks(fh)


def _file_prefix(path: Path, size: int) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        left = size
        while left > 0:
            piece = fh.read(min(CHUNK, left))
            if not piece:
                break
            left -= len(piece)
            yield piece


def _applied_migrations() -> list[str]:
    return sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())


@dataclass
class BackupResult:
    path: Path
    key_id: str
    models: dict[str, int]
    files: int
    size: int


def backup_write(path: str | os.PathLike[str]) -> BackupResult:
    """Write an encrypted snapshot of the database and the stored files to ``path`` (created 0600)."""
    path = Path(path)
    if path.exists():
        raise BackupError(f"{path} already exists; choose a new name (a backup never overwrites a file)")
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent}: no such directory")
    master = current_keyring().current()
    salt = os.urandom(16)
    header = MAGIC + bytes([FORMAT]) + key_id(master) + salt
    scratch = AESGCM.generate_key(bit_length=256)  # the dump waits in a temporary file, encrypted too
    stats = _Stats()
    from integritas.audit.models import AuditHead

    anchor_file = anchor.anchor_path()
    anchor_size = anchor.snapshot_length(anchor_file)  # before the snapshot: every line is in it
    with tempfile.TemporaryFile() as dump:
        with read_snapshot():
            for block in crypto.encrypt_stream(scratch, _dump_rows(stats), "backup:db"):
                dump.write(block)
            head = AuditHead.objects.filter(pk=1).first()
            migrations = _applied_migrations()
        dump.seek(0)
        names = sorted(stats.files)
        missing = [n for n in names if not default_storage.exists(n)]
        if missing:
            raise BackupError(
                f"{len(missing)} stored file(s) the database refers to are missing from storage, e.g. {missing[0]}"
            )
        manifest = json.dumps(
            {
                "format": FORMAT,
                "created_at": timezone.now().isoformat(),
                "database": connection.vendor,
                "master_key_id": hex_id(master),
                "key_ids": sorted(stats.key_ids),
                "models": stats.models,
                "files": names,
                "migrations": migrations,
                "audit": {"seq": head.seq if head else 0, "hash": head.hash if head else None},
                "anchor_bytes": anchor_size,
            },
            indent=1,
        ).encode()

        def members() -> Iterator[tuple[str, int, Iterable[bytes]]]:
            yield "manifest.json", len(manifest), [manifest]
            yield "db.jsonl", stats.db_bytes, crypto.decrypt_stream(scratch, dump.read, "backup:db")
            for name in names:
                yield f"files/{name}", default_storage.size(name), _stored_chunks(name)
            if anchor_size:
                yield ANCHOR_MEMBER, anchor_size, _file_prefix(anchor_file, anchor_size)

        partial = path.with_name(f".{path.name}.partial-{secrets.token_hex(4)}")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(header)
                for block in crypto.encrypt_stream(
                    _archive_key(master, salt), _tar_stream(members()), _purpose(header)
                ):
                    out.write(block)
                out.flush()
                os.fsync(out.fileno())
            os.link(partial, path)
        except FileExistsError:
            raise BackupError(f"{path} appeared while the backup was written; it was left alone") from None
        finally:
            partial.unlink(missing_ok=True)
    result = BackupResult(path, hex_id(master), stats.models, len(names), path.stat().st_size)
    record(
        "backup.created",
        actor="system",
        data={"file": path.name, "cases": stats.models.get("cases.case", 0), "files": len(names),
              "audit_seq": head.seq if head else 0, "key_id": result.key_id},
    )  # fmt: skip
    return result


# -------------------------------------------------------------------------------------------- restore


class _ChunkReader(io.RawIOBase):
    """A file object over an iterator of decrypted chunks (for tarfile's stream mode)."""

    def __init__(self, chunks: Iterable[bytes]):
        self._chunks = iter(chunks)
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self._buffer:
            try:
                self._buffer = next(self._chunks)
            except StopIteration:
                return 0
        n = min(len(target), len(self._buffer))
        target[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n

    def drain(self) -> None:
        """Read to the authenticated end: a cut or altered tail is an error, not a short restore."""
        for _ in self._chunks:
            pass


def existing_data() -> dict[str, int]:
    counts = {}
    for model in dumped_models():
        if model._meta.label_lower in REPLACED_MODELS:
            continue
        n = model._base_manager.count()
        if n:
            counts[model._meta.label_lower] = n
    return counts


def _member_name(member: tarfile.TarInfo) -> str:
    name = member.name
    parts = PurePosixPath(name).parts
    if not member.isfile() or name.startswith("/") or ".." in parts or not parts:
        raise BackupError(f"the backup holds an unexpected entry {name!r}")
    return name


@dataclass
class RestoreResult:
    key_id: str
    models: dict[str, int]
    files: int
    audit: str
    created_at: str
    audit_ok: bool = True
    anchor_moved: Path | None = None


def read_header(fh: IO[bytes]) -> tuple[bytes, bytes, bytes]:
    header = fh.read(HEADER_LEN)
    if len(header) != HEADER_LEN or header[:4] != MAGIC:
        raise BackupError("not an Integritas backup file")
    if header[4] != FORMAT:
        raise BackupError(f"backup format {header[4]} is not known to this version")
    return header, header[5:13], header[13:29]


def backup_restore(path: str | os.PathLike[str]) -> RestoreResult:
    """Bring back a backup into an empty data dir/database whose master key is the backup's."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    existing = existing_data()
    if existing:
        held = ", ".join(f"{n} {label}" for label, n in existing.items())
        raise BackupError(
            f"refusing to restore: this data dir/database already holds data ({held}); "
            "restore into an empty data dir (and an empty database)"
        )
    with open(path, "rb") as fh:
        header, kid, salt = read_header(fh)
        if not key_source_exists():
            raise BackupError(
                f"this backup was made under master key id {kid.hex()}, and there is no master key here: "
                f"set {env_name()} to that key or copy its key file to {key_file()}"
            )
        master = current_keyring().find(kid)
        if master is None:
            raise BackupError(
                f"this backup was made under master key id {kid.hex()}, but the master key here has id "
                f"{hex_id(current_keyring().current())}: set {env_name()} to the backup's key or copy its "
                f"key file to {key_file()}"
            )
        reader = _ChunkReader(crypto.decrypt_stream(_archive_key(master, salt), fh.read, _purpose(header)))
        written: list[str] = []
        anchor_lines = tempfile.TemporaryFile()
        try:
            with tempfile.TemporaryFile() as dump:
                scratch = AESGCM.generate_key(bit_length=256)
                manifest = _unpack(reader, dump, scratch, written, anchor_lines)
                reader.drain()
                dump.seek(0)
                loaded = _load(crypto.decrypt_stream(scratch, dump.read, "restore:db"))
        except VaultError as exc:
            _remove(written)
            anchor_lines.close()
            raise BackupError(f"the backup cannot be read: {exc}") from None
        except BaseException:
            _remove(written)
            anchor_lines.close()
            raise
    with anchor_lines:
        _upgrade_restored(manifest)
        key_check()
        anchor_lines.seek(0)
        moved, previous = _restart_anchor(path, manifest, anchor_lines)
    # The chain brought back, against the anchor lines it had when the backup was made.
    checked = verification()
    record(
        "backup.restored",
        actor="system",
        data={"file": path.name, "made": manifest["created_at"], "cases": loaded.get("cases.case", 0),
              "files": len(written), "audit_seq": manifest["audit"]["seq"], "audit_intact": checked.ok,
              "previous_anchor": previous},
    )  # fmt: skip
    return RestoreResult(
        kid.hex(),
        loaded,
        len(written),
        checked.message if checked.ok else f"WARNING: {checked.message}",
        manifest["created_at"],
        audit_ok=checked.ok,
        anchor_moved=moved,
    )


def _upgrade_restored(manifest: dict[str, Any]) -> None:
    """A backup from before the keyed audit chain: its entries are the chain's unkeyed first segment."""
    from integritas.audit.models import AuditHead

    if KEYED_AUDIT_MIGRATION not in manifest.get("migrations", []):
        AuditHead.objects.filter(pk=1).update(legacy_seq=models.F("seq"))


def _restart_anchor(
    path: Path, manifest: dict[str, Any], lines: IO[bytes]
) -> tuple[Path | None, dict | None]:
    """The anchor of this data dir now starts from the backup's (see the module's docstring)."""
    from integritas.audit.models import AuditHead

    previous = None
    current = anchor.anchor_path()
    if current.exists():
        try:
            newest = max((a.seq for a in anchor.read_lines(current)), default=0)
            previous = {"file": current.name, "newest_seq": newest}
        except (anchor.AnchorUnreadable, OSError):
            previous = {"file": current.name, "newest_seq": None}
    head = AuditHead.objects.filter(pk=1).first()
    note = (
        f"restored {timezone.now().isoformat(timespec='seconds')} from {path.name} (made "
        f"{manifest['created_at']}): the lines below come from the backup, the last one is the restored head"
    )
    moved = anchor.replace_after_restore(
        lines, head_seq=head.seq if head else 0, head_hash=head.hash if head else "", note=note
    )
    if previous is not None and moved is not None:
        previous["kept_as"] = moved.name
    return moved, previous


def _unpack(
    reader: _ChunkReader, dump: IO[bytes], scratch: bytes, written: list[str], anchor_lines: IO[bytes]
) -> dict[str, Any]:
    manifest: dict[str, Any] | None = None
    has_db = False
    with tarfile.open(fileobj=io.BufferedReader(reader, CHUNK), mode="r|") as archive:
        for member in archive:
            name = _member_name(member)
            source = archive.extractfile(member)
            assert source is not None
            if name == "manifest.json":
                manifest = json.loads(source.read())
                _check_manifest(manifest)
            elif manifest is None:
                raise BackupError("the backup's manifest is missing")
            elif name == "db.jsonl":
                for block in crypto.encrypt_stream(scratch, _read_chunks(source), "restore:db"):
                    dump.write(block)
                has_db = True
            elif name.startswith("files/"):
                written.append(_restore_file(name.removeprefix("files/"), source))
            elif name == ANCHOR_MEMBER:
                while piece := source.read(CHUNK):
                    anchor_lines.write(piece)
            else:
                raise BackupError(f"the backup holds an unexpected entry {name!r}")
    if manifest is None or not has_db:
        raise BackupError("the backup is incomplete (no manifest or no database)")
    if sorted(written) != manifest["files"]:
        raise BackupError(f"the backup lists {len(manifest['files'])} files but holds {len(written)}")
    return manifest


def _check_manifest(manifest: dict[str, Any]) -> None:
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')} is not known to this version")
    ring = current_keyring()
    missing = [k for k in manifest.get("key_ids", []) if ring.find(bytes.fromhex(k)) is None]
    if missing:
        raise BackupError(
            f"the backup's data keys are wrapped under master key id(s) {', '.join(missing)} too "
            "(it was made during a key rotation): give them as INTEGRITAS_MASTER_KEY_PREVIOUS"
        )
    newer = sorted(set(manifest.get("migrations", [])) - set(_applied_migrations()))
    if newer:
        raise BackupError(
            f"the backup was made by a newer version of Integritas (migrations {', '.join(newer[:3])}…): "
            "upgrade before restoring"
        )


def _restore_file(name: str, source: IO[bytes]) -> str:
    if default_storage.exists(name):
        raise BackupError(f"refusing to restore: storage already holds {name}")
    with tempfile.SpooledTemporaryFile(max_size=4 * CHUNK) as tmp:
        while piece := source.read(CHUNK):
            tmp.write(piece)
        tmp.seek(0)
        saved = default_storage.save(name, File(tmp, name=name))
    if saved != name:
        default_storage.delete(saved)
        raise BackupError(f"storage would not take the name {name}")
    return saved


def _remove(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            pass


def _lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    rest = b""
    for piece in chunks:
        rest += piece
        *lines, rest = rest.split(b"\n")
        yield from lines
    if rest:
        yield rest


def _load(chunks: Iterable[bytes]) -> dict[str, int]:
    from django.contrib.contenttypes.models import ContentType

    from integritas.vault.models import KeyCheck

    loaded: dict[str, int] = {}
    seen: set[type[models.Model]] = set()
    with transaction.atomic():
        # `migrate` made its own content types and permissions; the backup's rows (same natural
        # contents, maybe other ids) replace them so that every reference in the dump holds.
        ContentType.objects.all().delete()
        KeyCheck.objects.all().delete()
        # Other rows `migrate` seeds (registered by their apps, e.g. gratification thresholds) likewise.
        for label in sorted(
            REPLACED_MODELS - {"contenttypes.contenttype", "auth.permission", "vault.keycheck"}
        ):
            apps.get_model(label)._base_manager.all().delete()
        batch: list[dict[str, Any]] = []

        def flush() -> None:
            for obj in serializers.deserialize("python", batch):
                obj.save(force_insert=True)
                label = obj.object._meta.label_lower
                loaded[label] = loaded.get(label, 0) + 1
                seen.add(type(obj.object))
            batch.clear()

        for line in _lines(chunks):
            if line.strip():
                batch.append(json.loads(line))
            if len(batch) >= 500:
                flush()
        flush()
        tables = set(seen)
        for model in seen:
            for m2m in model._meta.many_to_many:
                through = m2m.remote_field.through
                if through is not None and through._meta.auto_created:
                    tables.add(through)
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(tables)):
                cursor.execute(sql)
    ContentType.objects.clear_cache()
    return loaded
