"""Evidence files are written before the transaction that records them commits; a process killed in
between leaves a file that no row names. Such orphans are removed once they are old enough that no
transaction can still be about to record them."""

from __future__ import annotations

import datetime as dt
import logging

from django.apps import apps
from django.core.files.storage import default_storage
from django.utils import timezone

log = logging.getLogger(__name__)
MIN_AGE = dt.timedelta(hours=1)


def _walk(path: str):
    try:
        dirs, files = default_storage.listdir(path)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{path}/{name}"
    for sub in dirs:
        yield from _walk(f"{path}/{sub}")


def _file_models() -> list:
    """Every model that names a stored file in a ``storage_name`` field (case evidence, gratification
    evidence, …): a file any of them names is not an orphan."""
    return [m for m in apps.get_models() if any(f.name == "storage_name" for f in m._meta.concrete_fields)]


def remove_orphans(*, min_age: dt.timedelta = MIN_AGE, now: dt.datetime | None = None) -> list[str]:
    models = _file_models()
    now = now or timezone.now()
    removed: list[str] = []
    batch: list[str] = []

    def flush() -> None:
        known: set[str] = set()
        for model in models:
            known |= set(
                model._base_manager.filter(storage_name__in=batch).values_list("storage_name", flat=True)
            )
        for name in batch:
            if name not in known:
                default_storage.delete(name)
                removed.append(name)
        batch.clear()

    for name in _walk("evidence"):
        try:
            modified = default_storage.get_modified_time(name)
        except (OSError, NotImplementedError):
            continue
        if now - modified >= min_age:
            batch.append(name)
        if len(batch) >= 500:
            flush()
    if batch:
        flush()
    if removed:
        log.info("removed %d orphan evidence files", len(removed))
    return removed


_last_run: dt.datetime | None = None


def remove_orphans_if_due(every: dt.timedelta = dt.timedelta(hours=1)) -> None:
    """At most once an hour per process: listing the storage is not free."""
    global _last_run
    now = timezone.now()
    if _last_run is not None and now - _last_run < every:
        return
    _last_run = now
    remove_orphans(now=now)
